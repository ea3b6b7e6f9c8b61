"""How each host's files are put in place: one list of steps for the README and the lab.

The bundle's README tells a person, host by host, where each file goes and
which commands build and check it; the lab (``manage.py lab``) does exactly
the same on its namespaced hosts. Both read the steps from here, so what the
lab proves is what the README says. A step is plain data: the files to copy
(bundle path, target path, mode, group), the system accounts to create first,
the commands to run as written after copying, and the command that applies
the result (which the lab replaces by starting the daemon as Debian's unit
does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Postfix lookup tables that postmap must index, by map type; the others
# (texthash, regexp, pcre, cidr, inline, static ...) are read as text.
POSTFIX_INDEXED = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm")
_POSTFIX_MAP = re.compile(r"\b(" + "|".join(POSTFIX_INDEXED) + r"):([\w./-]+)")
# File names that are Postfix lookup tables by convention, even when main.cf
# does not name them in a form we recognise.
POSTFIX_TABLE_NAMES = (
    "access",
    "canonical",
    "generic",
    "recipient_canonical",
    "relay_domains",
    "relay_recipients",
    "relocated",
    "sasl_passwd",
    "sender_canonical",
    "sender_login",
    "sender_login_maps",
    "sender_relay",
    "tls_policy",
    "transport",
    "virtual",
    "vmailbox",
)
# sendmail tables that makemap builds (cf/README, FEATURE sections).
SENDMAIL_TABLES = (
    "access",
    "authinfo",
    "domaintable",
    "genericstable",
    "mailertable",
    "sender_logins",
    "virtusertable",
)
# sendmail's submission logins: Cyrus SASL's file and saslauthd's, outside /etc/mail.
SENDMAIL_SASL_FILES = {
    "Sendmail.conf": "/etc/sasl2/Sendmail.conf",
    "saslauthd": "/etc/default/saslauthd",
}
SENDMAIL_CF = "/usr/share/sendmail/cf/m4/cf.m4"  # Debian's path (sendmail-cf package)
# Files that hold a password or a password hash: readable by root (and the
# daemon's group) only.
SECRET_FILES = {"sasl_passwd": ("0600", "root"), "users": ("0640", "dovecot")}


@dataclass(frozen=True)
class Copy:
    """One bundle file and where it goes on its host."""

    source: str  # path inside the bundle
    target: str  # absolute path on the host
    mode: str = "0644"
    group: str = "root"


@dataclass(frozen=True)
class Install:
    """The steps that put one program's files on one host."""

    host: str
    program: str  # postfix | dovecot | sendmail | exim | opensmtpd | opendkim | nginx
    copies: tuple[Copy, ...]
    packages: tuple[str, ...] = ()  # Debian packages to install first
    accounts: tuple[str, ...] = ()  # run before copying: system users the files name
    commands: tuple[str, ...] = ()  # run as written after copying
    apply: tuple[str, ...] = ()  # what makes the running daemon use the new files


def host_dirs(files: Mapping[str, str], top: str) -> dict[str, list[str]]:
    """``{host: [file names]}`` for bundle paths ``<top>/<host>/<name>``."""
    out: dict[str, list[str]] = {}
    for path in files:
        parts = path.split("/")
        if len(parts) >= 3 and parts[0] == top:
            out.setdefault(parts[1], []).append("/".join(parts[2:]))
    return {host: sorted(names) for host, names in sorted(out.items())}


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


def _secret(name: str, default_group: str = "root") -> tuple[str, str]:
    return SECRET_FILES.get(name.rsplit("/", 1)[-1], ("0644", default_group))


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


def _sendmail(host: str, names: list[str]) -> Install:
    copies = []
    build: list[str] = []
    tables: list[str] = []
    for name in names:
        mode, group = _secret(name, "smmsp")
        copies.append(Copy(f"sendmail/{host}/{name}", f"/etc/mail/{name}", mode, group))
        base = name.rsplit("/", 1)[-1]
        if base.endswith(".mc"):
            cf = name[: -len(".mc")] + ".cf"
            build.append(f"m4 {SENDMAIL_CF} /etc/mail/{name} > /etc/mail/{cf}")
        elif base in SENDMAIL_TABLES:
            tables.append(f"makemap hash /etc/mail/{name} < /etc/mail/{name}")
        elif base == "aliases":
            tables.append("newaliases")
    # sendmail.cf first: makemap and newaliases read it (TrustedUser, AliasFile).
    return Install(
        host=host,
        program="sendmail",
        # The sendmail package brings sensible-mda and with it procmail, the local mailer.
        packages=("sendmail",),
        copies=tuple(copies),
        commands=tuple(build + tables),
        apply=("systemctl restart sendmail",),
    )


def _saslauthd(host: str, names: list[str]) -> Install:
    """saslauthd and Cyrus SASL's Sendmail.conf: sendmail's AUTH asks Dovecot (rimap)."""
    copies = [
        Copy(f"sendmail/{host}/{name}", target)
        for name, target in SENDMAIL_SASL_FILES.items()
        if name in names
    ]
    return Install(
        host=host,
        program="saslauthd",
        copies=tuple(copies),
        # sasl2-bin is saslauthd; libsasl2-modules holds the PLAIN and LOGIN mechanisms
        # sendmail offers, only Recommended by libsasl2-2 (the install step passes
        # --no-install-recommends).
        packages=("sasl2-bin", "libsasl2-modules"),
        # Its options are read when it starts: a reload (SIGHUP) would keep the old ones.
        apply=("systemctl restart saslauthd",),
    )


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


