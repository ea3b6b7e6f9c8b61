"""exim4.conf from top to bottom: the header, the main section, then each ``begin`` part."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import _no_local_delivery, address_classes, is_null_client
from ..text import comment_lines, reasons
from .acl import _acls
from .authenticators import _authenticators
from .common import CONFDIR, _Conf, _submission_ports
from .dkim import _dkim
from .domains import _domain_lists
from .listening import _listeners
from .routers import _routers
from .tables import exim_tables
from .transports import _transports


def exim_conf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The exim4.conf of one Exim host, section by section."""
    conf = _Conf()
    origin = host.origin or host.name.split(".", 1)[1]
    classes = address_classes(host)
    null_client = is_null_client(host)
    no_local = _no_local_delivery(host)
    ports = {listener.port: listener for listener in host.listens}
    submission = "submission" in host.roles and bool(_submission_ports(host))
    tables = exim_tables(design, plan, host)
    aliases = "virtual" in tables

    _header(conf, plan, host, submission, tables)
    _names_and_paths(conf, host, origin)
    _domain_lists(conf, host, classes, no_local, origin)
    if host.dkim_signs:
        _dkim(conf, design, host)
    conf.section("Listening")
    _listeners(conf, host, ports, null_client)
    _access_control(conf, host, submission)
    _acls(conf, host, classes, submission, "sender_logins" in tables)
    _routers(conf, plan, host, classes, null_client, no_local, aliases)
    _transports(conf, plan, host, classes)
    if submission or host.relayhost_auth:
        _authenticators(conf, host, submission)
    _retry(conf)
    return conf.text()


def _header(
    conf: _Conf, plan: Plan, host: HostPlan, submission: bool, tables: dict[str, str]
) -> None:
    """The opening comment: which host, which Exim, how to install and check, and why."""
    conf.raw(
        f"# Exim configuration for {host.name}",
        *comment_lines(f'Written by Mail Architect from the design "{plan.design}".'),
        "# Target: Exim 4.96 (Debian 12: exim4-daemon-"
        + ("heavy" if submission else "light")
        + "), one monolithic file.",
        "# Install as /etc/exim4/exim4.conf (Debian's exim4 prefers it to the file",
        "# update-exim4.conf generates); check with: exim4 -bV -C /etc/exim4/exim4.conf",
        "# and try an address with: exim4 -bt user@domain",
        "#",
        *comment_lines("Roles of this host: " + (", ".join(host.roles) or "none") + "."),
    )
    for role in host.roles:
        for why in reasons(host, role):
            conf.raw(*comment_lines(f"{role}: {why}", prefix="#   "))
    if tables:
        conf.raw(
            "#",
            "# Lookup files beside this one (plain text, lsearch: key, white space, value;",
            "# read at every lookup, so no build step): " + ", ".join(sorted(tables)) + ".",
        )


def _names_and_paths(conf: _Conf, host: HostPlan, origin: str) -> None:
    """CONFDIR, the host's names, and the settings that keep deliveries clean."""
    conf.section("Names and paths")
    conf.set(
        "CONFDIR",
        CONFDIR,
        "Where the lookup files live. A macro, as in Debian's own configuration, so a "
        "test can point it elsewhere with exim4 -DCONFDIR=DIR.",
    )
    conf.set(
        "primary_hostname",
        host.name,
        "The name this host greets with and puts in Received: headers.",
    )
    conf.set(
        "qualify_domain",
        origin,
        f"Mail from local users and programs (root, cron) leaves as user@{origin}, "
        f"not user@{host.name} (Postfix: myorigin = $mydomain).",
    )
    conf.set(
        "keep_environment",
        "",
        "Start with an empty environment: nothing from the caller's leaks into "
        "deliveries, and Exim does not warn that it purged it.",
    )
    conf.set(
        "never_users",
        "root",
        "Never deliver as root: root's mail goes through /etc/aliases to a person.",
    )


def _access_control(conf: _Conf, host: HostPlan, submission: bool) -> None:
    """The main-section half of access control: which ACL checks what, and who sees AUTH."""
    conf.section("Access control")
    conf.set(
        "acl_smtp_rcpt",
        "acl_check_rcpt",
        "Every RCPT TO is checked by acl_check_rcpt below: that is where relaying is "
        "allowed or refused.",
    )
    conf.set(
        "acl_smtp_mail",
        "acl_check_mail",
        "MAIL FROM is checked by acl_check_mail: logins on the submission ports, and "
        "which login may send as which address.",
    )
    conf.note(
        "No acl_smtp_vrfy and no acl_smtp_expn: without them Exim neither offers nor "
        "answers VRFY and EXPN (252/550 Administrative prohibition). VRFY would tell "
        "anyone which addresses exist here, a gift to spammers harvesting addresses; "
        "nothing legitimate needs it (Postfix: disable_vrfy_command = yes)."
    )
    conf.set(
        "auth_advertise_hosts",
        "${if and{{def:tls_in_cipher}{or{"
        + "".join(f"{{={{$received_port}}{{{p}}}}}" for p in _submission_ports(host))
        + "}}}{*}{}}"
        if submission
        else "",
        *(
            [
                "AUTH is offered on the submission ports only, and only inside TLS: no "
                "password crosses the network readable, and port 25 is for other mail "
                "servers, which do not log in."
            ]
            if submission
            else ["No AUTH on this host: nobody logs in to send here."]
        ),
    )
    if "filter" in host.roles:
        conf.note(
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here, for example "
            "av_scanner and spamd_address with acl_smtp_data (Content_Scanning, in "
            "exim4-daemon-heavy). No filter is switched on, because none is installed yet.",
        )


def _retry(conf: _Conf) -> None:
    """The retry section: how long a message that waits is kept and tried again."""
    conf.begin(
        "retry",
        "How long a message that cannot be delivered yet is kept and tried again. Without "
        "a retry rule Exim treats every temporary failure (a receiver down, a greylisting "
        "450) as final and bounces at once; these are the times of Exim's own default "
        "configuration: every 15 minutes for 2 hours, then less and less often, for 4 days.",
    )
    conf.raw("*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h")
