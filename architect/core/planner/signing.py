"""Last stage: which hosts sign outgoing mail with DKIM, and for which domains.

A signature is made where mail leaves the organisation's hands: on each host
that hands mail to the internet (role ``outbound``) and on each host that
takes submission from users, so that mail submitted there is signed before it
travels on (RFC 6376 §2.1: the signer is a host trusted with the domain's
key). A submission host that passes its mail to another host of ours that
signs anyway does not sign again: one signature per message is enough.

Only domains whose key the design holds are signed, and only on hosts whose
MTA the bundle can make sign: Postfix and sendmail through the OpenDKIM milter
(``dkim/<host>/``, wired by main.cf or sendmail.mc), Exim with its own DKIM
support in the transports that carry mail out (exim4.conf), OpenSMTPD with
Debian's filter-dkimsign, one filter per domain on a loopback listener that
outgoing mail passes through (smtpd.conf).
"""

from __future__ import annotations

from dataclasses import replace

from ..design import Design
from ..learn import learn
from ..plan import HostPlan, Plan, Reason, relayhost_name

SIGNING_MTAS = ("postfix", "sendmail", "exim", "opensmtpd")
# How each MTA signs, as the reason says it.
SIGNER = {
    "postfix": "OpenDKIM",
    "sendmail": "OpenDKIM",
    "exim": "Exim's own DKIM signing",
    "opensmtpd": "OpenSMTPD's filter-dkimsign",
}


def plan_signing(design: Design, plan: Plan) -> Plan:
    """The plan with ``dkim_signs`` and its reason set on each signing host."""
    if not design.policy.dkim:
        return plan
    # Only domains that send: one that sends no mail publishes "v=spf1 -all" and no key.
    sends = {d.name for d in plan.domains if d.sends}
    keyed = tuple(sorted(d.name for d in design.domains if d.dkim_public_key and d.name in sends))
    if not keyed:
        return plan
    outbound = {h.name for h in plan.hosts if "outbound" in h.roles and h.mta in SIGNING_MTAS}
    hosts = []
    for h in plan.hosts:
        why = _why(h, outbound)
        if why is None:
            hosts.append(h)
            continue
        reason = Reason(
            "dkim",
            f"signs the mail of {', '.join(keyed)} with DKIM ({SIGNER[h.mta]}): {why}",
            learn("trust", "dkim"),
        )
        hosts.append(replace(h, dkim_signs=keyed, reasons=(*h.reasons, reason)))
    return replace(plan, hosts=tuple(hosts))


def _why(h: HostPlan, outbound: set[str]) -> str | None:
    if h.mta not in SIGNING_MTAS:
        return None
    if "outbound" in h.roles:
        return "it hands mail to the internet"
    relay = relayhost_name(h.relayhost) if h.relayhost else None
    if "submission" in h.roles and relay not in outbound:
        return "it takes mail that users submit, and no host after it signs"
    return None
