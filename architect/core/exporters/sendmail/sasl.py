"""Submission logins: Cyrus SASL's Sendmail.conf and saslauthd's settings (rimap to Dovecot)."""

from __future__ import annotations

from ...plan import HostPlan
from .common import RIMAP_SERVER, SASL_CONF, SASLAUTHD_DEFAULTS, SASLAUTHD_RUN


def sasl_conf(host: HostPlan) -> str:
    """Sendmail.conf: Cyrus SASL's settings for sendmail's AUTH (password logins)."""
    return (
        "\n".join(
            [
                f"# {SASL_CONF} for {host.name}: how sendmail's AUTH checks a password.",
                "# Read by the Cyrus SASL library inside sendmail, once, when the daemon",
                "# starts: restart sendmail after a change.",
                "#",
                "# saslauthd checks each password (its settings: /etc/default/saslauthd,",
                "# the file saslauthd beside this one), by logging in to this host's",
                "# Dovecot over IMAP: one user list, Dovecot's, for IMAP and submission.",
                "# saslauthd needs the password itself, so only PLAIN and LOGIN can work;",
                "# sendmail.mc offers them only inside TLS (confAUTH_OPTIONS p).",
                "pwcheck_method: saslauthd",
                "mech_list: PLAIN LOGIN",
                f"saslauthd_path: {SASLAUTHD_RUN}/mux",
            ]
        )
        + "\n"
    )


def saslauthd_defaults(host: HostPlan) -> str:
    """/etc/default/saslauthd: Debian's saslauthd, checking passwords at Dovecot (rimap)."""
    return (
        "\n".join(
            [
                f"# {SASLAUTHD_DEFAULTS} for {host.name}: Debian's saslauthd (package",
                "# sasl2-bin), which checks sendmail's AUTH passwords (see Sendmail.conf).",
                "# Read by /etc/init.d/saslauthd when it starts: restart saslauthd after a",
                "# change (a reload keeps the old options).",
                "#",
                "# Debian's start script starts nothing unless START is yes.",
                "START=yes",
                'DESC="SASL Authentication Daemon"',
                'NAME="saslauthd"',
                "# rimap: each login is tried as an IMAP LOGIN at the server below, and",
                "# succeeds when IMAP accepts it. That is this host's Dovecot, listening",
                f"# on {RIMAP_SERVER} port 143 for this (dovecot.conf): a loopback",
                "# connection counts as secure there, so the password may go without TLS",
                "# and never leaves the host.",
                'MECHANISMS="rimap"',
                f'MECH_OPTIONS="{RIMAP_SERVER}"',
                "THREADS=5",
                "# -r: Cyrus SASL splits the login alice@example.org into user and realm;",
                "# -r joins them again, so Dovecot is asked for alice@example.org, the",
                "# name in its user list. No -c (Debian's default has it): a cache would",
                "# accept a changed or removed password for hours; Dovecot answers every",
                "# login itself.",
                f'OPTIONS="-r -m {SASLAUTHD_RUN}"',
            ]
        )
        + "\n"
    )
