"""DKIM on an OpenSMTPD host: one filter-dkimsign per domain, its loopback listener and action."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...design import Design
from ...plan import HostPlan
from ..text import comment_lines, reasons
from .common import DKIM_DIR, DKIM_FILTER, DKIM_PORT, DKIM_USER, _Conf


@dataclass(frozen=True)
class Signer:
    """One signing domain of a host: its filter, its loopback listener, its key."""

    domain: str
    selector: str
    key: str  # the private key file the filter reads
    port: int  # the loopback listener that signs
    filter: str
    tag: str
    action: str


def dkim_key_path(domain: str, selector: str) -> str:
    """Where the private key of ``domain``'s ``selector`` goes on an OpenSMTPD host."""
    return f"{DKIM_DIR}/{selector}.{domain}.key"


def dkim_signers(design: Design, host: HostPlan) -> list[Signer]:
    """The domains this host signs, each with its filter, listener and key, in order."""
    out = []
    for n, domain in enumerate(host.dkim_signs):
        selector = design.domain(domain).dkim_selector
        label = re.sub(r"[^A-Za-z0-9]", "_", domain)
        out.append(
            Signer(
                domain=domain,
                selector=selector,
                key=dkim_key_path(domain, selector),
                port=DKIM_PORT + n,
                filter=f"dkim_{label}",
                tag=f"DKIM_{label}",
                action=f"sign_{label}",
            )
        )
    return out


def dkim_keys_named(conf: str) -> dict[str, str]:
    """{domain: private key path} as the filter lines of a smtpd.conf name them."""
    found = re.findall(r"filter-dkimsign .*?-d (\S+) -s \S+ -k (\S+)\"", conf)
    return dict(found)


def _dkim_filters(conf: _Conf, host: HostPlan, signers: list[Signer]) -> None:
    conf.section("DKIM signing")
    for why in reasons(host, "dkim"):
        conf.lines += comment_lines(why)
    for n, s in enumerate(signers):
        conf.line(
            f'filter "{s.filter}" proc-exec "{DKIM_FILTER} -c relaxed/relaxed '
            f'-d {s.domain} -s {s.selector} -k {s.key}" user {DKIM_USER} group {DKIM_USER}',
            *(
                [
                    "Debian's opensmtpd-filter-dkimsign signs each message that passes it "
                    "(filter-dkimsign(8)): d= the domain, s= the selector published at "
                    "<selector>._domainkey.<domain>, relaxed canonicalization, which "
                    "survives the small header changes of the hops after this one. It runs "
                    f"as {DKIM_USER}, which the package creates."
                ]
                if n == 0
                else []
            ),
            f"PLACEHOLDER: the private key of {s.domain} (selector {s.selector}) is not "
            f"in the bundle: put the key you downloaded at {s.key}, owned by root, group "
            f"{DKIM_USER}, mode 0640. Without it the filter fails and smtpd stops.",
        )


def _signing_listeners(conf: _Conf, signers: list[Signer]) -> None:
    for s in signers:
        conf.line(
            f'listen on 127.0.0.1 port {s.port} tag {s.tag} filter "{s.filter}"',
            f"The signing listener of {s.domain}: the action {s.action} (below) sends "
            f"mail here; the filter signs it and the tag {s.tag} sends it out (rules "
            "below). Loopback only: only this host's programs can reach it.",
        )


def _signing_actions(conf: _Conf, signers: list[Signer]) -> None:
    for s in signers:
        conf.line(
            f'action "{s.action}" relay host smtp://127.0.0.1:{s.port}',
            f"Mail of {s.domain} on its way out goes first through its signing listener "
            f"(port {s.port}, this host) to be signed.",
        )
