"""What an install step is (files to copy, accounts, commands, the command that applies
it), the bundle's folders per host, and the paths and modes the steps share."""

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


def _secret(name: str, default_group: str = "root") -> tuple[str, str]:
    return SECRET_FILES.get(name.rsplit("/", 1)[-1], ("0644", default_group))
