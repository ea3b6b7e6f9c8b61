"""Dovecot 2.3 configuration: dovecot.conf per host that runs Dovecot.

A host runs Dovecot when the plan gives it IMAP or POP3, when it holds
mailboxes but runs no MTA (it receives over LMTP), or when its MTA offers
submission: Postfix and Exim check passwords through Dovecot's auth socket,
sendmail through saslauthd, which logs in to Dovecot's IMAP on 127.0.0.1.
Everything comes from the host's plan: which protocols, where mail lives
(``delivery``), which LMTP listeners (``listens`` port 24, ``delivery``
``lmtp:<self>``), and which ports clients reach.

Rules kept here (topologies.md T7-T9, §2.3, §4.4, P23, P24):
- Dovecot 2.3 syntax, one setting per line (``{ a = 1 b = 2 }`` on one line
  is refused);
- LMTP over TCP only on the host's own address, and only for the gateways
  the plan names; the comment says to firewall it;
- certificate paths are placeholders, marked as such: ``doveconf -n`` does
  not open them, ``doveconf -x`` would."""

from __future__ import annotations

from collections.abc import Iterable

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register
from .dovecot_services import _auth_services, _lmtp_services
from .dovecot_users import (
    PLACEHOLDER_PASSWORD,
    USERS_FILE,
    VMAIL_GID,
    VMAIL_HOME,
    VMAIL_UID,
    user_sections,
    users_domains,
    users_file,
)
from .dovecot_writer import _Conf, _Needs, _shell_users
from .hostfacts import tls_chain_files
from .text import reasons

# Names other modules and the tests read from here.
__all__ = [
    "PLACEHOLDER_PASSWORD",
    "USERS_FILE",
    "VMAIL_GID",
    "VMAIL_HOME",
    "VMAIL_UID",
    "DovecotExporter",
    "dovecot_conf",
    "runs_dovecot",
    "users_domains",
    "users_file",
]

# Debian's dovecot-core ships these DH parameters; conf.d/10-ssl.conf names them, and a
# standalone dovecot.conf must too, or clients that offer only DHE ciphers fail.
DH_FILE = "/usr/share/dovecot/dh.pem"


def runs_dovecot(host: HostPlan) -> bool:
    """Whether the plan needs Dovecot on this host."""
    roles = set(host.roles)
    if roles & {"imap", "pop3"}:
        return True
    if "mailbox" in roles and host.mta == "none":
        return True
    # Exim checks submission passwords through Dovecot too (its dovecot authenticator);
    # sendmail through saslauthd, which logs in to Dovecot's IMAP on loopback (rimap).
    return "submission" in roles and host.mta in ("postfix", "exim", "sendmail")


