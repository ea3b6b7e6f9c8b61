"""The users of a Dovecot host whose mail users are not system accounts.

The passwd-file (``dovecot/<host>/users``), the passdb and userdb sections
that read it, and the one system user, vmail, that owns every mailbox. Kept
apart from dovecot.py because sendmail's and OpenSMTPD's exports name the same
user and numbers.
"""

from __future__ import annotations

from typing import Protocol

from ..design import Design
from ..plan import HostPlan, Plan
from .hostfacts import mailbox_users, sender_domains


class Sections(Protocol):
    """The writer dovecot.conf is built with (dovecot._Conf)."""

    def open(self, section: str, *why: str) -> None: ...
    def set(self, name: str, value: str, *why: str) -> None: ...
    def close(self) -> None: ...


USERS_FILE = "/etc/dovecot/users"
# The system user that owns every mailbox of a passwd-file host, pinned: the install
# steps (deploy.py) create user vmail with exactly this uid and gid and home
# VMAIL_HOME. `adduser --system vmail` would pick a uid below Dovecot's default
# first_valid_uid (500), and every delivery would be deferred ("Mail access for users
# with UID 106 not permitted").
VMAIL_UID = 5000
VMAIL_GID = 5000
VMAIL_HOME = "/var/vmail"
# The password field of a user the person has not given a password yet: a valid
# scheme prefix with a value no password can hash to ("!" is not in crypt's
# alphabet), so Dovecot answers "password mismatch", a failed login, not an error;
# mail for the user is still delivered (the userdb entry exists).
PLACEHOLDER_PASSWORD = "{SHA512-CRYPT}!FILL-IN"


def user_sections(conf: Sections, host: HostPlan, shell_users: bool) -> None:
    """passdb and userdb: system accounts (PAM) on a shell host, else the users file."""
    if shell_users:
        conf.open(
            "passdb",
            "People log in to this host: their system password (PAM) is their mail password.",
        )
        conf.set("driver", "pam")
        conf.close()
        conf.open("userdb", "Home directory and user ID from the system's accounts.")
        conf.set("driver", "passwd")
        conf.close()
        return
    conf.open(
        "passdb",
        f"Mail users are not system accounts: they are listed in {USERS_FILE} (see the users "
        "file beside this one), one line per address.",
    )
    conf.set("driver", "passwd-file")
    conf.set("args", f"scheme=SHA512-CRYPT username_format=%Lu {USERS_FILE}")
    conf.close()
    conf.open(
        "userdb",
        "The same file decides which addresses exist, so mail for anyone else is refused. "
        f"Every mailbox belongs to the system user vmail (uid {VMAIL_UID}, gid "
        f"{VMAIL_GID}, home {VMAIL_HOME}); the install steps create it with exactly these "
        "numbers. They are numbers here, not the name, so the file means the same on "
        "every host.",
    )
    conf.set("driver", "passwd-file")
    conf.set("args", f"username_format=%Lu {USERS_FILE}")
    conf.set("default_fields", f"uid={VMAIL_UID} gid={VMAIL_GID} home={VMAIL_HOME}/%d/%n")
    conf.close()
    conf.set(
        "first_valid_uid",
        str(VMAIL_UID),
        "Only vmail may own mail here: Dovecot refuses any other uid, so a wrong userdb "
        "entry can never make it write as root or a system account. The default (500) "
        "would also refuse a vmail made by adduser --system (uid below 500).",
    )
    conf.set("last_valid_uid", str(VMAIL_UID))
    conf.set("first_valid_gid", str(VMAIL_GID))
    conf.set("last_valid_gid", str(VMAIL_GID))


def users_domains(design: Design, plan: Plan, host: HostPlan) -> list[str]:
    """The domains whose users log in to (or receive mail through) this host's Dovecot.

    A mailbox host: its own mailbox domains. A submission gateway, which only
    checks passwords: every domain whose users send through the organisation.
    """
    own = [d for d in host.final_domains if d not in dict(host.alias_domains)]
    return sorted(own) or sender_domains(design, plan)


def users_file(design: Design, plan: Plan, host: HostPlan) -> str:
    """The passwd-file of a host whose mail users are not system accounts.

    One line per mailbox from the design's user list (postmaster always), each
    with the placeholder password, which fails every login until replaced.
    """
    domains = users_domains(design, plan, host)
    lines = [
        f"# {USERS_FILE} for {host.name}: one line per mail user, the same users as the",
        "# Postfix tables (the design's domains[].users; postmaster is in every domain).",
        "# Format: address:{SHA512-CRYPT}hash::::::, the other fields come from dovecot.conf.",
        "# Keep it mode 0640, owned by root, group dovecot.",
        "#",
        f"# PLACEHOLDER: every password is {PLACEHOLDER_PASSWORD}, which no password",
        "# matches: the user receives mail but cannot log in until you replace it with",
        "# the output of `doveadm pw -s SHA512-CRYPT`.",
        "",
    ]
    for domain in domains:
        lines += [
            f"{u}@{domain}:{PLACEHOLDER_PASSWORD}::::::" for u in mailbox_users(design, domain)
        ]
    if not domains:
        lines.append("#someone@example.org:{SHA512-CRYPT}$6$...::::::")
    return "\n".join(lines) + "\n"
