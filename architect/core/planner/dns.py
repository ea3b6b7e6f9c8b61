"""Stage 8: the DNS records the plan needs, each with its reason and level.

MX (RFC 5321 §5.1) and null MX (RFC 7505); address records of the mail
hosts and the PTR records to request for them; one SPF record per sending
name (RFC 7208) covering exactly the hosts that hand mail to the internet;
DMARC (RFC 7489); a DKIM selector placeholder; MTA-STS and TLS-RPT
(RFC 8461, 8460); RFC 6186 SRV records; the mta-sts. and autoconfig.
names of the web host (planner/web.py)."""

from __future__ import annotations

import ipaddress

from .. import dkim
from ..learn import learn
from ..plan import DnsRecord, WebPlan
from .context import PUBLIC, Context, HostState, is_public_address
from .dns_policy import _dmarc, _mta_sts, _spf, _srv
from .dns_records import (
    DKIM_PLACEHOLDER,
    DKIM_SELECTOR,
    PLACEHOLDER_PUBLIC_ADDRESS,
    _public,
    _Records,
)


def plan_dns(ctx: Context, web: WebPlan | None = None) -> list[DnsRecord]:
    """Every record the plan needs; ``web`` is the host serving mta-sts./autoconfig. names."""
    r = _Records(ctx)
    senders = _sending_domains(ctx)
    mail_hosts: dict[str, str] = {}  # host -> why its address must be published
    for domain in ctx.design.domains:
        _mx_records(ctx, r, domain.name, mail_hosts)
    _named_hosts(ctx, mail_hosts, web)
    mx_targets = {t for records in ctx.mx.values() for _, t, _ in records}
    for name in sorted(mail_hosts):
        _addresses(ctx, r, ctx.hosts[name], mail_hosts[name], name in mx_targets)
    _host_records(ctx, r)
    helo_names = {h.name for h in r.egress}
    for domain in ctx.design.domains:
        name = domain.name
        if name in senders or name in helo_names:
            _spf(ctx, r, name)
        else:
            r.add(
                name,
                "TXT",
                "v=spf1 -all",
                f"{name} sends no mail: any message claiming to come from it is forged",
                "required",
                learn("trust", "spf"),
            )
        _dmarc(ctx, r, name, name in senders)
        if name in senders and ctx.design.policy.dkim:
            _dkim_record(r, domain)
        if domain.receives_mail:
            _mta_sts(ctx, r, name)
            _srv(ctx, r, name)
    if web is not None:
        _web_names(ctx, r, web)
    return list(r.items.values())


def _mx_records(ctx: Context, r: _Records, name: str, mail_hosts: dict[str, str]) -> None:
    for pref, target, why in ctx.mx.get(name, []):
        if target == ".":
            r.add(
                name,
                "MX",
                "0 .",
                f"null MX: {name} receives no mail (RFC 7505)",
                "required",
                learn("topologies", "null-mx"),
            )
            continue
        r.add(name, "MX", f"{pref} {target}.", why, "required", learn("transport", "mx-records"))
        if target in ctx.hosts:
            mail_hosts.setdefault(target, f"an MX host of {name}")


def _named_hosts(ctx: Context, mail_hosts: dict[str, str], web: WebPlan | None) -> None:
    """The hosts whose names must resolve besides the MX hosts, each with why."""
    for h in ctx.sorted_hosts():
        if h.sends_direct:
            mail_hosts.setdefault(h.name, "it sends mail to the internet under this name")
        if h.roles & {"submission", "imap", "pop3", "webmail"}:
            mail_hosts.setdefault(h.name, "clients connect to it by this name")
        # Hosts that others relay through or pass mail to must resolve, if only inside.
        if h.relayhost_target in ctx.hosts:
            mail_hosts.setdefault(h.relayhost_target, "other hosts relay through it by this name")
        for target in h.transport_target.values():
            mail_hosts.setdefault(target, "gateways pass mail to it by this name")
    if web is not None:
        # The mta-sts. and autoconfig. names are aliases of the web host's own name.
        mail_hosts.setdefault(web.host, "it serves the MTA-STS policy and autoconfig over HTTPS")


def _dkim_record(r: _Records, domain) -> None:
    """The domain's DKIM key at its selector, or a marked placeholder without a key."""
    name = domain.name
    if domain.dkim_public_key:
        key = dkim.parse_public_key(domain.dkim_public_key)
        r.add(
            f"{domain.dkim_selector}._domainkey.{name}",
            "TXT",
            dkim.record(key),
            f"DKIM public key ({key.kind.upper()}, {key.bits} bits) of selector "
            f"{domain.dkim_selector}: receivers check the signatures of {name}'s mail "
            "against it",
            "recommended",
            learn("trust", "dkim"),
        )
        return
    r.add(
        f"{DKIM_SELECTOR}._domainkey.{name}",
        "TXT",
        DKIM_PLACEHOLDER,
        f"DKIM public key for selector {DKIM_SELECTOR}: replace the value with the key "
        "your signing software prints",
        "recommended",
        learn("trust", "dkim"),
        placeholder=True,
    )