def dovecot_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The dovecot.conf of one host: a complete file, written section by section."""
    conf = _Conf()
    needs = _Needs.of(design, host)
    conf.lines += [f"# Dovecot 2.3 configuration for {host.name}"]
    conf.note(f'Written by Mail Architect from the design "{plan.design}".')
    conf.note("Roles of this host: " + (", ".join(host.roles) or "none") + ".")
    conf.note(
        "Install: this file replaces /etc/dovecot/dovecot.conf; it is complete on its own, "
        "so the conf.d files are not read. Check it with `doveconf -n`, then restart Dovecot."
    )
    if _protocols(conf, needs):
        _mail_location(conf, host, needs.shell_users)
    _logins(conf, needs)
    user_sections(conf, host, needs.shell_users)
    if needs.reading:
        _tls(conf, host, needs)
    elif needs.rimap:
        conf.set(
            "ssl",
            "no",
            "No TLS: the one IMAP listener is on 127.0.0.1, for saslauthd (below), and "
            "needs no certificate.",
        )
    _login_services(conf, host, needs)
    _lmtp_services(conf, host, needs)
    _auth_services(conf, needs)
    return conf.text()


def _protocols(conf: _Conf, needs: _Needs) -> list[str]:
    """The protocols line, with why; returns the protocols Dovecot serves."""
    rimap = ["imap"] if needs.rimap and "imap" not in needs.reading else []
    protocols = [*needs.reading, *rimap, *(["lmtp"] if needs.lmtp else [])]
    why = []
    if needs.reading:
        why.append("Mail programs read mail here over " + " and ".join(needs.reading).upper() + ".")
    if rimap:
        why.append(
            "IMAP only on 127.0.0.1, where saslauthd checks sendmail's submission "
            "passwords; no mail program reads mail here."
        )
    if needs.lmtp:
        why.append("LMTP: the MTA hands incoming mail to Dovecot, which files it.")
    if not protocols and (needs.auth_socket or needs.exim_auth):
        why.append(
            "No mail is read here: Dovecot only checks passwords for "
            + ("Exim's" if needs.exim_auth else "Postfix's")
            + " submission service."
        )
    elif not protocols:
        why.append(
            "Nothing reaches this host yet: the plan gives it no IMAP, POP3 or LMTP "
            "service (see its findings)."
        )
    conf.set("protocols", " ".join(protocols) or "none", *why)
    return protocols


def _logins(conf: _Conf, needs: _Needs) -> None:
    conf.set(
        "auth_mechanisms",
        "plain login",
        "Password logins; LOGIN is still needed by some older mail programs.",
    )
    if needs.plaintext:
        conf.set(
            "disable_plaintext_auth",
            "no",
            "WARNING: the design has mail programs that cannot do TLS, so the plan opens "
            f"port {' and '.join(map(str, needs.plaintext))} without it, and their passwords "
            "cross the network readable. Give them TLS and set this to yes.",
        )
    else:
        conf.set(
            "disable_plaintext_auth",
            "yes",
            "A password is accepted only inside TLS.",
        )


def _tls(conf: _Conf, host: HostPlan, needs: _Needs) -> None:
    conf.set(
        "ssl",
        "yes" if needs.plaintext else "required",
        "TLS for every client connection"
        + ("; except the plain ports above." if needs.plaintext else "."),
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


def _login_services(conf: _Conf, host: HostPlan, needs: _Needs) -> None:
    """imap-login and pop3-login: the implicit-TLS port always, the plain one if planned.

    On a sendmail host that takes submission, IMAP also listens on 127.0.0.1 port 143
    for saslauthd, whatever clients are offered.
    """
    if needs.rimap and "imap" not in needs.reading:
        conf.open("service imap-login", *_RIMAP_WHY)
        _rimap_listener(conf)
        conf.open("inet_listener imaps")
        conf.set("port", "0")
        conf.close()
        conf.close()
    for proto, plain, secure in (("imap", 143, 993), ("pop3", 110, 995)):
        if proto not in needs.reading:
            continue
        conf.open(
            f"service {proto}-login",
            *reasons(host, proto),
            f"Port {secure} speaks TLS from the first byte (RFC 8314)"
            + (
                f"; port {plain} is open without TLS, as the plan says."
                if plain in needs.ports
                else f"; port {plain} is closed, since nothing needs it."
            ),
        )
        if plain in needs.ports:
            conf.open(f"inet_listener {proto}")
            conf.set("port", str(plain))
            conf.close()
        elif proto == "imap" and needs.rimap:
            conf.note(*_RIMAP_WHY)
            _rimap_listener(conf)
        else:
            conf.open(f"inet_listener {proto}")
            conf.set("port", "0")
            conf.close()
        conf.open(f"inet_listener {proto}s")
        conf.set("port", str(secure))
        conf.set("ssl", "yes")
        conf.close()
        conf.close()


# sendmail's AUTH in Dovecot's terms: Cyrus SASL asks saslauthd, and saslauthd's rimap
# tries the login and password as an IMAP LOGIN here; Dovecot's answer is the answer.
_RIMAP_WHY = (
    "sendmail checks submission passwords through saslauthd (sendmail/<host>/saslauthd), "
    "which tries each one as an IMAP login on 127.0.0.1 port 143: the same users and "
    "passwords as IMAP. Loopback only, so nothing outside the host reaches this port; "
    "Dovecot counts a connection from the host itself as secure, so the password is "
    "accepted there without TLS (disable_plaintext_auth above) and never crosses a network.",
)


def _rimap_listener(conf: _Conf) -> None:
    conf.open("inet_listener imap")
    conf.set("address", "127.0.0.1")
    conf.set("port", "143")
    conf.close()


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
