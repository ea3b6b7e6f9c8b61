"""Dovecot 2.3 configuration: dovecot.conf per host that runs Dovecot.

A host runs Dovecot when the plan gives it IMAP or POP3, when it holds
mailboxes but runs no MTA (it receives over LMTP), or when its Postfix
offers submission (Postfix and Exim check passwords through Dovecot's auth
socket).
Everything comes from the host's plan: which protocols, where mail lives
(``delivery``), which LMTP listeners (``listens`` port 24, ``delivery``
``lmtp:<self>``), and which ports clients reach.

Rules kept here (topologies.md T7-T9, §2.3, §4.4, P23, P24):
- Dovecot 2.3 syntax, one setting per line (``{ a = 1 b = 2 }`` on one line
  is refused);
- LMTP over TCP only on the host's own address, and only for the gateways
  the plan names; the comment says to firewall it;
- certificate paths are placeholders, marked as such: ``doveconf -n`` does
  not open them, ``doveconf -x`` would.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register
from .postfix import (
    comment_lines,
    mailbox_users,
    reasons,
    sender_domains,
    tls_chain_files,
)

USERS_FILE = "/etc/dovecot/users"
# The system user that owns every mailbox of a passwd-file host, pinned: the install
# steps (deploy.py) create user vmail with exactly this uid and gid and home
# VMAIL_HOME. `adduser --system vmail` would pick a uid below Dovecot's default
# first_valid_uid (500), and every delivery would be deferred ("Mail access for users
# with UID 106 not permitted").
VMAIL_UID = 5000
VMAIL_GID = 5000
VMAIL_HOME = "/var/vmail"
# Debian's dovecot-core ships these DH parameters; conf.d/10-ssl.conf names them, and a
# standalone dovecot.conf must too, or clients that offer only DHE ciphers fail.
DH_FILE = "/usr/share/dovecot/dh.pem"
# The password field of a user the person has not given a password yet: a valid
# scheme prefix with a value no password can hash to ("!" is not in crypt's
# alphabet), so Dovecot answers "password mismatch", a failed login, not an error;
# mail for the user is still delivered (the userdb entry exists).
PLACEHOLDER_PASSWORD = "{SHA512-CRYPT}!FILL-IN"


def runs_dovecot(host: HostPlan) -> bool:
    """Whether the plan needs Dovecot on this host."""
    roles = set(host.roles)
    if roles & {"imap", "pop3"}:
        return True
    if "mailbox" in roles and host.mta == "none":
        return True
    # Exim checks submission passwords through Dovecot too (its dovecot authenticator).
    return "submission" in roles and host.mta in ("postfix", "exim")


class _Conf:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def note(self, *text: str) -> None:
        for t in text:
            self.lines += comment_lines(t, prefix="  " * self.depth + "# ")

    def set(self, name: str, value: str, *why: str) -> None:
        if why and not self.lines[-1].endswith("{"):
            self.lines.append("")
        self.note(*why)
        self.lines.append(f"{'  ' * self.depth}{name} = {value}".rstrip())

    def open(self, section: str, *why: str) -> None:
        if (why or not self.depth) and not self.lines[-1].endswith("{"):
            self.lines.append("")
        self.note(*why)
        self.lines.append(f"{'  ' * self.depth}{section} {{")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}}}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def dovecot_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The dovecot.conf of one host."""
    conf = _Conf()
    roles = set(host.roles)
    ports = {listener.port: listener for listener in host.listens}
    shell_users = _shell_users(design, host)
    lmtp_socket = host.mta == "postfix" and host.delivery == f"lmtp:{host.name}"
    # Exim and OpenSMTPD deliver to Dovecot's own socket, /run/dovecot/lmtp.
    lmtp_run = host.mta in ("exim", "opensmtpd") and host.delivery == f"lmtp:{host.name}"
    lmtp_inet = 24 in ports
    auth_socket = "submission" in roles and host.mta == "postfix"
    exim_auth = "submission" in roles and host.mta == "exim"
    reading = sorted(roles & {"imap", "pop3"})

    conf.lines += [f"# Dovecot 2.3 configuration for {host.name}"]
    conf.note(f'Written by Mail Architect from the design "{plan.design}".')
    conf.note("Roles of this host: " + (", ".join(host.roles) or "none") + ".")
    conf.note(
        "Install: this file replaces /etc/dovecot/dovecot.conf; it is complete on its own, "
        "so the conf.d files are not read. Check it with `doveconf -n`, then restart Dovecot."
    )

    protocols = [*reading, *(["lmtp"] if lmtp_socket or lmtp_inet or lmtp_run else [])]
    why = []
    if reading:
        why.append("Mail programs read mail here over " + " and ".join(reading).upper() + ".")
    if lmtp_socket or lmtp_inet or lmtp_run:
        why.append("LMTP: the MTA hands incoming mail to Dovecot, which files it.")
    if not protocols and (auth_socket or exim_auth):
        why.append(
            "No mail is read here: Dovecot only checks passwords for "
            + ("Exim's" if exim_auth else "Postfix's")
            + " submission service."
        )
    elif not protocols:
        why.append(
            "Nothing reaches this host yet: the plan gives it no IMAP, POP3 or LMTP "
            "service (see its findings)."
        )
    conf.set("protocols", " ".join(protocols) or "none", *why)

    if protocols:
        _mail_location(conf, host, shell_users)

    conf.set(
        "auth_mechanisms",
        "plain login",
        "Password logins; LOGIN is still needed by some older mail programs.",
    )
    plaintext = [p for p in (143, 110) if p in ports and ports[p].tls == "none"]
    if plaintext:
        conf.set(
            "disable_plaintext_auth",
            "no",
            "WARNING: the design has mail programs that cannot do TLS, so the plan opens "
            f"port {' and '.join(map(str, plaintext))} without it, and their passwords "
            "cross the network readable. Give them TLS and set this to yes.",
        )
    else:
        conf.set(
            "disable_plaintext_auth",
            "yes",
            "A password is accepted only inside TLS.",
        )
    _users(conf, host, shell_users)

    if reading:
        conf.set(
            "ssl",
            "yes" if plaintext else "required",
            "TLS for every client connection"
            + ("; except the plain ports above." if plaintext else "."),
        )
        key, chain = tls_chain_files(host.name)
        conf.set(
            "ssl_cert",
            f"<{chain}",
            f"PLACEHOLDER: the certificate (with its chain) for {host.name}, the name mail "
            "programs connect to, where certbot writes it (the same files as Postfix's). "
            "The < makes Dovecot read the file.",
        )
        conf.set(
            "ssl_key",
            f"<{key}",
            "PLACEHOLDER: its private key, readable by root only.",
        )
        conf.set(
            "ssl_dh",
            f"<{DH_FILE}",
            "Diffie-Hellman parameters for clients that offer only DHE ciphers, as "
            "Debian's conf.d/10-ssl.conf sets them: this file replaces conf.d, so it "
            "names them itself.",
        )
        conf.set("ssl_min_protocol", "TLSv1.2", "No protocol versions known to be weak.")

    for proto, plain, secure in (("imap", 143, 993), ("pop3", 110, 995)):
        if proto not in reading:
            continue
        conf.open(
            f"service {proto}-login",
            *reasons(host, proto),
            f"Port {secure} speaks TLS from the first byte (RFC 8314)"
            + (
                f"; port {plain} is open without TLS, as the plan says."
                if plain in ports
                else f"; port {plain} is closed, since nothing needs it."
            ),
        )
        conf.open(f"inet_listener {proto}")
        conf.set("port", str(plain) if plain in ports else "0")
        conf.close()
        conf.open(f"inet_listener {proto}s")
        conf.set("port", str(secure))
        conf.set("ssl", "yes")
        conf.close()
        conf.close()

    if lmtp_run and not lmtp_inet:
        conf.open("service lmtp", *reasons(host, "lmtp"))
        if host.mta == "exim":
            conf.open(
                "unix_listener lmtp",
                "Dovecot's own LMTP socket, /run/dovecot/lmtp, which Exim's dovecot_lmtp "
                "transport delivers to as Debian-exim: only that group may use it.",
            )
            conf.set("mode", "0660")
            conf.set("group", "Debian-exim")
        else:
            conf.open(
                "unix_listener lmtp",
                "Dovecot's own LMTP socket, /run/dovecot/lmtp, which OpenSMTPD's lmtp "
                "action delivers to as the recipient's user: open to local users, as "
                "Dovecot ships it.",
            )
            conf.set("mode", "0666")
        conf.close()
        conf.close()
    if lmtp_socket or lmtp_inet:
        conf.open("service lmtp", *reasons(host, "lmtp"))
        if lmtp_inet:
            gateways = ", ".join(ports[24].open_to)
            conf.open(
                "inet_listener lmtp",
                f"LMTP from {gateways} on port 24. LMTP is for trusted hops only (RFC 2033): "
                f"firewall port 24 so that only {gateways} can reach it.",
            )
            if host.addresses:
                conf.set("address", " ".join(host.addresses), "This host's own address.")
            else:
                conf.set(
                    "address",
                    "*",
                    "PLACEHOLDER: the design gives this host no address; put its internal "
                    "address here instead of listening everywhere.",
                )
            conf.set("port", "24")
            conf.close()
        if lmtp_socket:
            conf.open(
                "unix_listener /var/spool/postfix/private/dovecot-lmtp",
                "The socket Postfix delivers to (virtual_transport = "
                "lmtp:unix:private/dovecot-lmtp), inside its queue directory so it works "
                "chrooted; only Postfix may use it.",
            )
            conf.set("mode", "0600")
            conf.set("user", "postfix")
            conf.set("group", "postfix")
            conf.close()
        conf.close()

    if auth_socket:
        conf.open(
            "service auth",
            "The socket Postfix's submission service checks passwords through "
            "(smtpd_sasl_path = private/auth).",
        )
        conf.open("unix_listener /var/spool/postfix/private/auth")
        conf.set("mode", "0660")
        conf.set("user", "postfix")
        conf.set("group", "postfix")
        conf.close()
        conf.close()
    if exim_auth:
        conf.open(
            "service auth",
            "The socket Exim's submission ports check passwords through (the dovecot "
            "authenticator, server_socket = /run/dovecot/auth-client); Exim runs as "
            "Debian-exim.",
        )
        conf.open("unix_listener auth-client")
        conf.set("mode", "0660")
        conf.set("group", "Debian-exim")
        conf.close()
        conf.close()
    return conf.text()


