"""smtpd.conf: the header, certificate and tables, then listeners, actions and rules in order."""

from __future__ import annotations

import ipaddress

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import tls_chain_files
from ..text import comment_lines, reasons
from .actions import _actions
from .common import CONF_DIR, _Conf, _network, _quoted
from .dkim import _dkim_filters, _signing_actions, _signing_listeners
from .facts import _Facts, _facts
from .listeners import _listeners
from .rules import _rules

# The table files smtpd.conf names when the host has them, in this order, and what each holds.
_TABLE_FILES = (
    ("virtuals", "Every address that exists on the last MTA hop, and where it goes."),
    ("aliased", "The addresses the virtuals table rewrites."),
    ("relay_recipients", "The addresses accepted for the passed-on domains."),
    ("passwords", "The submission logins and their password hashes."),
    ("sender_logins", "Which login may send as which address."),
    ("secrets", "The login for the smarthost."),
    ("aliases", "Where the local names of this host (root, postmaster) go."),
)


def smtpd_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The smtpd.conf of one OpenSMTPD host, section by section."""
    conf = _Conf()
    facts = _facts(design, plan, host)
    _header(conf, plan, host)
    if facts.ports.keys() & {25, 465, 587}:
        _certificate(conf, host)
    _table_lines(conf, host, facts)
    if facts.signers:
        _dkim_filters(conf, host, facts.signers)

    conf.section("Listening")
    _listeners(conf, host, facts.ports, facts.submission, "sender_logins" in facts.tables)
    _signing_listeners(conf, facts.signers)

    conf.section("Actions: how accepted mail is delivered")
    actions = _actions(conf, plan, host, facts)
    _signing_actions(conf, facts.signers)

    conf.section("Rules: which mail is accepted, and for which action")
    _rules(conf, host, facts, actions)
    if "filter" in host.roles:
        conf.line(
            "# filter: none installed yet",
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here with a filter directive "
            "(smtpd.conf(5), FILTERS) on the listeners. None is switched on.",
        )
    return conf.text()


def _header(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    conf.lines += [
        f"# OpenSMTPD smtpd.conf for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: OpenSMTPD 7.4 (Debian 12, from bookworm-backports: bookworm's 6.8",
        "# cannot serve TLS with OpenSSL 3). Install as /etc/smtpd.conf, the tables in",
        f"# {CONF_DIR}/; check with: smtpd -n (or smtpd -n -f FILE), then restart opensmtpd.",
        "# Rules are tried in order, the first match wins, and an RCPT that matches no",
        "# rule is refused. OpenSMTPD has no VRFY or EXPN (it answers 502).",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    ]
    for role in host.roles:
        for why in reasons(host, role):
            conf.lines += comment_lines(f"{role}: {why}", prefix="#   ")


def _certificate(conf: _Conf, host: HostPlan) -> None:
    conf.section("Certificate")
    key, chain = tls_chain_files(host.name)
    conf.line(
        f'pki {host.name} cert "{chain}"',
        f"PLACEHOLDER: the certificate chain for {host.name}, where certbot writes it "
        f"(certbot certonly -d {host.name}). smtpd refuses to start until it exists.",
    )
    conf.line(f'pki {host.name} key "{key}"', "PLACEHOLDER: its private key.")


def _table_lines(conf: _Conf, host: HostPlan, facts: _Facts) -> None:
    classes = facts.classes
    conf.section("Tables")
    conf.line(
        f"table trusted {_quoted(_network(b) for b in host.trusted_networks)}",
        "Who may send mail to other domains without logging in (Postfix: mynetworks): "
        + (
            "programs on this host itself (loopback)."
            if all(ipaddress.ip_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )
    if classes["relay"]:
        conf.line(
            f"table relay_domains {_quoted(classes['relay'])}",
            *reasons(host, "relay_domains"),
            "Accepted from anyone and passed on, never delivered here. A domain table "
            "matches exactly: not anything.example.com.",
        )
    if facts.dovecot_domains:
        conf.line(
            f"table mailbox_domains {_quoted(facts.dovecot_domains)}",
            "Mailbox domains (and alias domains of them): handed to Dovecot over LMTP.",
            *reasons(host, "delivery"),
        )
    if classes["local"]:
        conf.line(
            f"table local_domains {_quoted(classes['local'])}",
            "Delivered to accounts of this host: people with an account here receive mail "
            "at these domains.",
            *reasons(host, "delivery"),
        )
    for name, why in _TABLE_FILES:
        if name in facts.tables:
            conf.line(f"table {name} file:{CONF_DIR}/{name}", why)
