"""How each host's files are put in place: one list of steps for the README and the lab.

The bundle's README tells a person, host by host, where each file goes and
which commands build and check it; the lab (``manage.py lab``) does exactly
the same on its namespaced hosts. Both read the steps from here, so what the
lab proves is what the README says. A step is plain data: the files to copy
(bundle path, target path, mode, group), the system accounts to create first,
the commands to run as written after copying, and the command that applies
the result (which the lab replaces by starting the daemon as Debian's unit
does)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .certificates import certificate_owner, certificate_paths
from .deploy_mtas import (
    _exim,
    _nginx,
    _opensmtpd,
    _saslauthd,
    _sendmail,
    exim_dkim_keys,
    opensmtpd_dkim_keys,
)
from .steps import (
    _POSTFIX_MAP,
    POSTFIX_TABLE_NAMES,
    SENDMAIL_CF,
    SENDMAIL_SASL_FILES,
    Copy,
    Install,
    _secret,
    host_dirs,
)

# The README writer, install.sh and the lab read these from here.
__all__ = [
    "Copy",
    "Install",
    "SENDMAIL_CF",
    "certificate_owner",
    "certificate_paths",
    "exim_dkim_keys",
    "host_dirs",
    "installs",
    "opensmtpd_dkim_keys",
    "postfix_params",
]


def installs(files: Mapping[str, str]) -> list[Install]:
    """Every host's install steps, Dovecot before the MTA of the same host.

    Dovecot comes first because Postfix's submission service checks passwords
    through Dovecot's socket and delivers to its LMTP socket.
    """
    out: list[Install] = []
    for host, names in host_dirs(files, "dovecot").items():
        out.append(_dovecot(host, names, files))
    for host, names in host_dirs(files, "postfix").items():
        out.append(_postfix(host, names, files))
    for host, names in host_dirs(files, "sendmail").items():
        out.append(_sendmail(host, [n for n in names if n not in SENDMAIL_SASL_FILES]))
        if "saslauthd" in names:
            out.append(_saslauthd(host, names))
    milter_hosts = {*host_dirs(files, "postfix"), *host_dirs(files, "sendmail")}
    for host, names in host_dirs(files, "dkim").items():
        # Exim and OpenSMTPD hosts sign by themselves: their dkim/ files only record the keys.
        if host in milter_hosts:
            out.append(_opendkim(host, names, files))
    for host, names in host_dirs(files, "exim").items():
        out.append(_exim(host, names, files))
    for host, names in host_dirs(files, "opensmtpd").items():
        out.append(_opensmtpd(host, names, files))
    for host in host_dirs(files, "web"):
        out.append(_nginx(host, files))
    # OpenDKIM before the MTA, whose milter setting expects it. Exim before Dovecot:
    # dovecot.conf gives its sockets to group Debian-exim, which the exim4 packages
    # create; Exim needs Dovecot only once mail arrives.
    order = {"exim": -1, "dovecot": 0, "opendkim": 1, "postfix": 2, "sendmail": 2, "opensmtpd": 2}
    order["saslauthd"] = 1  # after Dovecot, whose IMAP it logs in to; before sendmail
    order["nginx"] = 3  # the web site last: it shares the MTA's certificate, nothing more
    return sorted(out, key=lambda i: (i.host, order[i.program]))


def _vmail_accounts(conf: str) -> tuple[str, ...]:
    """Create the vmail user with exactly the uid and gid dovecot.conf names."""
    found = re.search(r"\buid=(\d+)\s+gid=(\d+)", conf)
    if not found or "/var/vmail" not in conf:
        return ()
    uid, gid = found.groups()
    return (
        f"getent group vmail >/dev/null || groupadd --system --gid {gid} vmail",
        "getent passwd vmail >/dev/null || useradd --system --uid "
        f"{uid} --gid vmail --home-dir /var/vmail --shell /usr/sbin/nologin vmail",
        "install -d -o vmail -g vmail -m 0750 /var/vmail",
    )


def _dovecot(host: str, names: list[str], files: Mapping[str, str]) -> Install:
    copies = []
    for name in names:
        mode, group = _secret(name)
        copies.append(Copy(f"dovecot/{host}/{name}", f"/etc/dovecot/{name}", mode, group))
    conf = files.get(f"dovecot/{host}/dovecot.conf", "")
    found = re.search(r"^protocols\s*=\s*(.*)$", conf, re.M)
    protocols = found.group(1).split() if found else []
    servers = {"imap": "dovecot-imapd", "pop3": "dovecot-pop3d", "lmtp": "dovecot-lmtpd"}
    return Install(
        host=host,
        program="dovecot",
        copies=tuple(copies),
        packages=("dovecot-core", *(servers[p] for p in protocols if p in servers)),
        accounts=_vmail_accounts(conf),
        commands=("doveconf -n >/dev/null",),
        apply=("systemctl reload dovecot",),
    )


def _opendkim(host: str, names: list[str], files: Mapping[str, str]) -> Install:
    copies = []
    for name in names:
        target = "/etc/opendkim.conf" if name == "opendkim.conf" else f"/etc/opendkim/{name}"
        copies.append(Copy(f"dkim/{host}/{name}", target))
    keys = re.findall(r"^\S+ \S+:\S+:(\S+)$", files.get(f"dkim/{host}/KeyTable", ""), re.M)
    # The private keys are not in the bundle (the design holds public keys only):
    # stop here, saying where each goes, rather than run a signer without its key.
    checks = [
        f"test -s {k} || {{ echo 'missing {k}: put the private key there "
        f"(chown opendkim, chmod 600)' >&2; exit 1; }}"
        for k in keys
    ]
    return Install(
        host=host,
        program="opendkim",
        copies=tuple(copies),
        packages=("opendkim",),
        accounts=("install -d -o opendkim -g opendkim -m 0700 /etc/dkimkeys",),
        commands=("opendkim -n -x /etc/opendkim.conf", *checks),
        apply=("systemctl reload-or-restart opendkim",),
    )


def postfix_params(main_cf: str) -> list[tuple[str, str]]:
    """main.cf as (name, value) pairs, continuation lines joined (postconf(5))."""
    # Pieces are joined once per parameter: adding to a string line by line is quadratic
    # in a long mynetworks (a hub may trust 64,000 blocks, one per line).
    params: list[tuple[str, list[str]]] = []
    for line in main_cf.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[:1].isspace() and params:
            params[-1][1].append(line.strip())
        elif "=" in line:
            name, value = line.split("=", 1)
            params.append((name.strip(), [value.strip()]))
    return [(name, " ".join(pieces)) for name, pieces in params]


def _postfix(host: str, names: list[str], files: Mapping[str, str]) -> Install:
    directory = f"postfix/{host}/"
    main = files.get(directory + "main.cf", "")
    refs: dict[str, tuple[str, str, bool]] = {}  # file name -> (map type, path, is alias)
    # Read once: a bundle of 5,000 Postfix hosts runs this for each of them several times.
    pairs = postfix_params(main)
    for param, value in pairs:
        for kind, path in _POSTFIX_MAP.findall(value):
            full = path if path.startswith("/") else f"/etc/postfix/{path}"
            alias = param in ("alias_maps", "alias_database")
            refs.setdefault(full.rsplit("/", 1)[-1], (kind, full, alias))
    for kind, path in _POSTFIX_MAP.findall(files.get(directory + "master.cf", "")):
        full = path if path.startswith("/") else f"/etc/postfix/{path}"
        refs.setdefault(full.rsplit("/", 1)[-1], (kind, full, False))
    copies: list[Copy] = []
    commands: list[str] = ["postconf -n >/dev/null"]
    for name in names:
        base = name.rsplit("/", 1)[-1]
        mode, group = _secret(name)
        if base in refs:
            kind, full, alias = refs[base]
            copies.append(Copy(directory + name, full, mode, group))
            commands.append(f"{'postalias' if alias else 'postmap'} {kind}:{full}")
        else:
            copies.append(Copy(directory + name, f"/etc/postfix/{name}", mode, group))
            if base in POSTFIX_TABLE_NAMES or base.endswith(".map"):
                commands.append(f"postmap /etc/postfix/{name}")
    # /etc/aliases maps postmaster and root of the host itself; Debian's default
    # alias_maps reads its indexed form, which a fresh install may lack.
    commands += ["newaliases", "postfix check"]
    params = dict(pairs)
    packages = ["postfix"]
    if params.get("smtp_sasl_auth_enable") == "yes":
        # Postfix's SMTP client logs in through Cyrus SASL, whose PLAIN and LOGIN
        # mechanisms Debian ships in libsasl2-modules, only Suggested by postfix.
        packages.append("libsasl2-modules")
    return Install(
        host=host,
        program="postfix",
        copies=tuple(copies),
        packages=tuple(packages),
        commands=tuple(commands),
        apply=("postfix reload",),
    )
