"""How mail leaves a sendmail host: masquerading, DKIM milter, smart host, null client."""

from __future__ import annotations

from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import relayhost_port, untrusted_by_hub
from ..opendkim import SENDMAIL_MILTER
from ..text import reasons
from .common import MAIL_DIR, _local_names, _Mc


def _leaving(mc: _Mc, plan: Plan, host: HostPlan, origin: str) -> None:
    """The From mail leaves with, its DKIM signature, and the way out (smart host or MX)."""
    mc.blank()
    mc.note("How mail leaves this host.")
    mc.line(
        f"MASQUERADE_AS(`{origin}')",
        f"Mail from local users leaves as user@{origin}, not user@{host.name}.",
    )
    kept = [d for d in _local_names(host) if d != origin]
    if kept:
        mc.line(
            "FEATURE(`limited_masquerade')",
            "Only the names of MASQUERADE_DOMAIN below are masqueraded, not every name of "
            "class w (cf/README, limited_masquerade: several domains hosted on one "
            f"machine). {', '.join(kept)} "
            + ("is" if len(kept) == 1 else "are")
            + " in class w, to be delivered here, and mail sent from such a domain must "
            f"leave as it was written: masqueraded, user@{kept[0]} would leave as "
            f"user@{origin}, a From the sender did not write, which no longer matches its "
            "DKIM signature (OpenDKIM signs before sendmail rewrites) nor its SPF.",
        )
        mc.line(
            f"MASQUERADE_DOMAIN(`{host.name}')",
            f"The host's own name is masqueraded (user@{host.name} leaves as user@{origin}), "
            "as are addresses with no domain.",
        )
    mc.line("FEATURE(`masquerade_envelope')", "The envelope sender is masqueraded too.")
    if host.dkim_signs:
        _dkim_milter(mc, host)
    if host.relayhost:
        _smart_host(mc, plan, host)
    else:
        mc.note(
            "No smart host: mail for other domains goes straight to their MX hosts.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )


def _dkim_milter(mc: _Mc, host: HostPlan) -> None:
    """OpenDKIM as an input milter: every message this daemon takes passes it."""
    mc.note(*reasons(host, "dkim"))
    mc.line(
        f"INPUT_MAIL_FILTER(`opendkim', `S={SENDMAIL_MILTER}')",
        "Every message the daemon takes (submission, hosts that relay through this one, "
        "and the sendmail command, which hands its mail to the daemon over SMTP) passes "
        "OpenDKIM (dkim/ in this bundle), which signs what comes from trusted hosts or "
        "logged-in users. No F= flag: should OpenDKIM be down, mail still flows, "
        "unsigned, rather than being refused (Postfix: milter_default_action = accept). "
        "A milter sees the message as it arrives, before sendmail rewrites the headers "
        "on the way out: nothing above may rewrite a signed From (masquerading is kept "
        "to the host's own name for that reason).",
    )


def _null_client(mc: _Mc, plan: Plan, host: HostPlan, origin: str) -> None:
    """T2: send everything to one host, receive nothing; nullclient goes LAST."""
    mc.blank()
    mc.note(*reasons(host, "null-client"))
    if host.relayhost:
        _smart_host_options(mc, host, esmtp_too=True)
    mc.line(
        "FEATURE(`no_default_msa')",
        "No port 587 listener: this host takes no mail from the network.",
    )
    mc.line(
        "DAEMON_OPTIONS(`Port=smtp,Addr=127.0.0.1, Name=MTA')",
        "Port 25 on the loopback address only, for local programs (like Postfix's "
        "inet_interfaces = loopback-only).",
    )
    mc.line(
        f"FEATURE(`nullclient', `{origin}')",
        f"Everything goes to a hub; mail leaves as user@{origin}. Must be the last FEATURE: "
        "it defines the mailers itself.",
    )
    if host.relayhost:
        hub = "[" + relayhost_name(host.relayhost) + "]"
        warning = untrusted_by_hub(plan, host)
        mc.line(
            f"define(`SMART_HOST', `{hub}')",
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Redefined after nullclient, which would otherwise look up the MX of {origin}.",
        )
        # MAIL_HUB stays as nullclient sets it (the origin). Redefined as [hub] it
        # would send cron's mail to root@[hub], which Postfix refuses (501 5.1.3).
        mc.note(
            "Local names (root, cron's mail, users of this host) go to the smart host "
            f"as user@{origin}, through the same relay mailer and login: MAIL_HUB alone "
            "would name the recipient after the host it is sent to (root@[hub], "
            f"refused as bad syntax) or send it to the MX of {origin}, not to the hub."
        )
        mc.lines.append("LOCAL_RULESETS")
        mc.lines.append("SLocal_localaddr")
        mc.lines.append(f"R$+\t$#relay $@ {hub} $: $1 < @ {origin} . >\tlocal names to the hub")


def _smart_host(mc: _Mc, plan: Plan, host: HostPlan) -> None:
    """SMART_HOST on a host that also receives mail, and the port and login for it."""
    relayhost = host.relayhost or ""
    warning = untrusted_by_hub(plan, host)
    mc.line(
        f"define(`SMART_HOST', `[{relayhost_name(relayhost)}]')",
        *reasons(host, "relayhost"),
        *([warning] if warning else []),
    )
    # The esmtp mailer also carries mailertable routes inside the organisation
    # (port 25): leave its port alone when the host has any.
    _smart_host_options(mc, host, esmtp_too=not host.transport)


def _smart_host_options(mc: _Mc, host: HostPlan, *, esmtp_too: bool) -> None:
    """Port and login for the smart host (T6)."""
    relayhost = host.relayhost or ""
    port = relayhost_port(relayhost)
    if port and port != 25:
        if port == 465:
            mc.note(
                "WARNING: port 465 expects TLS from the first byte, which these mailer "
                "arguments do not give; ask the provider for port 587 (STARTTLS)."
            )
        mc.line(
            f"define(`RELAY_MAILER_ARGS', `TCP $h {port}')",
            f"The smart host listens on port {port}, not 25.",
        )
        if esmtp_too:
            mc.line(
                f"define(`ESMTP_MAILER_ARGS', `TCP $h {port}')",
                "The same for the esmtp mailer.",
            )
    if host.relayhost_auth:
        mc.line(
            f"FEATURE(`authinfo', `hash -o {MAIL_DIR}/authinfo')",
            f"Log in to {relayhost_name(relayhost)} with the user name and password in "
            f"{MAIL_DIR}/authinfo (fill it in; mode 0600).",
        )
