"""The address classes of main.cf: which domains a host delivers, files through Dovecot,
rewrites or passes on, each in exactly one class (topologies.md P3/P4)."""

from __future__ import annotations

from ...design import Design
from ...plan import HostPlan, Plan
from ..hostfacts import accepted_addresses, last_mta_domains, literal_hop
from ..text import reasons
from .common import LMTP_SOCKET, MAILBOX_SIZE_LIMIT, MAP_DIR, PARENT_DOMAIN_MATCHES, _MainCf


def _address_class_settings(
    cf: _MainCf,
    design: Design,
    plan: Plan,
    host: HostPlan,
    classes: dict[str, list[str]],
    no_local: bool,
) -> None:
    """Every domain in exactly one class: local, alias, mailbox (Dovecot) or relay."""
    taken = {d for cls in ("virtual_alias", "virtual_mailbox", "relay") for d in classes[cls]}
    if no_local:
        _no_local_class(cf)
    else:
        _local_class(cf, host, classes, taken)
    _alias_class(cf, design, host, classes)
    _mailbox_class(cf, plan, host, classes)
    _relay_class(cf, host, classes)


def _no_local_class(cf: _MainCf) -> None:
    cf.set(
        "mydestination",
        [],
        "Nothing is delivered on this host itself: mail for every domain, including "
        "root's, goes on to the host that holds the mailboxes.",
    )
    cf.set(
        "local_recipient_maps",
        [],
        "No local users to check against, since nothing is delivered here.",
    )
    cf.set(
        "local_transport",
        "error:local mail delivery is disabled on this host",
        "Should anything still resolve to local delivery, refuse it instead of "
        "filing it in a mailbox nobody reads.",
    )


def _local_class(cf: _MainCf, host: HostPlan, classes: dict[str, list[str]], taken: set[str]):
    own = _own_names(host, taken)
    why = [
        "Delivered by local(8) on this host: its own names, so that mail for "
        "root@" + host.name + " and postmaster stays here (BASIC_CONFIGURATION_README)."
    ]
    if classes["local"]:
        why.append(
            "Also the mailboxes of "
            + ", ".join(classes["local"])
            + ": people with an account on this host receive mail at these domains."
        )
        why += reasons(host, "delivery")
    cf.set("mydestination", own + classes["local"], *why)
    cf.set(
        "alias_maps",
        "hash:/etc/aliases",
        "Local aliases: make sure root and postmaster point at a person who reads mail, "
        "then run newaliases.",
    )
    cf.set("alias_database", "hash:/etc/aliases", "The file newaliases builds.")
    if classes["local"]:
        if host.delivery == "mbox":
            cf.set(
                "mail_spool_directory",
                "/var/mail",
                "Each user's mail goes to /var/mail/<user> (mbox), where mail readers on "
                "this host look for it.",
            )
            cf.set(
                "mailbox_size_limit",
                MAILBOX_SIZE_LIMIT,
                "No limit on a whole mbox: /var/mail/<user> is also the user's inbox, "
                "and the default (51200000 bytes) bounces every message once it holds "
                "51 MB (5.2.2 File too large). Disk quotas are the place to limit it.",
            )
            cf.set(
                "message_size_limit",
                "10240000",
                "One message may still be at most 10 MB (the default, written out "
                "beside mailbox_size_limit, which may not be smaller unless it is 0).",
            )
        else:
            cf.set(
                "home_mailbox",
                "Maildir/",
                "Each user's mail is filed in ~/Maildir/, one file per message.",
            )


def _alias_class(cf: _MainCf, design: Design, host: HostPlan, classes: dict[str, list[str]]):
    virtual_needed = bool(_virtual_entries(design, host))
    if classes["virtual_alias"]:
        cf.set(
            "virtual_alias_domains",
            classes["virtual_alias"],
            "Alias domains: user@alias is rewritten to user@target, one line per user in "
            "the virtual table, so unknown addresses are refused at RCPT; no mailbox lives "
            "under these names.",
            *[f"{a} is an alias of {t}." for a, t in host.alias_domains],
        )
    else:
        cf.set("virtual_alias_domains", [], "No alias domains on this host.")
    if virtual_needed:
        cf.set(
            "virtual_alias_maps",
            f"hash:{MAP_DIR}/virtual",
            "This host is the last MTA before the mailboxes, so it resolves the aliases: "
            "each user of an alias domain to the same user at its target, and root@ and "
            "abuse@ of each domain to postmaster@, a real mailbox (RFC 5321 §4.5.1). Cron "
            "and system mail leaves every host as root@$mydomain and lands there too.",
        )


