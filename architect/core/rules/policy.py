"""Rules about the policy: DKIM, DMARC, reports, MTA-STS, and domains that send no mail."""

from __future__ import annotations

from ..planner.context import Context
from . import check
from .designs import DOMAIN, MAIL, design, solo, with_policy

DMARC = ("RFC 7489 §6.3 (DMARC policy)", "https://www.rfc-editor.org/rfc/rfc7489#section-6.3")
DMARC_REPORTS = ("RFC 7489 §7 (DMARC reports)", "https://www.rfc-editor.org/rfc/rfc7489#section-7")
DKIM = ("RFC 6376 (DKIM signatures)", "https://www.rfc-editor.org/rfc/rfc6376")
GMAIL = ("Google: email sender guidelines", "https://support.google.com/a/answer/81126")
FORWARDING = (
    "RFC 7960 §3.1 (DMARC and forwarded mail)",
    "https://www.rfc-editor.org/rfc/rfc7960#section-3.1",
)


def _null_mx_sender(name: str, receives: bool) -> dict:
    return design(
        name,
        domains=[{"name": DOMAIN}, {"name": f"notify.{DOMAIN}", "receives_mail": receives}],
        clients=[
            {"name": "shop", "kind": "application", "host": MAIL, "domain": f"notify.{DOMAIN}"}
        ],
    )


@check(
    "null-mx-sender",
    "warning",
    ("topologies", "null-mx"),
    title="A client sends as a domain that publishes a null MX",
    explanation="Catches a client whose sender domain is marked as receiving no mail, so its "
    "zone publishes a null MX (RFC 7505). Replies and bounces to that domain fail at once, "
    "and RFC 7505 §4.2 lets receivers refuse mail whose sender domain says it accepts "
    "none.",
    fix="Send as a domain that receives mail, or let the domain receive mail (at least for "
    "postmaster and bounces).",
    sources=(
        (
            "RFC 7505 §4.2 (null MX for senders)",
            "https://www.rfc-editor.org/rfc/rfc7505#section-4.2",
        ),
    ),
    example=_null_mx_sender("Sender with a null MX", False),
    counter_example=_null_mx_sender("Sender that receives mail", True),
)
def null_mx_sender(ctx: Context, find) -> None:
    design = ctx.design
    for c in design.clients:
        if not design.domain(c.domain).receives_mail:
            find(
                f"{c.name} sends as {c.domain}, which publishes a null MX: replies and bounces "
                "cannot reach it, and receivers may refuse its mail (RFC 7505 §4.2).",
                [c.name, c.domain],
            )


@check(
    "dkim-disabled",
    "warning",
    ("trust", "dkim"),
    title="DKIM signing is off",
    explanation="Catches a policy without DKIM. A forwarded message keeps its DKIM signature "
    "(RFC 6376) but fails SPF, since the forwarder's address is not in the sender's "
    "record; without a signature it then fails DMARC. Large receivers also ask every "
    "sender to sign.",
    fix="Turn DKIM on in the policy; the bundle then holds a key and the record to publish.",
    sources=(DKIM, FORWARDING, GMAIL),
    example=with_policy("DKIM off", dkim=False),
    counter_example=solo(),
)
def dkim_disabled(ctx: Context, find) -> None:
    if not ctx.design.policy.dkim:
        find(
            "DKIM is off: forwarded mail then fails DMARC, and large receivers expect a signature.",
            [],
        )


@check(
    "dmarc-reject-without-dkim",
    "warning",
    ("trust", "dmarc"),
    title="DMARC asks for rejection while DKIM is off",
    explanation="Catches p=reject with DKIM off. DMARC passes when SPF or DKIM passes and "
    "aligns (RFC 7489 §4.2); forwarded mail fails SPF, so without a signature it fails "
    "DMARC, and p=reject tells receivers to refuse it.",
    fix="Turn DKIM on, or relax DMARC to quarantine until it is.",
    sources=(DMARC, FORWARDING),
    example=with_policy("DMARC reject without DKIM", dkim=False, dmarc="reject"),
    counter_example=with_policy("DMARC quarantine without DKIM", dkim=False),
)
def dmarc_reject_without_dkim(ctx: Context, find) -> None:
    policy = ctx.design.policy
    if not policy.dkim and policy.dmarc == "reject":
        find(
            "DMARC is set to reject while DKIM is off: forwarded mail that fails SPF will "
            "be refused.",
            [],
        )


