"""The probes of a check that talk to servers: SMTP on each MX (banner, STARTTLS, the
certificate and its chain) and the MTA-STS policy over HTTPS."""

from __future__ import annotations

import datetime as dt

from . import probes
from .compare import name as norm
from .guard import refusal
from .report import Row, with_


class ServerChecks:
    """Mixed into the check, which provides ``dns``, ``budget``, ``design`` and ``options``."""

    def addresses(self, host: str) -> tuple[list[str], str]:
        found: list[str] = []
        problems = []
        for rtype in ("A", "AAAA"):
            answer = self.dns.query(host, rtype)
            found += answer.values
            if not answer.ok and not answer.absent:
                problems.append(answer.why(host, rtype))
        why = "; ".join(problems) or f"{host} has no address in DNS"
        return found[: self.options.addresses_per_host], why

    def refused(self, address: str) -> str | None:
        if self.options.allow_private:
            return None
        why = refusal(address)
        if why is None:
            return None
        return f"not probed: {why}" + (
            f" ({self.options.private_hint})" if self.options.private_hint else ""
        )

    def smtp(self, stub: Row) -> list[Row]:
        host = norm(stub.name)
        addresses, why = self.addresses(host)
        if not addresses:
            return [with_(stub, detail=why)]
        return [self.smtp_at(with_(stub, type=f"SMTP {a}"), host, a) for a in addresses]

    def smtp_at(self, stub: Row, host: str, address: str) -> Row:
        refused = self.refused(address)
        if refused:
            return with_(stub, detail=refused)
        try:
            got = probes.smtp(
                address,
                host,
                self.budget,
                port=self.options.smtp_port,
                ehlo=self.options.ehlo,
                cafile=self.options.cafile,
            )
        except probes.ProbeError as exc:
            hint = (
                "; outbound port 25 may be blocked where the check runs"
                if "connect" in str(exc)
                else ""
            )
            return with_(stub, detail=f"{exc}{hint}")
        found = f"banner: {got.banner}; EHLO name {got.ehlo_name}"
        if not got.starttls:
            return with_(stub, status="differ", found=found, detail="STARTTLS is not offered")
        if got.tls_error or got.certificate is None:
            return with_(
                stub, status="differ", found=found, detail=got.tls_error or "no certificate"
            )
        cert = got.certificate
        until = cert.not_after.strftime("%Y-%m-%d")
        notes = [f"STARTTLS; certificate for {', '.join(cert.names) or 'no name'} until {until}"]
        if norm(got.ehlo_name) != host:
            notes.append(f"it calls itself {got.ehlo_name}, not {host}")
        problems = []
        if got.chain_error:
            # Opportunistic TLS would still encrypt, but a sender that authenticates the
            # server (an MTA-STS policy in enforce mode, RFC 8461 §4.2) refuses it.
            problems.append(
                f"the certificate chain does not verify against {self.trusted()}: {got.chain_error}"
            )
        if not cert.valid_for(host):
            problems.append(f"the certificate is not valid for {host}")
        if cert.not_after < dt.datetime.now(dt.UTC):
            problems.append(f"the certificate expired on {until}")
        return with_(
            stub,
            status="differ" if problems else "match",
            found=found,
            detail="; ".join(problems + notes),
        )

    def trusted(self) -> str:
        """The trust anchors certificates are verified against, in words for a row."""
        if self.options.cafile:
            return f"the system's authorities and {self.options.cafile_label or 'the CA file'}"
        return "the system's authorities"

    def mta_sts(self, stub: Row, domain: str) -> Row:
        host = f"mta-sts.{domain}"
        addresses, why = self.addresses(host)
        if not addresses:
            return with_(stub, status="missing", detail=why)
        refused = self.refused(addresses[0])
        if refused:
            return with_(stub, detail=refused)
        try:
            got = probes.https_get(
                addresses[0],
                host,
                "/.well-known/mta-sts.txt",
                self.budget,
                port=self.options.https_port,
                cafile=self.options.cafile,
            )
        except probes.ProbeError as exc:
            return with_(
                stub,
                status="differ" if "certificate" in str(exc) else "not_checked",
                detail=str(exc),
            )
        if 300 <= got.status < 400:
            return with_(
                stub,
                status="differ",
                found=f"HTTP {got.status} to {got.headers.get('location', '?')}",
                detail="a redirect: senders must not follow one (RFC 8461 §3.3), so they get "
                "no policy",
            )
        if got.status != 200:
            return with_(
                stub, status="missing", found=f"HTTP {got.status}", detail="no policy served"
            )
        policy: dict[str, list[str]] = {}
        for line in got.body.splitlines():
            key, _, value = line.partition(":")
            policy.setdefault(key.strip().lower(), []).append(value.strip())
        mode = (policy.get("mode") or [""])[0]
        patterns = policy.get("mx", [])
        found = f"mode: {mode}; mx: {', '.join(patterns)}"
        problems = []
        if (policy.get("version") or [""])[0] != "STSv1":
            problems.append("not an STSv1 policy")
        if mode != self.design.policy.mta_sts:
            problems.append(f"mode {mode or 'absent'}, the plan says {self.design.policy.mta_sts}")
        live = self.dns.query(domain, "MX")
        for value in live.values:
            mx = norm(value.split()[-1])
            if not any(probes.name_matches(p, mx) for p in patterns):
                problems.append(f"the MX {mx} is not in the policy's mx: lines")
        if problems:
            return with_(stub, status="differ", found=found, detail="; ".join(problems))
        return with_(
            stub, status="match", found=found, detail=f"the mx: lines cover the live MX of {domain}"
        )
