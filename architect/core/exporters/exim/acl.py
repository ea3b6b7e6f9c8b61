"""The acl section: what MAIL FROM and RCPT TO may do (logins, relaying, unknown users)."""

from __future__ import annotations

from ...plan import HostPlan
from .common import _Conf, _submission_ports

# An ACL is a list of verbs and their conditions: option pairs, bare lines and comments.
AclLines = list[tuple[str, str] | str]


def _acls(
    conf: _Conf, host: HostPlan, classes: dict[str, list[str]], submission: bool, logins: bool
) -> None:
    """acl_check_mail, then acl_check_rcpt."""
    ours = [
        f"+{name}"
        for name, cls in (
            ("local_domains", "local"),
            ("mailbox_domains", "virtual_mailbox"),
            ("alias_domains", "virtual_alias"),
        )
        if classes[cls] or name == "local_domains"
    ]
    conf.begin(
        "acl",
        "Access control lists: what each SMTP command may do. An ACL ends in an implicit deny.",
    )
    conf.block("acl_check_mail", ["MAIL FROM."], _mail_acl(host, submission, logins))
    conf.block(
        "acl_check_rcpt",
        ["RCPT TO: who may send mail where. The order matters; the first match wins."],
        _rcpt_acl(host, classes, submission, ours),
    )


def _mail_acl(host: HostPlan, submission: bool, logins: bool) -> AclLines:
    """MAIL FROM: a login on the submission ports, and only as the login's own addresses."""
    mail: AclLines = []
    if submission:
        ports = _submission_ports(host)
        mail += [
            "# The submission ports: log in (inside TLS) or go away.",
            "deny",
            (
                "    condition",
                "${if or{" + "".join(f"{{={{$received_port}}{{{p}}}}}" for p in ports) + "}}",
            ),
            "    !authenticated = *",
            ("    message", "authentication required: log in after STARTTLS"),
        ]
        if logins:
            mail += [
                "# A logged-in user may send only as an address CONFDIR/sender_logins gives "
                "to that login, so one leaked password cannot send as anyone else in the "
                "organisation (Postfix: reject_sender_login_mismatch).",
                "deny",
                "    authenticated = *",
                "    !senders = :",
                (
                    "    !condition",
                    "${if eqi{${lookup{$sender_address}lsearch{CONFDIR/sender_logins}}}"
                    "{$authenticated_id}}",
                ),
                ("    message", "$sender_address is not an address of $authenticated_id"),
            ]
    mail.append("accept")
    return mail


def _rcpt_acl(
    host: HostPlan, classes: dict[str, list[str]], submission: bool, ours: list[str]
) -> AclLines:
    """RCPT TO: existing addresses of our own and passed-on domains; anywhere else only
    from the trusted networks or after logging in; never an open relay."""
    rcpt: AclLines = [
        "# Programs on this host that speak SMTP on the loopback without an IP (exim -bs).",
        "accept",
        "    hosts = :",
        "# No @ % ! / | in local parts, no leading dot: they open source routing and "
        "file tricks (the Exim default configuration).",
        "deny",
        "    local_parts = ^[.] : ^.*[@%!/|]",
        ("    message", "restricted characters in address"),
        "# Our own domains: only addresses that exist (routing them must succeed), so "
        "nothing is accepted that would bounce later to a forged sender (backscatter).",
        "deny",
        f"    domains = {' : '.join(ours)}",
        "    !verify = recipient",
        ("    message", "no such user here"),
        "accept",
        f"    domains = {' : '.join(ours)}",
    ]
    if classes["relay"]:
        if host.recipient_validation:
            rcpt += [
                "# Passed-on domains: only the addresses in CONFDIR/relay_recipients (the "
                "design's user list), and only when a route exists.",
                "deny",
                "    domains = +relay_to_domains",
                "    !recipients = lsearch;CONFDIR/relay_recipients",
                ("    message", "no such user here"),
            ]
        else:
            rcpt += [
                "# WARNING: the plan gives no recipient list, so every address of the relay "
                "domains is accepted, and mail for non-existent users bounces to forged "
                "senders (backscatter).",
            ]
        rcpt += ["accept", "    domains = +relay_to_domains", "    verify = recipient"]
    rcpt += [
        "# Mail to other domains: from the trusted networks, or after logging in "
        "(submission fixes missing Date: and Message-ID: headers).",
        "accept",
        "    hosts = +relay_from_hosts",
    ]
    if submission:
        rcpt += ["accept", "    authenticated = *", "    control = submission/sender_retain"]
    rcpt += [
        "# Everything else: refused. Not an open relay.",
        "deny",
        ("    message", "relay not permitted"),
    ]
    return rcpt
