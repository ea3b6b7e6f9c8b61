"""Stage 7b: the web host that publishes MTA-STS policies and autoconfig files.

Senders that support MTA-STS fetch ``https://mta-sts.<domain>/.well-known/mta-sts.txt``
(RFC 8461 §3.3) and mail programs fetch ``https://autoconfig.<domain>/mail/config-v1.1.xml``;
both need a web server the internet reaches, with a certificate for those names. One host
serves every such name of the design:

1. a host the design marks with the ``web`` service, when the internet can reach it;
2. else an always-on host on an internet or DMZ network with a public address, preferring
   one that already serves webmail (a web server runs there), then an MX (it is on the
   internet already and has a certificate), then any other, in name order;
3. else none, and a finding says what to add.
"""

from __future__ import annotations

from ..learn import learn
from ..plan import WebName, WebPlan
from .context import PUBLIC, Context, HostState, is_public_address

LEARN = learn("trust", "mta-sts")


def mta_sts_domains(ctx: Context) -> list[str]:
    """Domains that publish an MTA-STS policy: they receive mail through MX hosts."""
    if ctx.design.policy.mta_sts == "none":
        return []
    return [
        d.name
        for d in ctx.design.domains
        if d.receives_mail and any(t != "." for _, t, _ in ctx.mx.get(d.name, []))
    ]


def autoconfig_domains(ctx: Context) -> list[str]:
    """Domains whose bundle has an autoconfig file: a reading server and a submission host.

    Thunderbird refuses a file without both, so without them there is nothing to serve.
    """
    out = []
    has_submission = bool(ctx.with_role("submission"))
    for d in ctx.design.domains:
        where = ctx.mailbox.get(d.name)
        if not d.receives_mail or where is None or where[0] != "host":
            continue
        if ctx.hosts[where[1]].roles & {"imap", "pop3"} and has_submission:
            out.append(d.name)
    return out


def _internet_facing(h: HostState) -> bool:
    return (
        h.zone in PUBLIC
        and h.host.always_on
        and any(is_public_address(a) for a in h.host.addresses)
    )


def plan_web(ctx: Context) -> WebPlan | None:
    """Choose the web host and the names it serves; None when nothing needs one or none fits."""
    names = [WebName(f"mta-sts.{d}", d, "mta-sts") for d in mta_sts_domains(ctx)]
    names += [WebName(f"autoconfig.{d}", d, "autoconfig") for d in autoconfig_domains(ctx)]
    if not names:
        return None
    names.sort(key=lambda n: (n.domain, n.name))
    listed = ", ".join(n.name for n in names)

    marked = [h for h in ctx.sorted_hosts() if "web" in h.host.services]
    for h in marked:
        if _internet_facing(h):
            return _choose(h, names, f"the design marks {h.name} for web service")
    for h in marked:
        ctx.find(
            "warning",
            "web-host-unreachable",
            f"{h.name} is marked for web service, but the internet cannot reach it (it needs "
            "an always-on host on an internet or DMZ network with a public address), so it "
            f"cannot serve {listed}.",
            [h.name],
            LEARN,
        )

    candidates = [h for h in ctx.sorted_hosts() if _internet_facing(h)]
    for wanted, because in (
        ({"webmail"}, "it serves webmail, so a web server runs there already"),
        ({"mx", "gateway", "backup-mx"}, "it is an MX, which the internet reaches already"),
    ):
        for h in candidates:
            if h.roles & wanted:
                return _choose(h, names, f"no host is marked for web service; {h.name}: {because}")
    if candidates:
        h = candidates[0]
        return _choose(
            h,
            names,
            f"no host is marked for web service; {h.name} is the first host the internet "
            "reaches at a public address",
        )
    ctx.find(
        "warning",
        "no-web-host",
        f"No host can serve {listed} over HTTPS: senders then cannot fetch the MTA-STS "
        "policy and mail programs cannot fetch their settings. Mark an always-on host with a "
        "public address on an internet or DMZ network with the service web.",
        [n.name for n in names],
        LEARN,
    )
    return None


def _choose(h: HostState, names: list[WebName], why: str) -> WebPlan:
    served = ", ".join(n.name for n in names)
    why = f"{why}; it answers https://{served.replace(', ', '/, https://')}/"
    h.because("web", why, LEARN)
    return WebPlan(h.name, tuple(names), why, LEARN)
