"""The install steps of sendmail (with saslauthd), Exim, OpenSMTPD and nginx hosts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .steps import (
    SENDMAIL_CF,
    SENDMAIL_SASL_FILES,
    SENDMAIL_TABLES,
    Copy,
    Install,
    _secret,
    host_dirs,
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
