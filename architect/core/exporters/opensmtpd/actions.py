"""smtpd.conf's action lines: how accepted mail is delivered, passed on or sent out."""

from __future__ import annotations

from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import relayhost_port, untrusted_by_hub
from ..text import reasons
from .common import DOVECOT_LMTP_SOCKET, VMAIL_USER, _Conf, _target
from .facts import _Facts


def _actions(conf: _Conf, plan: Plan, host: HostPlan, facts: _Facts) -> dict[str, str]:
    """Write the action lines; return {purpose: action name}."""
    classes = facts.classes
    names: dict[str, str] = {}
    if not facts.no_local:
        _local_action(conf, host)
        names["local"] = "local"
    if "virtuals" in facts.tables and (classes["virtual_mailbox"] or classes["virtual_alias"]):
        _dovecot_action(conf, plan, host)
        names["dovecot"] = "dovecot"
    _next_hop_actions(conf, plan, host, names)
    if "virtuals" in facts.tables and not names.get("dovecot"):
        conf.line(
            'action "aliases" forward-only virtual <virtuals>',
            "This host is the last MTA before the mailboxes, so it resolves the aliases "
            "(root@ and abuse@ to postmaster@, a real mailbox; alias domains to their "
            "target) and passes the result on by the rules below.",
        )
        names["aliases"] = "aliases"
    by_mx = [d for d in classes["relay"] if d not in dict(host.transport)]
    if by_mx:
        conf.line(
            f'action "backup" relay backup mx {host.name}',
            "Passed-on domains with no fixed next hop go to their MX hosts of higher "
            "priority than this one (a backup MX): mail waits here until the primary "
            "answers.",
            *reasons(host, "relay_domains"),
        )
        names["backup"] = "backup"
    _outbound_action(conf, plan, host)
    names["outbound"] = "outbound"
    if facts.no_local:  # null clients too
        conf.line(
            'action "local_names" forward-only alias <aliases>',
            "Nothing is delivered on this host: its local names (root, postmaster) go to "
            f"the same names at {facts.origin}, through the rules below.",
        )
        names["local_names"] = "local_names"
    return names


def _local_action(conf: _Conf, host: HostPlan) -> None:
    method = "maildir" if host.delivery == "maildir" else "mbox"
    conf.line(
        f'action "local" {method} alias <aliases>',
        "Accounts of this host: "
        + (
            "each user's mail is filed in ~/Maildir/."
            if method == "maildir"
            else "each user's mail goes to /var/mail/<user> (mbox, with mail.local)."
        )
        + " Local names go through /etc/aliases first.",
        *reasons(host, "delivery"),
    )


def _dovecot_action(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    store = (host.delivery or "").removeprefix("lmtp:")
    if not store or store == host.name:
        dest = f'"{DOVECOT_LMTP_SOCKET}"'
        where = f"Dovecot's LMTP socket on this host ({DOVECOT_LMTP_SOCKET})"
    else:
        dest = f'"{_target(plan, store).strip("[]")}:24"'
        where = f"the Dovecot of {store}, port 24"
    conf.line(
        f'action "dovecot" lmtp {dest} rcpt-to virtual <virtuals>',
        f"Mailbox mail goes to {where}, which files it and keeps its index current. "
        "rcpt-to: Dovecot gets the full address, as its users are keyed. virtual: only "
        "the addresses in the virtuals table exist; every other is refused at RCPT. "
        f"Each address maps to the user {VMAIL_USER}, the owner of the mailboxes, "
        "which runs the delivery (OpenSMTPD 7 refuses a user option beside virtual).",
    )


def _next_hop_actions(conf: _Conf, plan: Plan, host: HostPlan, names: dict[str, str]) -> None:
    """One relay action per next hop of the plan's transport; adds relay:<domain> to names."""
    for domain, hop in host.transport:
        kind, _, rest = hop.partition(":")
        name = rest.lstrip("[").split("]")[0]
        port = rest.rsplit("]:", 1)[1] if "]:" in rest else ("24" if kind == "lmtp" else "25")
        target = _target(plan, name)
        action = f"to_{name.split('.')[0]}"
        if action in names.values():
            continue
        url = f"{'lmtp' if kind == 'lmtp' else 'smtp'}://{target}:{port}"
        conf.line(
            f'action "{action}" relay host {url}',
            f"Mail for {domain} goes to {name}"
            + (f" ({target}, its address in the design)" if target != name else "")
            + (
                f", over LMTP on port {port}, straight to its Dovecot."
                if kind == "lmtp"
                else f", over SMTP on port {port}, with STARTTLS when offered."
            ),
        )
        names[f"relay:{domain}"] = action


def _outbound_action(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    """The "outbound" action: to the relayhost when the plan has one, else by MX."""
    if not host.relayhost:
        conf.line(
            'action "outbound" relay',
            "Mail for other domains goes straight to their MX hosts on port 25, with "
            "STARTTLS when offered.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )
        return
    name = relayhost_name(host.relayhost)
    port = relayhost_port(host.relayhost) or 25
    warning = untrusted_by_hub(plan, host)
    if host.relayhost_auth:
        proto = "smtps" if port == 465 else "smtp+tls"
        url = f"{proto}://relay@{name}:{port}"
        conf.line(
            f'action "outbound" relay host {url} auth <secrets>',
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Everything for other domains goes to {name}, port {port}, "
            + ("TLS from the first byte" if port == 465 else "with STARTTLS required")
            + " and its certificate verified (OpenSMTPD does so by default), then a "
            "login: the relay label in the secrets table.",
        )
    else:
        conf.line(
            f'action "outbound" relay host smtp://{name}:{port}',
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
            f"Everything for other domains goes to {name}, port {port} (no MX lookup), "
            "with STARTTLS when offered; no login, the hub trusts this host's network.",
        )