# Exim and OpenSMTPD files that hold a password: readable by root and the daemon only.
EXIM_SECRETS = {"passwd.client": ("0640", "Debian-exim")}
OPENSMTPD_SECRETS = {"passwords": ("0640", "opensmtpd"), "secrets": ("0640", "opensmtpd")}


def _exim(host: str, names: list[str], files: Mapping[str, str]) -> Install:
    """exim4.conf to /etc/exim4/exim4.conf, its lsearch files beside it (read as they are)."""
    copies = []
    for name in names:
        mode, group = EXIM_SECRETS.get(name, ("0644", "root"))
        copies.append(Copy(f"exim/{host}/{name}", f"/etc/exim4/{name}", mode, group))
    conf = files.get(f"exim/{host}/exim4.conf", "")
    # Only the heavy daemon has the dovecot authenticator (submission logins).
    heavy = re.search(r"^\s*driver = dovecot$", conf, re.M)
    # Exim signs with DKIM itself: its keys are not in the bundle (the design holds the
    # public keys only), so stop, saying where each goes, rather than send unsigned.
    keys = exim_dkim_keys(conf)
    checks = [
        f"test -s {k} || {{ echo 'missing {k}: put the private key there "
        f"(chgrp Debian-exim, chmod 640)' >&2; exit 1; }}"
        for k in keys
    ]
    return Install(
        host=host,
        program="exim",
        copies=tuple(copies),
        packages=("exim4-daemon-heavy" if heavy else "exim4-daemon-light",),
        accounts=(("install -d -o root -g Debian-exim -m 0750 /etc/exim4/dkim",) if keys else ()),
        commands=("exim4 -bV -C /etc/exim4/exim4.conf >/dev/null", *checks),
        apply=("systemctl restart exim4",),
    )


def exim_dkim_keys(conf: str) -> list[str]:
    """The DKIM private key files an exim4.conf signs with (named in its DKIM section)."""
    from .exim import dkim_keys_named

    return list(dkim_keys_named(conf).values())


def _opensmtpd(host: str, names: list[str], files: Mapping[str, str]) -> Install:
    """smtpd.conf to /etc/smtpd.conf, its tables to /etc/smtpd/; the package from backports."""
    from .opensmtpd import DKIM_DIR, DKIM_PACKAGE, DKIM_USER, PACKAGE, SUITE

    # The DKIM filter reads keys that are not in the bundle: stop, saying where each
    # goes, rather than start a filter that fails (and smtpd with it).
    keys = opensmtpd_dkim_keys(files.get(f"opensmtpd/{host}/smtpd.conf", ""))
    checks = [
        f"test -s {k} || {{ echo 'missing {k}: put the private key there "
        f"(chgrp {DKIM_USER}, chmod 640)' >&2; exit 1; }}"
        for k in keys
    ]

    copies = []
    for name in names:
        mode, group = OPENSMTPD_SECRETS.get(name, ("0644", "root"))
        target = "/etc/smtpd.conf" if name == "smtpd.conf" else f"/etc/smtpd/{name}"
        copies.append(Copy(f"opensmtpd/{host}/{name}", target, mode, group))
    return Install(
        host=host,
        program="opensmtpd",
        copies=tuple(copies),
        # apt-get install NAME/SUITE; the filter is bookworm's own.
        packages=(f"{PACKAGE}/{SUITE}", *((DKIM_PACKAGE,) if keys else ())),
        accounts=((f"install -d -o root -g {DKIM_USER} -m 0750 {DKIM_DIR}",) if keys else ()),
        commands=("smtpd -n", *checks),
        apply=("systemctl restart opensmtpd",),
    )


def opensmtpd_dkim_keys(conf: str) -> list[str]:
    """The DKIM private key files a smtpd.conf's filter-dkimsign lines read."""
    from .opensmtpd import dkim_keys_named

    return list(dkim_keys_named(conf).values())


def _nginx(host: str, files: Mapping[str, str]) -> Install:
    """The web site (nginx.conf) and the MTA-STS policies and autoconfig files it serves."""
    from .nginx import AUTOCONFIG_FILE, POLICY_FILE, SITE, SITE_ENABLED, document_root

    site = f"web/{host}/nginx.conf"
    copies = [Copy(site, SITE)]
    conf = files.get(site, "")
    # Only the files the site names: one host serves the whole design's names.
    for top, name in (("mta-sts", POLICY_FILE), ("autoconfig", AUTOCONFIG_FILE)):
        for domain, names in host_dirs(files, top).items():
            target = f"{document_root(domain)}/{name}"
            if names and f"alias {target};" in conf:
                copies.append(Copy(f"{top}/{domain}/{names[0]}", target))
    return Install(
        host=host,
        program="nginx",
        copies=tuple(copies),
        packages=("nginx",),
        commands=(
            f"ln -sfn {SITE} {SITE_ENABLED}",
            "install -d -m 0755 /var/www/mail-architect/acme",
            "nginx -t",
        ),
        apply=("systemctl reload-or-restart nginx",),
    )
