"""The routers section: where each address goes, in the order Exim tries them."""

from __future__ import annotations

from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import last_mta_domains, untrusted_by_hub
from ..text import reasons
from .common import _Conf, _hop, _route_host, exim_list

# Every domain this host does not deliver or rewrite itself.
NOT_OURS = "! +local_domains : ! +mailbox_domains : ! +alias_domains"


def _routers(
    conf: _Conf,
    plan: Plan,
    host: HostPlan,
    classes: dict[str, list[str]],
    null_client: bool,
    no_local: bool,
    aliases: bool,
) -> None:
    """Aliases first, then the fixed next hops, the mailboxes, the local accounts, and out."""
    conf.begin(
        "routers",
        "Routers: where each address goes, tried in order; the first that accepts an "
        "address decides. exim4 -bt ADDRESS shows which one does.",
    )
    if aliases:
        _virtual_aliases(conf, host)
    if null_client:
        _relayhost_router(conf, plan, host, "*")
        return
    _transport_routers(conf, plan, host)
    other_relays = [d for d in classes["relay"] if d not in dict(host.transport)]
    if other_relays:
        _relay_by_mx(conf, host, other_relays)
    if classes["virtual_mailbox"]:
        _dovecot_router(conf, plan, host)
    if not no_local:
        _local_routers(conf, host)
    _outbound_router(conf, plan, host)


def _virtual_aliases(conf: _Conf, host: HostPlan) -> None:
    """On the last MTA hop: each alias address to its mailbox, from CONFDIR/virtual."""
    conf.block(
        "virtual_aliases",
        [
            "This host is the last MTA before the mailboxes, so it resolves the "
            "aliases: each user of an alias domain to the same user at its target, and "
            "root@ and abuse@ of each domain to postmaster@, a real mailbox (RFC 5321 "
            "§4.5.1). One address at a time, never a domain catch-all.",
        ],
        [
            ("driver", "redirect"),
            ("domains", exim_list(last_mta_domains(host))),
            ("data", "${lookup{$local_part@$domain}lsearch{CONFDIR/virtual}}"),
            "# An address not listed is left to the routers below.",
        ],
    )


def _transport_routers(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    """One manualroute router per domain the plan sends to a fixed next hop."""
    for domain, hop in host.transport:
        kind, target, port, name = _hop(plan, hop)
        why = [
            f"Mail for {domain} goes to {name}"
            + (f" ({target}, its address in the design)" if target != name else "")
            + (
                f" over LMTP on port {port}, straight to its Dovecot, which files it."
                if kind == "lmtp"
                else f" over SMTP on port {port}."
            ),
            *reasons(host, "relay_domains"),
        ]
        options = [
            ("driver", "manualroute"),
            ("domains", domain),
            ("transport", f"to_{name.split('.')[0]}_{kind}"),
            ("route_list", f"* {_route_host(target)} byname"),
            "# byname: /etc/hosts, then DNS (the internal DNS may be the only one that knows "
            "the name); no MX lookup, so mail cannot loop back here.",
        ]
        conf.block(f"relay_{_slug(domain)}", why, options)


def _relay_by_mx(conf: _Conf, host: HostPlan, other_relays: list[str]) -> None:
    """Passed-on domains without a fixed next hop: to their MX hosts (a backup MX)."""
    conf.block(
        "relay_by_mx",
        [
            "Passed-on domains with no fixed next hop go to their MX hosts; Exim drops "
            "this host and every MX of equal or lower preference from the list, so "
            "mail for the domain waits here (a backup MX) until the primary answers.",
            *reasons(host, "relay_domains"),
        ],
        [
            ("driver", "dnslookup"),
            ("domains", exim_list(other_relays)),
            ("transport", "remote_smtp"),
            ("ignore_target_hosts", "<; 0.0.0.0 ; 127.0.0.0/8 ; ::1"),
            "no_more",
        ],
    )


def _dovecot_router(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    """Mailbox domains: the addresses in CONFDIR/vmailbox, to Dovecot here or on the store."""
    store = (host.delivery or "").removeprefix("lmtp:")
    remote = bool(store) and store != host.name
    options = [
        ("driver", "accept" if not remote else "manualroute"),
        ("domains", "+mailbox_domains"),
        (
            "condition",
            "${lookup{$local_part@$domain}lsearch{CONFDIR/vmailbox}{yes}{no}}",
        ),
        "# Only the addresses in CONFDIR/vmailbox exist: any other is refused at RCPT.",
        ("transport", "dovecot_lmtp"),
    ]
    if remote:
        _, target, _, _ = _hop(plan, f"lmtp:[{store}]:24")
        options.append(("route_list", f"* {_route_host(target)} byname"))
    conf.block("dovecot", [*reasons(host, "delivery")], options)


def _local_routers(conf: _Conf, host: HostPlan) -> None:
    """Accounts of this host: /etc/aliases first, then the users themselves."""
    conf.block(
        "system_aliases",
        [
            "Local aliases from /etc/aliases (root, postmaster and the system accounts "
            "point at a person who reads mail)."
        ],
        [
            ("driver", "redirect"),
            ("domains", "+local_domains"),
            ("data", "${lookup{$local_part}lsearch{/etc/aliases}}"),
            "allow_fail",
            "allow_defer",
            "# No pipes or files from /etc/aliases: this file defines no transport for them.",
        ],
    )
    conf.block(
        "local_user",
        [
            "Accounts of this host: an unknown local part is refused at RCPT.",
            *reasons(host, "delivery"),
        ],
        [
            ("driver", "accept"),
            ("domains", "+local_domains"),
            "check_local_user",
            ("transport", "maildir_home" if host.delivery == "maildir" else "local_mbox"),
        ],
    )


def _outbound_router(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    """Mail for other domains: to the relayhost, or straight to their MX hosts."""
    if host.relayhost:
        _relayhost_router(conf, plan, host, NOT_OURS + " : ! +relay_to_domains")
    else:
        conf.block(
            "dnslookup",
            [
                "Mail for other domains goes straight to their MX hosts on port 25.",
                *(
                    reasons(host, "outbound")
                    or [
                        "WARNING: the plan finds no way out for this host's mail (see its "
                        "findings), so it will wait in the queue until the design gives one."
                    ]
                ),
                "Addresses in our own domains never get here: no_more makes them unknown "
                "instead of sending them out.",
            ],
            [
                ("driver", "dnslookup"),
                ("domains", NOT_OURS + " : ! +relay_to_domains"),
                ("transport", "remote_smtp"),
                ("ignore_target_hosts", "<; 0.0.0.0 ; 127.0.0.0/8 ; ::1"),
                "no_more",
            ],
        )


def _relayhost_router(conf: _Conf, plan: Plan, host: HostPlan, domains: str) -> None:
    """The manualroute router to the hub or smarthost, for ``domains`` (all, on a null client)."""
    relayhost = host.relayhost or ""
    name = relayhost_name(relayhost)
    warning = untrusted_by_hub(plan, host)
    conf.block(
        "relayhost",
        [
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Everything not delivered here goes to {name} (Postfix: relayhost = "
            f"{relayhost}); byname looks the name up in /etc/hosts, then DNS, and never "
            "asks for its MX.",
        ],
        [
            ("driver", "manualroute"),
            ("domains", domains),
            ("transport", "smarthost_smtp" if host.relayhost_auth else "hub_smtp"),
            ("route_list", f"* {name} byname"),
            "no_more",
        ],
    )


def _slug(domain: str) -> str:
    """``domain`` as part of a router name: letters and digits, the rest underscores."""
    return "".join(ch if ch.isalnum() else "_" for ch in domain)
