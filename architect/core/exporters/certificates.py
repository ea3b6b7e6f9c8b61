"""Which certificate and key files each host's configuration reads, and who must own them."""

from __future__ import annotations

import re
from collections.abc import Mapping

_CERT_PARAMS = re.compile(
    r"^\s*(smtpd_tls_chain_files|smtpd_tls_cert_file|smtpd_tls_key_file|"
    r"smtp_tls_chain_files)\s*=\s*(.+)$",
    re.M,
)
_DOVECOT_CERT = re.compile(r"^\s*(ssl_cert|ssl_key)\s*=\s*<\s*(\S+)", re.M)


# Certificate copies a daemon reads as its own user, not root: (mode, group).
CERT_OWNERS = {"/etc/exim4/": ("0640", "Debian-exim")}


def certificate_owner(path: str, kind: str) -> tuple[str, str]:
    """(mode, group) a certificate file needs where its configuration names it."""
    for prefix, owner in CERT_OWNERS.items():
        if path.startswith(prefix):
            return owner
    return ("0600", "root") if "key" in kind else ("0644", "root")


def certificate_paths(files: Mapping[str, str], host: str) -> dict[str, str]:
    """{path on the host: 'key' | 'cert' | 'key+cert'} that its configuration names.

    Read from the files themselves, so the README's certificate steps and the lab
    put the files exactly where main.cf, dovecot.conf and sendmail.mc look.
    """
    wanted: dict[str, str] = {}
    main = files.get(f"postfix/{host}/main.cf", "")
    joined = re.sub(r"\n[ \t]+", " ", main)
    for param, value in _CERT_PARAMS.findall(joined):
        paths = [p for p in re.split(r"[\s,]+", value.strip()) if p.startswith("/")]
        if param.endswith("chain_files"):
            if len(paths) == 1:
                wanted[paths[0]] = "key+cert"
            else:
                for p in paths:
                    wanted[p] = "key" if "key" in p.rsplit("/", 1)[-1] else "cert"
        else:
            for p in paths:
                wanted[p] = "key" if param.endswith("key_file") else "cert"
    conf = files.get(f"dovecot/{host}/dovecot.conf", "")
    for param, path in _DOVECOT_CERT.findall(conf):
        wanted[path] = "key" if param == "ssl_key" else "cert"
    web = files.get(f"web/{host}/nginx.conf", "")
    for param, path in re.findall(
        r"^\s*(ssl_certificate|ssl_certificate_key)\s+(/[^;\s]+);", web, re.M
    ):
        wanted[path] = "key" if param.endswith("_key") else "cert"
    exim = files.get(f"exim/{host}/exim4.conf", "")
    for param, path in re.findall(r"^\s*(tls_certificate|tls_privatekey)\s*=\s*(/\S+)", exim, re.M):
        wanted[path] = "key" if param == "tls_privatekey" else "cert"
    smtpd = files.get(f"opensmtpd/{host}/smtpd.conf", "")
    for kind, path in re.findall(r'^pki\s+\S+\s+(cert|key)\s+"(/[^"]+)"', smtpd, re.M):
        wanted[path] = kind
    mc = files.get(f"sendmail/{host}/sendmail.mc", "")
    for param, path in re.findall(r"define\(`(confSERVER_CERT|confSERVER_KEY)',\s*`([^']+)'", mc):
        wanted[path] = "key" if param.endswith("KEY") else "cert"
    return wanted
