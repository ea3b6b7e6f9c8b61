"""MTA-STS policies: ``mta-sts/<domain>/mta-sts.txt`` (RFC 8461 §3.2).

Senders that support MTA-STS fetch the policy from
``https://mta-sts.<domain>/.well-known/mta-sts.txt`` after they see the
domain's ``_mta-sts`` TXT record. It lists every MX host the domain uses
(one ``mx:`` line each, from the plan's MX records) and says whether a
sender should only report TLS failures (``testing``) or refuse to deliver
without verified TLS (``enforce``).

The plan's ``_mta-sts`` TXT record carries an ``id`` hashed from the mode
and the MX set; since this file is a function of exactly those two, the id
changes whenever the file does, which is what tells senders to fetch it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..design import Design
from ..plan import Plan
from . import Exporter, register

# RFC 8461 §3.2: how long senders may cache the policy. A day while testing,
# so a mistake does not stick for long; a week once enforced (the RFC
# suggests weeks or more, and the TXT id makes senders refresh on change).
MAX_AGE = {"testing": 86400, "enforce": 604800}

# The RFC's prose calls the policy "CRLF-separated key/value pairs", while its
# ABNF allows either (sts-policy-term = LF / CRLF), and some checkers have an
# option to insist on CRLF. CRLF satisfies every reading, so we write it.
EOL = "\r\n"


@register
class MtaStsPolicies(Exporter):
    """``mta-sts/<domain>/mta-sts.txt`` for each receiving domain, unless MTA-STS is off."""

    name = "mta-sts"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        mode = design.policy.mta_sts
        if mode not in MAX_AGE:
            return
        for domain in plan.domains:
            text = policy_text(plan, domain.name, mode)
            if text is not None:
                yield f"mta-sts/{domain.name}/mta-sts.txt", text


def mx_hosts(plan: Plan, domain: str) -> list[str]:
    """The domain's MX host names in preference order, without the null MX."""
    return [m.host for m in plan.mx_for(domain) if m.host not in ("", ".")]


def policy_text(plan: Plan, domain: str, mode: str) -> str | None:
    """The policy file of ``domain``, or None for a domain that receives no mail."""
    facts = plan.domain(domain)
    hosts = mx_hosts(plan, domain)
    if facts is None or not facts.receives_mail or not hosts:
        return None
    lines = ["version: STSv1", f"mode: {mode}"]
    # One line per MX host (RFC 8461 §3.2), each named as in the MX record;
    # duplicates would add nothing, so each name appears once.
    lines += [f"mx: {host}" for host in dict.fromkeys(hosts)]
    lines.append(f"max_age: {MAX_AGE[mode]}")
    return EOL.join(lines) + EOL