@check(
    "dmarc-monitoring-only",
    "info",
    ("trust", "dmarc"),
    title="DMARC only monitors",
    explanation="Reports p=none. Receivers then send reports but deliver mail that fails "
    "DMARC as if nothing were wrong (RFC 7489 §6.3), so forged mail in your domain's name "
    "still arrives. It is the right first step, to read the reports before enforcing.",
    fix="Once the reports show that all your own mail passes, set DMARC to quarantine, then "
    "reject.",
    sources=(DMARC, DMARC_REPORTS),
    example=with_policy("DMARC none", dmarc="none"),
    counter_example=solo(),
)
def dmarc_monitoring_only(ctx: Context, find) -> None:
    if ctx.design.policy.dmarc == "none":
        find("DMARC is set to none: receivers only report, and forged mail still arrives.", [])


@check(
    "no-report-address",
    "info",
    ("trust", "dmarc"),
    title="No address receives DMARC and TLS reports",
    explanation="Reports a policy without a report address. The DMARC record's rua= (RFC "
    "7489 §7.2) and the TLS-RPT record (RFC 8460) tell receivers where to send reports of "
    "mail that failed authentication or TLS; without one nobody learns that mail is "
    "failing.",
    fix="Set a report address in the policy, a mailbox someone reads or a report service.",
    sources=(
        DMARC_REPORTS,
        ("RFC 8460 (SMTP TLS reporting)", "https://www.rfc-editor.org/rfc/rfc8460"),
    ),
    example=with_policy("No report address", reports_to=None),
    counter_example=solo(),
)
def no_report_address(ctx: Context, find) -> None:
    if not ctx.design.policy.reports_to:
        find(
            "No address receives DMARC and TLS reports, so nobody learns when mail fails "
            "checks. Set one in the policy.",
            [],
        )


@check(
    "mta-sts-policy-host",
    "info",
    ("trust", "mta-sts"),
    title="MTA-STS needs a web server and a certificate",
    explanation="Reports the domains that publish an MTA-STS policy. Senders fetch the "
    "policy from https://mta-sts.<domain>/.well-known/mta-sts.txt over HTTPS with a "
    "certificate valid for that name (RFC 8461 §3.3). Postfix does not apply other "
    "domains' MTA-STS policies by itself: it needs a policy plug-in (an smtp_tls_policy_maps "
    "server) for that.",
    fix="Serve the policy from the web host the plan names (the bundle has its nginx "
    "configuration) with a certificate for each mta-sts. name; or set MTA-STS to none.",
    sources=(
        (
            "RFC 8461 §3.3 (MTA-STS policy retrieval)",
            "https://www.rfc-editor.org/rfc/rfc8461#section-3.3",
        ),
        (
            "Postfix TLS_README: TLS policy",
            "https://www.postfix.org/TLS_README.html#client_tls_policy",
        ),
    ),
    example=solo(),
    counter_example=with_policy("MTA-STS off", mta_sts="none"),
)
def mta_sts_policy_host(ctx: Context, find) -> None:
    design = ctx.design
    if design.policy.mta_sts == "none":
        return
    receiving = sorted(d.name for d in design.domains if d.receives_mail and ctx.mx.get(d.name))
    if receiving:
        find(
            "MTA-STS needs a web server answering https://mta-sts.<domain>/ with a valid "
            "certificate for " + ", ".join(f"mta-sts.{d}" for d in receiving) + " (the "
            "policy host's own name, not the domain's); Postfix also needs a policy "
            "plug-in to honour other domains' policies when sending.",
            receiving,
        )