def _web_names(ctx: Context, r: _Records, web: WebPlan) -> None:
    """mta-sts.<domain> and autoconfig.<domain>: a CNAME to the web host's name."""
    # Names that already hold a record, collected once (not a scan of every record per name).
    taken = {fqdn for fqdn, _rtype, _value in r.items}
    for n in web.names:
        # A CNAME may not sit beside other records, nor point at itself.
        if n.name == web.host or n.name in ctx.hosts or n.name + "." in taken:
            continue
        if n.serves == "mta-sts":
            why = (
                f"senders fetch {n.domain}'s MTA-STS policy from "
                f"https://{n.name}/.well-known/mta-sts.txt, served by {web.host}"
            )
            level, link = "recommended", learn("trust", "mta-sts")
        else:
            why = (
                f"Thunderbird-style clients fetch their settings from "
                f"https://{n.name}/mail/config-v1.1.xml, served by {web.host}"
            )
            level, link = "optional", learn("trust", "autoconfig")
        r.add(n.name, "CNAME", f"{web.host}.", why, level, link)
        taken.add(n.name + ".")


def _host_records(ctx: Context, r: _Records) -> None:
    """Per-host records: PTR requests, the HELO name's SPF, a null client's null MX."""
    domain_set = set(ctx.domain_names)
    for h in ctx.sorted_hosts():
        if h.sends_direct:
            _ptr(ctx, r, h)
        # One SPF record per name (RFC 7208 §3.2: two are a permerror). A host named
        # like a domain (user@shell.example on shell.example) is covered by the
        # domain's own record, which lists it; a host with no public address gets
        # none, since "a" could match no address the receiver sees.
        if h.sends_direct and h.name not in domain_set and _public(h):
            r.add(
                h.name,
                "TXT",
                "v=spf1 a -all",
                f"SPF for the name {h.name} gives when it says HELO, so checks of that "
                "identity pass (RFC 7208 §2.3)",
                "recommended",
                learn("trust", "spf"),
            )
        if (
            "null-client" in h.roles
            and h.zone in PUBLIC
            and ctx.domain_of(h.name)
            and h.name not in domain_set  # the domain's own MX lives there
        ):
            r.add(
                h.name,
                "MX",
                "0 .",
                f"{h.name} is a null client: nothing should ever be addressed to it",
                "optional",
                learn("topologies", "null-mx"),
            )


def _sending_domains(ctx: Context) -> set[str]:
    """Domains that mail is sent from: every receiving domain, and those clients use."""
    out = {d.name for d in ctx.design.domains if d.receives_mail}
    out |= {c.domain for c in ctx.design.clients}
    return out


def _addresses(ctx: Context, r: _Records, h: HostState, why: str, is_mx: bool) -> None:
    """A/AAAA records: public addresses of public hosts in the public zone, the rest inside.

    An MX that has only private addresses (behind NAT) gets a marked FILL IN
    public address in the zone: without one its MX record would have to stay
    out, and the domain would silently receive no mail.
    """
    if is_mx and h.zone in PUBLIC and h.host.addresses:
        if not any(is_public_address(a) for a in h.host.addresses):
            r.add(
                h.name,
                "A",
                PLACEHOLDER_PUBLIC_ADDRESS,
                f"FILL IN: the public address that your router or firewall forwards port 25 "
                f"to {h.name} ({', '.join(h.host.addresses)} is private and means nothing "
                f"outside). {PLACEHOLDER_PUBLIC_ADDRESS} is a documentation address that "
                "reaches no one; until it is replaced senders cannot deliver",
                "required",
                learn("transport", "mx-records"),
                placeholder=True,
            )
    for address in h.host.addresses:
        rtype = "AAAA" if ":" in address else "A"
        if h.zone in PUBLIC and is_public_address(address):
            r.add(
                h.name,
                rtype,
                address,
                f"the address of {h.name}: {why}",
                "required",
                learn("transport", "mx-records"),
            )
        else:
            where = (
                "it is not reachable from the internet"
                if h.zone not in PUBLIC
                else "a private address has no meaning outside; publish the public address "
                "that the firewall forwards to it instead"
            )
            r.add(
                h.name,
                rtype,
                address,
                f"the address of {h.name} for internal DNS only: {where}",
                "optional",
                learn("transport", "mx-records"),
                zone=None,
            )


def _ptr(ctx: Context, r: _Records, h: HostState) -> None:
    for address in h.host.addresses:
        if not is_public_address(address):
            continue
        ip = ipaddress.ip_address(address)
        r.add(
            ip.reverse_pointer,
            "PTR",
            f"{h.name}.",
            f"{h.name} sends to the internet from {address}; receivers expect the reverse name "
            "to match the forward one. Ask whoever runs the address block to set it.",
            "required",
            learn("trust", "ptr"),
            zone=None,
        )
