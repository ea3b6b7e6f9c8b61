"""What every step of a smtpd.conf reads about its host, worked out once."""

from __future__ import annotations

from dataclasses import dataclass

from ...design import Design
from ...plan import HostPlan, Listener, Plan
from ..hostfacts import _no_local_delivery, address_classes, is_null_client
from .common import _origin, _submission_ports
from .dkim import Signer, dkim_signers
from .tables import smtpd_tables


@dataclass(frozen=True)
class _Facts:
    """The host's address classes, listeners, tables and signers, as the steps use them."""

    classes: dict[str, list[str]]  # hostfacts.address_classes
    null_client: bool
    no_local: bool  # nothing is delivered on the host itself (null client, gateway)
    ports: dict[int, Listener]
    submission: bool  # a submission host with a submission port
    tables: dict[str, str]  # the table files, by name (smtpd_tables)
    origin: str
    dovecot_domains: list[str]  # handed to Dovecot over LMTP
    signers: list[Signer]


def _facts(design: Design, plan: Plan, host: HostPlan) -> _Facts:
    classes = address_classes(host)
    return _Facts(
        classes=classes,
        null_client=is_null_client(host),
        no_local=_no_local_delivery(host),
        ports={listener.port: listener for listener in host.listens},
        submission="submission" in host.roles and bool(_submission_ports(host)),
        tables=smtpd_tables(design, plan, host),
        origin=_origin(host),
        dovecot_domains=classes["virtual_mailbox"]
        + [d for d in classes["virtual_alias"] if d not in classes["local"]],
        signers=dkim_signers(design, host),
    )
