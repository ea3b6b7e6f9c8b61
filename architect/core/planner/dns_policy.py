"""The policy records of each domain: SPF, DMARC, MTA-STS with TLS-RPT, and SRV."""

from __future__ import annotations

import hashlib

from ..learn import learn
from .context import PUBLIC, Context, HostState
from .dns_records import SPF_LOOKUP_LIMIT, _Records


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
