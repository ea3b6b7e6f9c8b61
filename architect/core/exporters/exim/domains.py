"""The main section's domain and host lists: what this host delivers, rewrites and passes on,
and who may relay through it."""

from __future__ import annotations

import ipaddress

from ...plan import HostPlan
from ..text import reasons
from .common import _Conf, exim_list


def _domain_lists(
    conf: _Conf, host: HostPlan, classes: dict[str, list[str]], no_local: bool, origin: str
) -> None:
    """Every domain in one list (local, mailbox, alias or relay), then the trusted hosts."""
    conf.section("Which domains this host accepts, and what it does with them")
    _local_domains(conf, host, classes, no_local, origin)
    _mailbox_domains(conf, host, classes)
    _alias_domains(conf, host, classes)
    _relay_lists(conf, host, classes)


def _local_domains(
    conf: _Conf, host: HostPlan, classes: dict[str, list[str]], no_local: bool, origin: str
) -> None:
    """local_domains: delivered to accounts of this host, or none at all."""
    if no_local:
        local = []
        why_local = [
            "Nothing is delivered on this host itself: mail for every domain, including "
            "root's, goes on to the host that holds the mailboxes."
        ]
    else:
        local = ["@", "localhost", f"localhost.{origin}", *classes["local"]]
        why_local = [
            "Delivered to accounts of this host: its own name (@), localhost, and so "
            "that mail for root and postmaster stays here."
        ]
        if classes["local"]:
            why_local.append(
                "Also the mailboxes of "
                + ", ".join(classes["local"])
                + ": people with an account on this host receive mail at these domains."
            )
            why_local += reasons(host, "delivery")
    conf.set("domainlist local_domains", exim_list(local), *why_local)


def _mailbox_domains(conf: _Conf, host: HostPlan, classes: dict[str, list[str]]) -> None:
    """mailbox_domains: filed by Dovecot over LMTP."""
    conf.set(
        "domainlist mailbox_domains",
        exim_list(classes["virtual_mailbox"]),
        *(
            [
                "Mailbox domains: handed to Dovecot over LMTP, which files the mail and "
                "keeps its index current. Only addresses in CONFDIR/vmailbox are accepted.",
                *reasons(host, "delivery"),
            ]
            if classes["virtual_mailbox"]
            else ["No Dovecot-filed mailbox domains on this host."]
        ),
    )


def _alias_domains(conf: _Conf, host: HostPlan, classes: dict[str, list[str]]) -> None:
    """alias_domains: user@alias delivered as user@target."""
    conf.set(
        "domainlist alias_domains",
        exim_list(classes["virtual_alias"]),
        *(
            [
                "Alias domains: user@alias is delivered as user@target, one address at a "
                "time from CONFDIR/virtual, so unknown addresses are refused at RCPT.",
                *[f"{a} is an alias of {t}." for a, t in host.alias_domains],
            ]
            if classes["virtual_alias"]
            else ["No alias domains on this host."]
        ),
    )


def _relay_lists(conf: _Conf, host: HostPlan, classes: dict[str, list[str]]) -> None:
    """relay_to_domains (passed on for anyone) and relay_from_hosts (may send anywhere)."""
    relay_why = (
        [
            *reasons(host, "relay_domains"),
            "Accepted from anyone and passed on, never delivered here: "
            + ", ".join(classes["relay"])
            + ". A domain list matches exactly: relaying for example.com does not also "
            "relay for anything.example.com.",
        ]
        if classes["relay"]
        else ["This host passes no domain on to another server."]
    )
    conf.set("domainlist relay_to_domains", exim_list(classes["relay"]), *relay_why)
    conf.set(
        "hostlist relay_from_hosts",
        exim_list(_network(b) for b in host.trusted_networks),
        "Who may send mail to other domains without logging in (Postfix: mynetworks): "
        + (
            "programs on this host itself (loopback)."
            if all(ipaddress.ip_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )


def _network(block: str) -> str:
    """A trusted network in canonical form (host bits cleared)."""
    return str(ipaddress.ip_network(block, strict=False))
