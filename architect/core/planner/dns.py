"""Stage 8: the DNS records the plan needs, each with its reason and level.

MX (RFC 5321 §5.1) and null MX (RFC 7505); address records of the mail
hosts and the PTR records to request for them; one SPF record per sending
name (RFC 7208) covering exactly the hosts that hand mail to the internet;
DMARC (RFC 7489); a DKIM selector placeholder; MTA-STS and TLS-RPT
(RFC 8461, 8460); RFC 6186 SRV records; the mta-sts. and autoconfig.
names of the web host (planner/web.py).
"""

from __future__ import annotations

import hashlib
import ipaddress

from .. import dkim
from ..learn import learn
from ..plan import DnsRecord, WebPlan
from .context import PUBLIC, Context, HostState, is_public_address

DKIM_SELECTOR = "mail"
DKIM_PLACEHOLDER = "v=DKIM1; k=rsa; p=PUBLIC-KEY-FROM-YOUR-DKIM-SIGNER"
SPF_LOOKUP_LIMIT = 10
# Stands in for the public address of an MX that the design knows only by a
# private one (a home server behind NAT). From a documentation range (RFC 5737):
# it reaches no one, so an unedited zone defers mail instead of sending it to a
# stranger, and it lets the MX record be published and checked meanwhile.
PLACEHOLDER_PUBLIC_ADDRESS = "203.0.113.250"


class _Records:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.items: dict[tuple, DnsRecord] = {}
        # Looked up once per plan, used once per domain.
        self.egress = [h for h in ctx.sorted_hosts() if h.sends_direct]
        # Each sending host's SPF terms, the same in every domain's record.
        self.egress_terms = {
            h.name: [("ip6:" if ":" in a else "ip4:") + a for a in _public(h)] for h in self.egress
        }
        self.submission = next((h for h in ctx.with_role("submission") if h.zone in PUBLIC), None)
        sh = ctx.smarthost
        self.smarthost_used = sh is not None and any(
            h.relayhost_target == sh.name for h in ctx.sorted_hosts()
        )

    def add(self, name, rtype, value, why, level, link, *, zone="auto", placeholder=False):
        fqdn = name.rstrip(".") + "."
        if zone == "auto":
            zone = self.ctx.domain_of(name.rstrip("."))
        key = (fqdn, rtype, value)
        if key not in self.items:
            self.items[key] = DnsRecord(
                fqdn, rtype, value, why, level, link, zone, placeholder=placeholder
            )


def plan_dns(ctx: Context, web: WebPlan | None = None) -> list[DnsRecord]:
    """Every record the plan needs; ``web`` is the host serving mta-sts./autoconfig. names."""
    r = _Records(ctx)
    design = ctx.design
    senders = _sending_domains(ctx)
    mail_hosts: dict[str, str] = {}  # host -> why its address must be published

    for domain in design.domains:
        name = domain.name
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
            r.add(
                name, "MX", f"{pref} {target}.", why, "required", learn("transport", "mx-records")
            )
            if target in ctx.hosts:
                mail_hosts.setdefault(target, f"an MX host of {name}")

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

    mx_targets = {t for records in ctx.mx.values() for _, t, _ in records}
    for name in sorted(mail_hosts):
        _addresses(ctx, r, ctx.hosts[name], mail_hosts[name], name in mx_targets)

    _host_records(ctx, r)

    helo_names = {h.name for h in r.egress}
    for domain in design.domains:
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
        if name in senders and design.policy.dkim and domain.dkim_public_key:
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
        elif name in senders and design.policy.dkim:
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
        if domain.receives_mail:
            _mta_sts(ctx, r, name)
            _srv(ctx, r, name)
    if web is not None:
        _web_names(ctx, r, web)
    return list(r.items.values())


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


def _public(h: HostState) -> list[str]:
    return [a for a in h.host.addresses if is_public_address(a)]


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


def _spf(ctx: Context, r: _Records, domain: str) -> None:
    terms: list[str] = []
    notes: list[str] = []
    soft = False
    for h in r.egress:
        public = r.egress_terms[h.name]
        if public:
            terms += public
        else:
            _spf_cannot_name(ctx, domain, h)
        if h.name == domain:
            notes.append(f"it also covers {h.name} as the name the host gives in HELO")
    providers = []
    where = ctx.mailbox.get(domain)
    if r.smarthost_used:
        providers.append(ctx.smarthost)
    if where and where[0] == "provider":
        providers.append(ctx.design.provider(where[1]))
    for p in providers:
        if p.spf_include:
            terms.append(f"include:{p.spf_include}")
            notes.append(f"include:{p.spf_include} covers the servers of {p.name}")
        else:
            terms.append(f"a:{p.host}")
            soft = True
            ctx.find(
                "warning",
                "provider-spf-unknown",
                f"The SPF record of {domain} cannot name the servers of {p.name}: add the "
                f"include: that {p.name} documents (set the provider's SPF include). Until "
                "then the record ends in ~all so that its mail is not refused outright.",
                [domain, p.name],
                learn("trust", "spf"),
            )
    terms = list(dict.fromkeys(terms))  # two providers may share one include
    notes = list(dict.fromkeys(notes))
    # ip4:/ip6: cost nothing; a: and include: each cost a DNS lookup (RFC 7208 §4.6.4).
    lookups = sum(t.startswith(("a:", "include:")) for t in terms)
    if lookups > SPF_LOOKUP_LIMIT:
        ctx.find(
            "error",
            "spf-too-many-lookups",
            f"The SPF record of {domain} needs {lookups} DNS lookups; receivers stop at "
            f"{SPF_LOOKUP_LIMIT} and treat the record as broken (RFC 7208 §4.6.4). Give the "
            "sending hosts their public addresses so they can be listed as ip4:/ip6:, or "
            "send through fewer hosts.",
            [domain],
            learn("trust", "spf"),
        )
    if not terms:
        ctx.find(
            "warning",
            "spf-no-senders",
            f"{domain} sends mail, but no host of the plan hands mail to the internet, so its "
            "SPF record can authorise no one.",
            [domain],
            learn("trust", "spf"),
        )
    value = " ".join(["v=spf1", *terms, "~all" if soft else "-all"])
    why = f"SPF for {domain}: only the hosts that hand its mail to the internet may send it"
    if notes:
        why += "; " + "; ".join(notes)
    r.add(domain, "TXT", value, why, "required", learn("trust", "spf"))


