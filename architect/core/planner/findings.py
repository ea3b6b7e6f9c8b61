"""Stage 9: the design's remaining mistakes and risks.

Stages record the findings they meet on the way; this stage looks at the
finished plan for the pitfalls that only show in the whole (the P-numbers
refer to the project's pitfall catalogue).
"""

from __future__ import annotations

from ..learn import learn
from .context import PUBLIC, Context, is_public_address

FANTASY_SUFFIXES = (".local", ".lan", ".localdomain", ".internal", ".home.arpa", ".corp", ".home")


def plan_findings(ctx: Context) -> None:
    design = ctx.design
    policy = design.policy
    for h in ctx.sorted_hosts():
        public = [a for a in h.host.addresses if is_public_address(a)]
        if h.sends_direct and h.host.addresses and not public:
            ctx.find(
                "warning",
                "no-ptr-possible",
                f"{h.name} sends to the internet but has only private addresses, so no "
                "reverse (PTR) record can name it; receivers distrust such mail. Send through "
                "a host with a public address, or list its public (NAT) address.",
                [h.name],
                learn("trust", "ptr"),
            )
        if h.sends_direct and not h.host.addresses:
            ctx.find(
                "warning",
                "sender-without-address",
                f"{h.name} sends to the internet, but the design gives it no address: the "
                "SPF record cannot name it and no PTR can be requested.",
                [h.name],
                learn("trust", "ptr"),
            )
        if (h.sends_direct or "mx" in h.roles) and h.name.endswith(FANTASY_SUFFIXES):
            ctx.find(
                "warning",
                "non-public-hostname",
                f"{h.name} talks to the internet under a name that does not exist in public "
                "DNS; receivers refuse or distrust it. Give it a real name.",
                [h.name],
                learn("trust", "ptr"),
            )
        if h.roles & {"mx", "backup-mx", "gateway"}:
            if not h.host.addresses:
                ctx.find(
                    "error",
                    "mx-without-address",
                    f"{h.name} is an MX host but has no address in the design; its A/AAAA "
                    "record cannot be published and senders cannot find it.",
                    [h.name],
                    learn("transport", "mx-records"),
                )
            elif not public:
                # An error, not a warning: senders on the internet cannot reach a private
                # address, so until the public one is filled in no mail arrives.
                ctx.find(
                    "error",
                    "mx-private-address",
                    f"{h.name} is an MX host but has only private addresses "
                    f"({', '.join(h.host.addresses)}): senders on the internet cannot reach "
                    "them. It sits behind NAT, so publish the public address your router or "
                    "firewall forwards port 25 to: the zone carries a FILL IN address record "
                    "for it; also add that address to the design.",
                    [h.name],
                    learn("transport", "mx-records"),
                )
            elif "backup-mx" in h.roles or "mx" in h.roles:
                if all(":" in a for a in public):
                    ctx.find(
                        "warning",
                        "mx-ipv6-only",
                        f"The MX host {h.name} has only IPv6 addresses: senders that have only "
                        "IPv4, still many, cannot reach it and queue or bounce the mail. Give "
                        "it an IPv4 address too (an A record beside the AAAA).",
                        [h.name],
                        learn("transport", "mx-records"),
                    )
        if h.roles & {"submission", "imap", "pop3", "webmail"} and h.zone in PUBLIC:
            if not h.host.addresses:
                ctx.find(
                    "warning",
                    "service-host-without-address",
                    f"Clients connect to {h.name}, but the design gives it no address: its "
                    "address record, and the SRV and autoconfig records that point at it, "
                    "cannot be published.",
                    [h.name],
                    learn("trust", "autoconfig"),
                )
            elif not public and not h.roles & {"mx", "backup-mx", "gateway"}:
                ctx.find(
                    "warning",
                    "service-host-private-address",
                    f"Clients outside connect to {h.name}, but its addresses are private; "
                    "publish the public address the firewall forwards to it.",
                    [h.name],
                    learn("trust", "autoconfig"),
                )
        if "backup-mx" in h.roles and h.host.addresses and not public and h.zone == "dmz":
            ctx.find(
                "warning",
                "backup-mx-nat",
                f"The backup MX {h.name} sits behind NAT: tell its MTA its public address "
                "(Postfix proxy_interfaces), or it loops mail back to itself while the "
                "primary is down.",
                [h.name],
                learn("topologies", "backup-mx"),
            )
        if "backup-mx" in h.roles:
            ctx.find(
                "info",
                "backup-mx-recipient-list",
                f"The backup MX {h.name} checks recipients against a list so it cannot be used "
                "for backscatter; keep that list in step with the mailboxes.",
                [h.name],
                learn("relaying", "backscatter"),
            )
        if "gateway" in h.roles:
            ctx.find(
                "info",
                "gateway-recipient-list",
                f"The gateway {h.name} checks recipients against a list before accepting "
                "mail; keep that list in step with the mailboxes, or it accepts mail it later "
                "bounces (backscatter).",
                [h.name],
                learn("relaying", "backscatter"),
            )
        if "mailbox" in h.roles and h.zone in PUBLIC:
            fronted = any(
                ctx.first_hop.get(d) and h.name not in ctx.first_hop[d] for d in h.final_domains
            )
            if fronted and h.host.accepts_internet_smtp:
                ctx.find(
                    "warning",
                    "mailbox-store-exposed",
                    f"The mailbox store {h.name} has gateways in front of it but still accepts "
                    "SMTP from the internet; put it on an internal network or close port 25 "
                    "to everyone but the gateways.",
                    [h.name],
                    learn("topologies", "dmz-gateway"),
                )
            if not h.has_mta and h.zone == "internet":
                ctx.find(
                    "warning",
                    "lmtp-exposed",
                    f"The store {h.name} takes mail over LMTP and sits on an internet network; "
                    "LMTP has no access control of its own, so firewall port 24 to the gateways.",
                    [h.name],
                    learn("delivery", "lmtp"),
                )
        if h.has_mta and not h.host.always_on and h.roles & {"mailbox", "hub"}:
            ctx.find(
                "warning",
                "host-not-always-on",
                f"{h.name} is often off, yet other hosts depend on it; "
                "mail waits while it is down.",
                [h.name],
                learn("transport", "smtp"),
            )
        if not h.has_mta and h.host.shell_users:
            ctx.find(
                "warning",
                "shell-host-without-mta",
                f"People log in on {h.name}, but it runs no MTA: their mail programs have no "
                "sendmail command to hand mail to.",
                [h.name],
                learn("injection", "sendmail-command"),
            )

    for c in design.clients:
        if not design.domain(c.domain).receives_mail:
            ctx.find(
                "warning",
                "null-mx-sender",
                f"{c.name} sends as {c.domain}, which publishes a null MX: replies and bounces "
                "cannot reach it, and receivers may refuse its mail (RFC 7505 §4.2).",
                [c.name, c.domain],
                learn("topologies", "null-mx"),
            )

    if not policy.dkim:
        ctx.find(
            "warning",
            "dkim-disabled",
            "DKIM is off: forwarded mail then fails DMARC, and large receivers expect a signature.",
            [],
            learn("trust", "dkim"),
        )
        if policy.dmarc == "reject":
            ctx.find(
                "warning",
                "dmarc-reject-without-dkim",
                "DMARC is set to reject while DKIM is off: forwarded mail that fails SPF will "
                "be refused.",
                [],
                learn("trust", "dmarc"),
            )
    if policy.dmarc == "none":
        ctx.find(
            "info",
            "dmarc-monitoring-only",
            "DMARC is set to none: receivers only report, and forged mail still arrives.",
            [],
            learn("trust", "dmarc"),
        )
    if not policy.reports_to:
        ctx.find(
            "info",
            "no-report-address",
            "No address receives DMARC and TLS reports, so nobody learns when mail fails "
            "checks. Set one in the policy.",
            [],
            learn("trust", "dmarc"),
        )
    if policy.mta_sts != "none":
        receiving = sorted(d.name for d in design.domains if d.receives_mail and ctx.mx.get(d.name))
        if receiving:
            ctx.find(
                "info",
                "mta-sts-policy-host",
                "MTA-STS needs a web server answering https://mta-sts.<domain>/ with a valid "
                "certificate for " + ", ".join(f"mta-sts.{d}" for d in receiving) + " (the "
                "policy host's own name, not the domain's); Postfix also needs a policy "
                "plug-in to honour other domains' policies when sending.",
                receiving,
                learn("trust", "mta-sts"),
            )