def _shell_users(design: Design, host: HostPlan) -> bool:
    try:
        return design.host(host.name).shell_users
    except KeyError:
        return False


def _mail_location(conf: _Conf, host: HostPlan, shell_users: bool) -> None:
    if host.delivery == "mbox":
        conf.set(
            "mail_location",
            "mbox:~/mail:INBOX=/var/mail/%u",
            *reasons(host, "delivery"),
            "The inbox is /var/mail/<user>, where the MTA delivers; other folders are mbox "
            "files in ~/mail.",
        )
        conf.set(
            "mail_privileged_group",
            "mail",
            "/var/mail belongs to group mail: Dovecot needs it to lock the inbox.",
        )
        return
    conf.set(
        "mail_location",
        "maildir:~/Maildir",
        *reasons(host, "delivery"),
        "Maildir in each user's home directory, one file per message.",
    )


def _users(conf: _Conf, host: HostPlan, shell_users: bool) -> None:
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


@register
class DovecotExporter(Exporter):
    """dovecot/<host>/dovecot.conf for each host that runs Dovecot."""

    name = "dovecot"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if not runs_dovecot(host):
                continue
            yield f"dovecot/{host.name}/dovecot.conf", dovecot_conf(design, plan, host)
            if not _shell_users(design, host):
                yield f"dovecot/{host.name}/users", users_file(design, plan, host)