def _spf_cannot_name(ctx: Context, domain: str, h: HostState) -> None:
    # An a: term would look up an address record that is either absent or private,
    # so it matches nothing and the host's mail fails SPF anyway; it is left out and
    # the person is told, rather than the record pretending to cover the host.
    private = ", ".join(h.host.addresses)
    ctx.find(
        "warning",
        "spf-sender-without-public-address",
        f"{h.name} hands mail for {domain} (bounces included) to the internet, but the "
        "design gives it no public address, so the SPF record cannot name it and its mail "
        "fails SPF"
        + (f" ({private} is private; receivers see the NAT address)" if private else "")
        + ". List the public address it sends from in the design, so the record can say "
        "ip4:/ip6:, or let it relay through a host that has one.",
        [h.name, domain],
        learn("trust", "spf"),
    )


def _dmarc(ctx: Context, r: _Records, domain: str, sends: bool) -> None:
    policy = ctx.design.policy
    p = policy.dmarc if sends else "reject"
    value = f"v=DMARC1; p={p}"
    if policy.reports_to:
        value += f"; rua=mailto:{policy.reports_to}"
        report_domain = policy.reports_to.split("@")[1]
        home = ctx.domain_of(report_domain)
        if report_domain != domain and home != domain:
            if home is not None:
                # The report address falls under one of our zones (the domain itself
                # or a name below it): its consent record can be published there.
                r.add(
                    f"{domain}._report._dmarc.{report_domain}",
                    "TXT",
                    "v=DMARC1",
                    f"lets {report_domain} receive DMARC reports about {domain}: receivers "
                    "send reports to another domain only when it says yes (RFC 7489 §7.1)",
                    "recommended",
                    learn("trust", "dmarc"),
                )
            else:
                ctx.find(
                    "warning",
                    "dmarc-external-reports",
                    f"DMARC reports for {domain} go to {policy.reports_to}, outside this "
                    "design: receivers send them only if that domain agrees (RFC 7489 §7.1). "
                    f"Ask whoever runs {report_domain} to publish "
                    f'{domain}._report._dmarc.{report_domain} TXT "v=DMARC1"; until then '
                    "the reports are not sent.",
                    [domain],
                    learn("trust", "dmarc"),
                )
    why = (
        f"DMARC for {domain}: receivers {_dmarc_words(p)} mail that fails SPF and DKIM alignment"
        if sends
        else f"{domain} sends no mail, so receivers should reject anything claiming to be from it"
    )
    r.add(f"_dmarc.{domain}", "TXT", value, why, "recommended", learn("trust", "dmarc"))


def _dmarc_words(p: str) -> str:
    return {"none": "only report", "quarantine": "put in spam", "reject": "refuse"}[p]


def _mta_sts(ctx: Context, r: _Records, domain: str) -> None:
    policy = ctx.design.policy
    mx = [t for _, t, _ in ctx.mx.get(domain, []) if t != "."]
    if policy.mta_sts != "none" and mx:
        digest = hashlib.sha256(f"{policy.mta_sts}|{'|'.join(sorted(mx))}".encode()).hexdigest()
        r.add(
            f"_mta-sts.{domain}",
            "TXT",
            f"v=STSv1; id={digest[:20]}",
            f"MTA-STS ({policy.mta_sts}): senders fetch the policy from "
            f"https://mta-sts.{domain}/.well-known/mta-sts.txt; the id changes with the policy",
            "recommended",
            learn("trust", "mta-sts"),
        )
    if policy.mta_sts != "none" and policy.reports_to:
        r.add(
            f"_smtp._tls.{domain}",
            "TXT",
            f"v=TLSRPTv1; rua=mailto:{policy.reports_to}",
            "TLS-RPT: senders report failed TLS connections to this address",
            "recommended",
            learn("trust", "tls-rpt"),
        )


def _srv(ctx: Context, r: _Records, domain: str) -> None:
    where = ctx.mailbox.get(domain)
    if where is None or where[0] != "host":
        return
    link = learn("trust", "autoconfig")
    submission = r.submission
    store = ctx.hosts[where[1]]
    offered = {
        "_submission._tcp": (submission, 587),
        "_submissions._tcp": (submission, 465),
        "_imap._tcp": (None, 143),
        "_imaps._tcp": (store if "imap" in store.roles and store.zone in PUBLIC else None, 993),
        "_pop3._tcp": (None, 110),
        "_pop3s._tcp": (store if "pop3" in store.roles and store.zone in PUBLIC else None, 995),
    }
    for label, (host, port) in offered.items():
        service = label.split(".")[0][1:]
        if host is None:
            r.add(
                f"{label}.{domain}",
                "SRV",
                "0 0 0 .",
                f"{service} is not offered for {domain} (RFC 6186): clients need not try it",
                "optional",
                link,
            )
        else:
            r.add(
                f"{label}.{domain}",
                "SRV",
                f"0 1 {port} {host.name}.",
                f"mail programs find {service} for {domain} on {host.name} port {port}",
                "optional",
                link,
            )
