"""Follow one message through a plan, hop by hop (CONTRACT §3).

The trace reads only the plan: the client settings, MX records, relay and
final domains, transports and relayhosts. So a trace shows exactly the hops
the exported configuration makes, and a hop the configs would not make can
never appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from .design import dns_name
from .plan import HostPlan, Plan

# A trace as JSON (CONTRACT §3) and as text, written in trace_text.py and offered here.
from .trace_text import dumps, to_dict, to_text  # noqa: F401

INTERNET = "internet"
ACTIONS = ("accept", "relay", "deliver", "reject", "bounce")
MAX_HOPS = 20  # a loop guard; real paths here are at most five hops long


class TraceError(ValueError):
    """The sender or recipient given to ``trace`` does not make sense."""


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    protocol: str
    port: int | None
    action: str
    why: str


@dataclass(frozen=True)
class Trace:
    sender: str
    recipient: str
    hops: tuple[Hop, ...]
    outcome: str  # delivered | sent-out | rejected | bounced | stuck
    ok: bool  # delivered, sent out, or rightly refused


def parse_recipient(address: str) -> tuple[str, str]:
    """Split ``local@domain``, normalising the domain; raise TraceError when malformed."""
    if not isinstance(address, str) or address.count("@") != 1:
        raise TraceError(f'"{address}" is not an address such as user@example.org')
    local, domain = address.split("@")
    if not local or len(local) > 64 or any(ch.isspace() or ord(ch) < 32 for ch in local):
        raise TraceError(f'"{address}" has no usable local part')
    try:
        return local, dns_name(domain)
    except ValueError as exc:
        raise TraceError(f'the domain of "{address}" {exc}') from None


def trace(plan: Plan, sender: str, recipient: str) -> Trace:
    """The hops a message from ``sender`` (a client or ``internet``) to ``recipient`` takes."""
    local, domain = parse_recipient(recipient)
    walk = _Walk(plan, domain)
    address = f"{local}@{domain}"
    if sender == INTERNET:
        walk.from_internet()
    else:
        client = plan.client(sender)
        if client is None:
            names = ", ".join([INTERNET] + [c.name for c in plan.clients])
            raise TraceError(f'no client named "{sender}"; choose one of: {names}')
        walk.from_client(client)
    return Trace(sender, address, tuple(walk.hops), walk.outcome, walk.ok)


class _Walk:
    def __init__(self, plan: Plan, domain: str) -> None:
        self.plan = plan
        self.domain = domain
        self.ours = plan.domain(domain)
        self.hops: list[Hop] = []
        self.outcome = "stuck"
        self.ok = False
        self.by_host = {p.host: p.name for p in plan.providers}

    def hop(self, source, target, protocol, port, action, why) -> None:
        self.hops.append(Hop(source, target, protocol, port, action, why))

    def finish(self, outcome: str, ok: bool) -> None:
        self.outcome, self.ok = outcome, ok

    # -- starting points ----------------------------------------------------

    def from_internet(self) -> None:
        if self.ours is None:
            first = self._internet_facing_host()
            why = (
                f"{self.domain} is not a domain this organisation serves, and the sender is "
                "neither on a trusted network nor authenticated: relay access denied"
            )
            self.hop(INTERNET, first or INTERNET, "smtp", 25, "reject", why)
            self.finish("rejected", True)
            return
        self._to_mx(INTERNET)

    def from_client(self, client) -> None:
        if client.send_via is None:
            self.hop(
                client.name,
                client.name,
                "none",
                None,
                "reject",
                f"{client.name} has no way to send mail in this plan (see the findings)",
            )
            self.finish("stuck", False)
            return
        unable = _cannot_send_as_planned(client)
        if unable:
            self.hop(
                client.name,
                client.send_via,
                client.send_protocol,
                client.send_port,
                "reject",
                unable,
            )
            self.finish("stuck", False)
            return
        via = client.send_via
        why = {
            "sendmail-command": f"{client.name} hands the message to the local MTA with the "
            "sendmail command",
            "submission": f"{client.name} submits on port {client.send_port} with TLS and a "
            "password",
            "smtp": f"{client.name} hands the message over on port 25 from a trusted network",
        }[client.send_protocol]
        self.hop(client.name, via, client.send_protocol, client.send_port, "accept", why)
        if self.plan.has_host(via):
            self._at_host(via, set())
        else:
            self._at_provider(via)

    # -- walking --------------------------------------------------------------

    def _to_mx(self, source: str, seen: set[str] | None = None) -> None:
        if not self.ours.receives_mail:
            self.hop(
                source,
                source,
                "smtp",
                25,
                "bounce",
                f"{self.domain} publishes a null MX: it receives no mail (RFC 7505)",
            )
            self.finish("bounced", True)
            return
        records = self.plan.mx_for(self.domain)
        if not records:
            self.hop(
                source,
                source,
                "smtp",
                25,
                "bounce",
                f"{self.domain} has no MX host in this plan, so the message cannot be delivered",
            )
            self.finish("stuck", False)
            return
        first = records[0]
        target = self.by_host.get(first.host, first.host)
        self.hop(
            source,
            target,
            "smtp",
            25,
            "accept",
            f"the lowest-preference MX of {self.domain} is {first.host} ({first.preference})",
        )
        if self.plan.has_host(target):
            self._at_host(target, set())
        else:
            self._at_provider(target, seen)

    def _at_provider(self, name: str, seen: set[str] | None = None) -> None:
        seen = set() if seen is None else seen
        if name in seen or len(self.hops) > MAX_HOPS:
            self.hop(name, name, "smtp", 25, "bounce", "mail loops back to this provider")
            self.finish("stuck", False)
            return
        seen.add(name)
        provider = self.plan.provider(name)
        if provider is None:
            # An MX host that is neither ours nor a provider: the mail leaves us here.
            self.hop(name, INTERNET, "smtp", 25, "relay", f"{name} is outside this design")
            self.finish("sent-out", True)
            return
        if self.ours is None:
            self.hop(
                name, INTERNET, "smtp", 25, "relay", f"{name} delivers to the MX of {self.domain}"
            )
            self.finish("sent-out", True)
            return
        if self.ours.mailbox_at_provider and self.ours.mailbox_host == name:
            self.hop(
                name, name, "local", None, "deliver", f"{name} holds the mailboxes of {self.domain}"
            )
            self.finish("delivered", True)
            return
        if provider.kind == "inbound_filter":
            wanted = {self.domain, self.ours.alias_of}
            for flow in self.plan.flows:
                if flow.source == name and wanted & set(flow.domains):
                    self.hop(name, flow.target, "smtp", 25, "relay", flow.why)
                    self._at_host(flow.target, set())
                    return
        if provider.kind == "backup_mx":
            better = [m for m in self.plan.mx_for(self.domain) if m.host != provider.host]
            if better:
                target = self.by_host.get(better[0].host, better[0].host)
                self.hop(
                    name,
                    target,
                    "smtp",
                    25,
                    "relay",
                    f"the backup MX {name} forwards to a more preferred MX, {better[0].host}",
                )
                if self.plan.has_host(target):
                    self._at_host(target, set())
                else:
                    self._at_provider(target, seen)
                return
        self._to_mx(name, seen)

    def _at_host(self, name: str, seen: set[str]) -> None:
        """The message at one of our hosts: delivered, relayed on, sent out, or stuck."""
        if name in seen or len(self.hops) > MAX_HOPS:
            self.hop(name, name, "smtp", 25, "bounce", "mail loops back to this host")
            self.finish("stuck", False)
            return
        seen.add(name)
        h = self.plan.host(name)
        if self.domain in h.final_domains:
            self._deliver_here(h)
            return
        if self.domain in h.relay_domains and self._relay_on(h, seen):
            return
        if self.ours is not None and not self.ours.receives_mail:
            self.hop(
                name,
                name,
                "smtp",
                25,
                "bounce",
                f"{self.domain} publishes a null MX: it receives no mail (RFC 7505)",
            )
            self.finish("bounced", True)
            return
        if h.relayhost:
            self._via_relayhost(h, seen)
            return
        if "outbound" in h.roles:
            if self.ours is not None:
                self._to_mx(name)
                return
            self.hop(
                name,
                INTERNET,
                "smtp",
                25,
                "relay",
                f"{name} looks up the MX of {self.domain} and delivers there",
            )
            self.finish("sent-out", True)
            return
        self.hop(name, name, "smtp", 25, "bounce", f"{name} has no route for {self.domain}")
        self.finish("stuck", False)

    def _deliver_here(self, h: HostPlan) -> None:
        aliases = dict(h.alias_domains)
        why = f"{self.domain} is delivered here"
        if self.domain in aliases:
            target = aliases[self.domain]
            why = f"{self.domain} is an alias: rewritten to {target} and delivered here"
        if h.delivery and h.delivery.startswith("lmtp:"):
            self.hop(h.name, h.delivery[5:], "lmtp", None, "deliver", why + " over LMTP")
        else:
            self.hop(h.name, h.name, "local", None, "deliver", why + f" ({h.delivery})")
        self.finish("delivered", True)

    def _relay_on(self, h: HostPlan, seen: set[str]) -> bool:
        """A relay domain passed to its next hop, or to a better MX; False when neither."""
        name = h.name
        nh = dict(h.transport).get(self.domain)
        if nh:
            target = nh.split("[", 1)[1].split("]", 1)[0]
            if nh.startswith("lmtp:"):
                self.hop(
                    name,
                    target,
                    "lmtp",
                    24,
                    "deliver",
                    f"{name} passes {self.domain} to the store {target} over LMTP",
                )
                self.finish("delivered", True)
                return True
            self.hop(
                name, target, "smtp", 25, "relay", f"{name} passes {self.domain} on to {target}"
            )
            self._at_host(target, seen)
            return True
        primary = next((m.host for m in self.plan.mx_for(self.domain) if m.host != name), None)
        if primary and self.plan.has_host(primary):
            self.hop(
                name,
                primary,
                "smtp",
                25,
                "relay",
                f"the backup MX {name} forwards to a more preferred MX, {primary}",
            )
            self._at_host(primary, seen)
            return True
        return False

    def _via_relayhost(self, h: HostPlan, seen: set[str]) -> None:
        """Through the relayhost: one of our hosts (with or without a login) or a smarthost."""
        name = h.name
        target = h.relayhost.split("[", 1)[1].split("]", 1)[0]
        if self.plan.has_host(target):
            if h.relayhost_auth:
                why = f"{name} logs in on the submission port of {target} and relays through it"
                self.hop(name, target, "submission", 587, "relay", why)
            else:
                why = f"{name} sends everything through {target}"
                self.hop(name, target, "smtp", 25, "relay", why)
            self._at_host(target, seen)
            return
        provider = self.by_host.get(target, target)
        port = int(h.relayhost.rsplit(":", 1)[1]) if "]:" in h.relayhost else 25
        self.hop(
            name,
            provider,
            "submission" if port != 465 else "submissions",
            port,
            "relay",
            f"{name} relays through the smarthost {target}",
        )
        self._at_provider(provider)

    def _internet_facing_host(self) -> str | None:
        for _, records in self.plan.mx:
            for m in records:
                if self.plan.has_host(m.host):
                    return m.host
        for h in self.plan.hosts:
            if any("internet" in listener.open_to for listener in h.listens):
                return h.name
        return None


def _cannot_send_as_planned(client) -> str | None:
    """Why a client cannot hand mail over the way the plan says, or None when it can."""
    submits = client.send_protocol in ("submission", "submissions")
    if client.send_auth and not client.can_authenticate:
        return (
            f"{client.send_via} asks {client.name} for a password, but {client.name} cannot do "
            "SMTP AUTH: the message is refused"
        )
    if submits and not client.can_tls:
        return (
            f"{client.send_via} requires TLS on port {client.send_port}, but {client.name} "
            "cannot do TLS: the message is refused"
        )
    return None