def _mailbox_class(cf: _MainCf, plan: Plan, host: HostPlan, classes: dict[str, list[str]]):
    if classes["virtual_mailbox"]:
        cf.set(
            "virtual_mailbox_domains",
            classes["virtual_mailbox"],
            "Mailbox domains: mail is handed to Dovecot, which files it and keeps its index "
            "current. These names are NOT in mydestination (VIRTUAL_README).",
            *reasons(host, "delivery"),
        )
        cf.set(
            "virtual_mailbox_maps",
            f"hash:{MAP_DIR}/vmailbox",
            "The addresses that exist; SMTP refuses others at once instead of bouncing "
            "later. Fill the vmailbox table.",
        )
        cf.set(
            "virtual_transport",
            _virtual_transport(plan, host),
            "Hand mailbox mail to Dovecot's LMTP service"
            + (
                " on this host, through the socket dovecot.conf creates under the queue directory."
                if host.delivery == f"lmtp:{host.name}"
                else "."
            ),
        )
    else:
        cf.set("virtual_mailbox_domains", [], "No Dovecot-filed mailbox domains on this host.")


def _relay_class(cf: _MainCf, host: HostPlan, classes: dict[str, list[str]]) -> None:
    cf.set(
        "relay_domains",
        classes["relay"],
        *(
            reasons(host, "relay_domains")
            if classes["relay"]
            else ["This host passes no domain on to another server."]
        ),
        *(
            [
                "Accepted from anyone and passed on, never delivered here: "
                + ", ".join(classes["relay"])
                + "."
            ]
            if classes["relay"]
            else []
        ),
    )
    if classes["relay"]:
        cf.set(
            "parent_domain_matches_subdomains",
            PARENT_DOMAIN_MATCHES,
            "The default list minus relay_domains, so that relaying for example.com does not "
            "also relay for anything.example.com (STANDARD_CONFIGURATION_README).",
        )
        if host.recipient_validation:
            cf.set(
                "relay_recipient_maps",
                f"hash:{MAP_DIR}/relay_recipients",
                "Accept mail only for addresses that exist. Without the list this host "
                "accepts mail for anyone and later bounces it to forged senders "
                "(backscatter). Fill the relay_recipients table.",
            )
        else:
            cf.set(
                "relay_recipient_maps",
                [],
                "WARNING: the plan gives no recipient list, so every address of the relay "
                "domains is accepted, and mail for non-existent users bounces to forged "
                "senders (backscatter; see BACKSCATTER_README).",
            )
    if host.transport:
        cf.set(
            "transport_maps",
            f"hash:{MAP_DIR}/transport",
            "Where each passed-on domain goes next (see the transport table): "
            + "; ".join(f"{d} to {hop}" for d, hop in host.transport)
            + ".",
        )


def _own_names(host: HostPlan, taken: set[str]) -> list[str]:
    """$myhostname, localhost.$mydomain, localhost: minus any name another class holds."""
    origin = host.origin or host.name.split(".", 1)[1]
    names = {"$myhostname": host.name, "localhost.$mydomain": f"localhost.{origin}"}
    own = [name for name, value in names.items() if value not in taken]
    return own + ["localhost"]


def _virtual_transport(plan: Plan, host: HostPlan) -> str:
    store = (host.delivery or "").removeprefix("lmtp:")
    if not store or store == host.name:
        return LMTP_SOCKET
    return literal_hop(plan, f"lmtp:[{store}]:24")


def _virtual_entries(design: Design, host: HostPlan) -> list[str]:
    """Lines of the virtual table: every alias this host, as the last MTA hop, resolves.

    One entry per address, never a domain catch-all (``@alias @target``): the
    catch-all accepts every address at RCPT and bounces the unknown ones after
    DATA, to forged senders (backscatter, BACKSCATTER_README).
    """
    lines = []
    for domain in last_mta_domains(host):
        for address, mailbox in accepted_addresses(design, domain):
            if address != mailbox:
                lines.append(f"{address}\t{mailbox}")
    return lines
