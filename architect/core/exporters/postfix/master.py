"""master.cf: Debian's internal services as shipped, and the network-facing lines per host."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import _no_local_delivery, relayhost_port
from ..text import comment_lines
from .common import _header

# The internal services of Postfix 3.7 as Debian ships them (master.cf.dist),
# including its chroot column. Only the network-facing lines change per host.
_INTERNAL_SERVICES = """\
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       y       1000?   1       tlsmgr
rewrite   unix  -       -       y       -       -       trivial-rewrite
bounce    unix  -       -       y       -       0       bounce
defer     unix  -       -       y       -       0       bounce
trace     unix  -       -       y       -       0       bounce
verify    unix  -       -       y       -       1       verify
flush     unix  n       -       y       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       y       -       -       smtp
showq     unix  n       -       y       -       -       showq
error     unix  -       -       y       -       -       error
retry     unix  -       -       y       -       -       error
discard   unix  -       -       y       -       -       discard
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       y       -       -       lmtp
anvil     unix  -       -       y       -       1       anvil
scache    unix  -       -       y       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd"""

_SUBMISSION_OPTIONS = (
    ("smtpd_tls_security_level=encrypt", "TLS before anything else"),
    ("smtpd_sasl_auth_enable=yes", "AUTH offered here, and only here"),
    ("smtpd_tls_auth_only=yes", "never a password without TLS"),
    ("smtpd_reject_unlisted_recipient=no", "users may write to any address"),
    ("smtpd_client_restrictions=$mua_client_restrictions", "log in or go away"),
    ("smtpd_relay_restrictions=$mua_relay_restrictions", "logged-in users may relay"),
    ("smtpd_sender_restrictions=$mua_sender_restrictions", "as their own addresses only"),
    ("milter_macro_daemon_name=ORIGINATING", "filters see this as outgoing mail"),
)


def master_cf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The master.cf of one Postfix host."""
    ports = {listener.port: listener for listener in host.listens}
    out = _header(design, plan, host, "master.cf")
    out += [
        "#",
        "# service type  private unpriv  chroot  wakeup  maxproc command + args",
        "#               (yes)   (yes)   (no)    (never) (100)",
        "",
    ]
    if 25 in ports:
        who = ", ".join(ports[25].open_to)
        out += comment_lines(
            f"Port 25, the SMTP server for mail from other servers (reachable by: {who}). "
            "No AUTH and optional TLS here, as main.cf says."
        )
        if "internet" not in ports[25].open_to:
            out += comment_lines(
                f"Firewall port 25 so that only {who} can reach it: nothing else sends here."
            )
        out.append("smtp      inet  n       -       y       -       -       smtpd")
    else:
        out += comment_lines(
            "Port 25 answers on the loopback address only, for local programs that speak "
            "SMTP: nothing else sends mail to this host."
        )
        out.append("127.0.0.1:smtp inet n   -       y       -       -       smtpd")
    for port, service in ((587, "submission"), (465, "submissions")):
        if port not in ports:
            continue
        out.append("")
        kind = "STARTTLS" if port == 587 else "TLS from the first byte (RFC 8314)"
        out += comment_lines(
            f"Port {port}, {service}: mail programs send here after logging in, with {kind}."
        )
        options = list(_SUBMISSION_OPTIONS)
        if port == 465:
            # The encrypt level stays too: it makes smtpd_tls_mandatory_protocols apply.
            options.insert(0, ("smtpd_tls_wrappermode=yes", "TLS from the first byte"))
        for option, why in options:
            out.append(f"#   -o {option}: {why}")
        out.append(f"{service} inet n       -       y       -       -       smtpd")
        out.append(f"  -o syslog_name=postfix/{service}")
        for option, _ in options:
            out.append(f"  -o {option}")
    out += ["", *comment_lines("Postfix's own internal services, as Debian ships them.")]
    out += _INTERNAL_SERVICES.splitlines()
    out.append("")
    relays = [hop for _, hop in host.transport if hop.startswith("relay:")]
    out += comment_lines(
        "The relay transport: an SMTP client for mail passed on to another of the "
        "organisation's servers (relay_domains and the transport table)."
    )
    out.append("relay     unix  -       -       y       -       -       smtp")
    out.append("  -o syslog_name=postfix/$service_name")
    if host.relayhost_auth and relays:
        out += comment_lines(
            "Inside the organisation the smarthost's encrypt level does not apply: use TLS "
            "when offered."
        )
        out.append("  -o smtp_tls_security_level=may")
        if relayhost_port(host.relayhost) == 465:
            out.append("  -o smtp_tls_wrappermode=no")
    out.append("")
    if _no_local_delivery(host) and "gateway" in host.roles:
        out += comment_lines(
            "local(8) is switched off: this gateway delivers nothing itself "
            "(STANDARD_CONFIGURATION_README, firewall/gateway)."
        )
        out.append("#local     unix  -       n       n       -       -       local")
    else:
        out += comment_lines("local(8): delivery to accounts on this host and /etc/aliases.")
        out.append("local     unix  -       n       n       -       -       local")
    return "\n".join(out) + "\n"
