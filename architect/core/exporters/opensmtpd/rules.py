"""smtpd.conf's match lines, in the order they are tried: delivery, passing on, signing, out."""

from __future__ import annotations

from ...plan import HostPlan
from .common import _Conf, _quoted
from .facts import _Facts


def _rules(conf: _Conf, host: HostPlan, facts: _Facts, actions: dict[str, str]) -> None:
    """Write the match lines for the actions written (``actions``: {purpose: action name})."""
    _delivery_rules(conf, facts, actions)
    _relay_rules(conf, host, facts, actions)
    _signing_rules(conf, host, facts)
    conf.line(
        'match from local for any action "outbound"',
        "Programs on this host (the sendmail command, the loopback).",
    )
    if not facts.null_client:
        conf.line(
            'match from src <trusted> for any action "outbound"',
            "The trusted networks may send anywhere.",
        )
    if facts.submission:
        conf.line(
            'match auth from any for any action "outbound"',
            "Logged-in users may send anywhere (only the submission ports offer AUTH).",
        )
    conf.line(
        "# Everything else matches no rule and is refused: not an open relay.",
    )


def _delivery_rules(conf: _Conf, facts: _Facts, actions: dict[str, str]) -> None:
    """Mail this host delivers or rewrites: aliases first, then the domain rules."""
    if "aliases" in actions:
        conf.line(
            'match from any for rcpt-to <aliased> action "aliases"',
            "The aliases this host resolves, before the domain rules.",
        )
    if facts.dovecot_domains:
        conf.line(
            'match from any for domain <mailbox_domains> action "dovecot"',
            "Mail for the mailbox domains, from anyone.",
        )
    if "local" in actions:
        conf.line(
            'match from any for local action "local"',
            "Mail for this host's own names (localhost, its hostname), from anyone.",
        )
        if facts.classes["local"]:
            conf.line(
                'match from any for domain <local_domains> action "local"',
                "Mail for the domains whose users have accounts here.",
            )
    if "local_names" in actions:
        conf.line(
            'match from local for local action "local_names"',
            "Local programs writing to root or postmaster of this host.",
        )


def _relay_rules(conf: _Conf, host: HostPlan, facts: _Facts, actions: dict[str, str]) -> None:
    """Mail for the passed-on domains, checked against relay_recipients when there is one."""
    relay = facts.classes["relay"]
    check = " rcpt-to <relay_recipients>" if "relay_recipients" in facts.tables else ""
    for domain, _ in host.transport:
        if domain in relay:
            conf.line(
                f'match from any for domain "{domain}"{check} '
                f'action "{actions[f"relay:{domain}"]}"',
                f"Mail for {domain}, from anyone"
                + (
                    ", only for the addresses in relay_recipients (no backscatter)."
                    if check
                    else ". WARNING: the plan gives no recipient list, so every address is "
                    "accepted and mail for non-existent users bounces to forged senders."
                ),
            )
    if "backup" in actions:
        by_mx = [d for d in relay if d not in dict(host.transport)]
        conf.line(
            f'match from any for domain {_quoted(by_mx)}{check} action "backup"',
            "Mail for the domains this host is a backup MX of"
            + (", only for the addresses in relay_recipients." if check else "."),
        )


def _signing_rules(conf: _Conf, host: HostPlan, facts: _Facts) -> None:
    """Our own mail to other domains goes to its domain's signing listener, once."""
    for sig in facts.signers:
        conf.line(
            f'match from local tag {sig.tag} for any action "outbound"',
            f"Mail of {sig.domain} that its signing listener has signed: out, as below. "
            "Before the rules that send to the signing listeners, so no message goes round.",
        )
    # What programs here send without a domain (cron's root) OpenSMTPD qualifies with
    # the server name (/etc/mailname), the host's own name: it has no setting like
    # Postfix's myorigin. Signed for the origin domain, whose key covers it (DMARC's
    # relaxed alignment: the same organisational domain).
    origin = facts.origin
    for sig in facts.signers:
        if sig.domain == origin:
            conf.line(
                f'match from local mail-from "@{host.name}" for any action "{sig.action}"',
                f"Mail that programs on this host send with no domain leaves as "
                f"user@{host.name} (OpenSMTPD qualifies it with its server name, "
                f"/etc/mailname): signed for {origin}, which DMARC aligns with it "
                "(relaxed alignment, the same organisational domain).",
            )
    sources = [("from local", "programs on this host")]
    if not facts.null_client:
        sources.append(("from src <trusted>", "the trusted networks"))
    if facts.submission:
        sources.append(("auth from any", "logged-in users"))
    for sig in facts.signers:
        for n, (source, who) in enumerate(sources):
            conf.line(
                f'match {source} mail-from "@{sig.domain}" for any action "{sig.action}"',
                *(
                    [
                        f"Mail that {who} send as {sig.domain} to other domains is signed "
                        "first (DKIM, with the key of its own domain); mail this host "
                        "relays for strangers never is."
                    ]
                    if n == 0
                    else [f"The same for {who}."]
                ),
            )
