"""main.cf: settings in order, each after a comment saying what it does in this design."""

from __future__ import annotations

from ...design import Design
from ...design import network as parse_network
from ...plan import HostPlan, Plan, relayhost_name
from ...planner.context import is_public_address
from ..hostfacts import (
    CA_FILE,
    _no_local_delivery,
    address_classes,
    literal_hop,
    postfix_network,
    relayhost_port,
    tls_chain_files,
    untrusted_by_hub,
)
from ..opendkim import OPENDKIM_MILTER
from ..text import reasons
from .classes import _address_class_settings, _virtual_transport
from .common import (
    COMPATIBILITY_LEVEL,
    DEBIAN_PACKAGES_SASL_CLIENT,
    MAP_DIR,
    RELAY_RESTRICTIONS,
    SENDER_LOGINS,
    TLS_PROTOCOLS,
    _header,
    _MainCf,
)


def main_cf(design: Design, plan: Plan, host: HostPlan) -> str:
    """The main.cf of one Postfix host, section by section."""
    cf = _MainCf()
    cf.lines += _header(design, plan, host, "main.cf")
    cf.lines += [
        "#",
        "# Install: copy main.cf, master.cf and the tables beside them to /etc/postfix/,",
        "# run `postmap /etc/postfix/TABLE` for each table, then `postfix check` and",
        "# `postfix reload`. Check the result with `postconf -n` (no warnings expected).",
    ]
    _identity(cf, host)
    _listening(cf, host)
    cf.section("Which domains this host accepts, and what it does with them")
    _address_class_settings(cf, design, plan, host, address_classes(host), _no_local_delivery(host))
    _relay_control(cf, host)
    cf.section("How mail leaves this host")
    _outbound_settings(cf, plan, host)
    if "submission" in host.roles:
        _submission(cf, host)
    if host.dkim_signs:
        _dkim_milters(cf, host)
    if "filter" in host.roles:
        cf.note(
            *reasons(host, "filter"),
            "PLACEHOLDER: connect your spam and virus filter here, for example a milter: "
            "smtpd_milters = inet:127.0.0.1:<port> with milter_default_action = tempfail. "
            "No filter is switched on, because none is installed yet.",
        )
    return cf.text()


def _identity(cf: _MainCf, host: HostPlan) -> None:
    origin = host.origin or host.name.split(".", 1)[1]
    cf.section("Version and identity")
    cf.set(
        "compatibility_level",
        COMPATIBILITY_LEVEL,
        "Use the safe defaults of Postfix 3.6 and later. Without this line Postfix runs in "
        "backwards-compatible mode, where mynetworks_style = subnet and relay_domains = "
        "$mydestination can make it relay for more than intended.",
    )
    cf.set(
        "myhostname",
        host.name,
        "The name this host gives in its SMTP greeting and HELO; it must match the PTR "
        "record of its address.",
    )
    cf.set(
        "mydomain",
        origin,
        "The domain this host belongs to in the design; localhost.$mydomain and myorigin "
        "are derived from it.",
    )
    cf.set(
        "myorigin",
        "$mydomain",
        f"Mail from local users and programs (cron, root) leaves as user@{origin}, the "
        f"address people can reply to, not user@{host.name}.",
    )


def _listening(cf: _MainCf, host: HostPlan) -> None:
    cf.section("Where Postfix listens, and whom it trusts")
    if host.loopback_only:
        cf.set(
            "inet_interfaces",
            "loopback-only",
            *reasons(host, "null-client"),
            "Nothing is received from the network: the SMTP server answers on the loopback "
            "address only, for local programs.",
        )
    else:
        cf.set(
            "inet_interfaces",
            "all",
            "Listen on every address; master.cf says which services answer. A single "
            "address here would also bind outgoing connections to it "
            "(postconf(5): inet_interfaces).",
        )
        if host.listens and _behind_nat(host):
            cf.note(
                "PLACEHOLDER: this host has only private addresses but receives mail from the "
                "internet, so it sits behind NAT. Set proxy_interfaces to its public address, "
                "or it loops mail addressed to that address "
                "(BASIC_CONFIGURATION_README, Proxy/NAT):",
                "proxy_interfaces = <public address>",
            )
    trusted = [postfix_network(b) for b in host.trusted_networks]
    cf.set(
        "mynetworks",
        trusted,
        "Clients that may relay through this host without a password: "
        + (
            "programs on this host itself (loopback)."
            if all(parse_network(b).is_loopback for b in host.trusted_networks)
            else "programs on this host and the networks below. Never a network the "
            "organisation does not control."
        ),
        *reasons(host, "trusted_networks"),
    )


def _relay_control(cf: _MainCf, host: HostPlan) -> None:
    network_listeners = [listener for listener in host.listens if listener.port in (25, 465, 587)]
    cf.section("Relay control")
    cf.set(
        "smtpd_relay_restrictions",
        RELAY_RESTRICTIONS,
        "Who may send mail to other domains through this host: trusted networks, "
        "authenticated users, and nobody else. Mail for the domains above is accepted "
        "from anyone; everything else is refused (not an open relay).",
    )
    cf.set(
        "disable_vrfy_command",
        "yes",
        "VRFY would tell anyone which addresses exist here, a gift to spammers "
        "harvesting addresses; nothing legitimate needs it.",
    )
    if network_listeners:
        cf.set(
            "smtpd_sasl_auth_enable",
            "no",
            "No AUTH on port 25: the MX is for other mail servers. Authenticated submission "
            "is switched on only in master.cf's submission services.",
        )
        cf.set(
            "smtpd_tls_security_level",
            "may",
            "Offer STARTTLS on port 25 but never require it: a public MX that insists on TLS "
            "loses mail from servers that cannot do it (RFC 3207).",
        )
        cf.set(
            "smtpd_tls_chain_files",
            list(tls_chain_files(host.name)),
            f"PLACEHOLDER: the key and certificate chain for {host.name}, at the paths "
            "certbot writes (certbot certonly -d " + host.name + "). Two files, key first: "
            "a combined key+chain PEM would have to be rebuilt at every renewal, and until "
            "it was, Postfix would serve the expired certificate. Until they exist Postfix "
            "offers no STARTTLS (and submission refuses logins).",
        )
        if "submission" in host.roles:
            cf.set(
                "smtpd_tls_mandatory_protocols",
                TLS_PROTOCOLS,
                "Where TLS is required (the submission services), only TLS 1.2 and later: "
                "older versions have known weaknesses (RFC 8996).",
            )


def _submission(cf: _MainCf, host: HostPlan) -> None:
    cf.section("Submission for mail programs (ports 587 and 465, see master.cf)")
    cf.note(*reasons(host, "submission"))
    cf.set(
        "smtpd_sasl_type",
        "dovecot",
        f"Passwords are checked by Dovecot's auth service on this host "
        f"(dovecot/{host.name}/dovecot.conf in this bundle).",
    )
    cf.set(
        "smtpd_sasl_path",
        "private/auth",
        "Dovecot's auth socket, relative to the Postfix queue directory so it works "
        "chrooted: /var/spool/postfix/private/auth.",
    )
    cf.set(
        "mua_client_restrictions",
        "permit_sasl_authenticated, reject",
        "Used by the submission services in master.cf: only clients that logged in may "
        "send at all.",
    )
    cf.set(
        "mua_relay_restrictions",
        "permit_sasl_authenticated, reject",
        "Used by the submission services in master.cf: logged-in users may send to any "
        "domain, nobody else may.",
    )
    cf.set(
        "smtpd_sender_login_maps",
        f"hash:{MAP_DIR}/{SENDER_LOGINS}",
        "Which login owns which sender address, from the design's user list (the "
        f"{SENDER_LOGINS} table, the same users as the mailboxes).",
    )
    cf.set(
        "mua_sender_restrictions",
        "reject_sender_login_mismatch",
        "Used by the submission services in master.cf: a logged-in user may send only "
        "as an address the sender_logins table gives to that login, so one leaked "
        "password cannot send as anyone else in the organisation.",
    )


def _dkim_milters(cf: _MainCf, host: HostPlan) -> None:
    cf.section("DKIM signing (OpenDKIM, see dkim/ in this bundle)")
    cf.note(*reasons(host, "dkim"))
    cf.set(
        "smtpd_milters",
        OPENDKIM_MILTER,
        "Mail that arrives over SMTP (submission, and hosts that relay through this "
        "one) passes OpenDKIM, which signs what comes from trusted hosts or "
        "logged-in users; over TCP on loopback, so the chrooted smtpd reaches it.",
    )
    cf.set(
        "non_smtpd_milters",
        "$smtpd_milters",
        "Mail from the sendmail command on this host (cron, scripts) is signed too.",
    )
    cf.set(
        "milter_default_action",
        "accept",
        "Should OpenDKIM be down, mail still flows, unsigned, rather than being "
        "refused; DMARC then rests on SPF alone until it is back.",
    )


def _behind_nat(host: HostPlan) -> bool:
    public_role = bool({"mx", "backup-mx", "gateway"} & set(host.roles))
    return (
        public_role
        and bool(host.addresses)
        and not any(is_public_address(a) for a in host.addresses)
    )


def _outbound_settings(cf: _MainCf, plan: Plan, host: HostPlan) -> None:
    if host.relayhost:
        warning = untrusted_by_hub(plan, host)
        cf.set(
            "relayhost",
            host.relayhost,
            *reasons(host, "relayhost"),
            *([warning] if warning else []),
        )
    else:
        cf.set(
            "relayhost",
            [],
            "Empty: mail for other domains goes straight to their MX hosts on port 25.",
            *(
                reasons(host, "outbound")
                or [
                    "WARNING: the plan finds no way out for this host's mail (see its "
                    "findings), so it will wait in the queue until the design gives one."
                ]
            ),
        )
    _host_lookup(cf, plan, host)
    if host.relayhost_auth:
        _smarthost_settings(cf, host)
    else:
        cf.set(
            "smtp_tls_security_level",
            "may",
            "Use TLS whenever the receiving server offers it; Postfix 3.7 does not by default.",
        )


def _smarthost_settings(cf: _MainCf, host: HostPlan) -> None:
    """The authenticated relay: a verified TLS link, then a login (T6, TLS_README)."""
    port = relayhost_port(host.relayhost)
    name = relayhost_name(host.relayhost or "")
    cf.set(
        "smtp_tls_security_level",
        "secure",
        f"The relay is reached with TLS or not at all, and only once its certificate "
        f"proves it is {name}: with encrypt alone, anyone between here and there could "
        "pose as the relay and take the password (TLS_README, secure level).",
    )
    cf.set(
        "smtp_tls_secure_cert_match",
        "nexthop",
        f"The certificate must name {name} itself, the host in relayhost.",
    )
    cf.set(
        "smtp_tls_CAfile",
        CA_FILE,
        "The public certificate authorities that vouch for it (Debian's ca-certificates "
        "package); Postfix reads none unless told.",
    )
    cf.set(
        "smtp_tls_mandatory_protocols",
        TLS_PROTOCOLS,
        "TLS 1.2 or later on this mandatory-TLS link; older versions have known "
        "weaknesses (RFC 8996).",
    )
    if port == 465:
        cf.set(
            "smtp_tls_wrappermode",
            "yes",
            "Port 465 speaks TLS from the first byte (RFC 8314), not STARTTLS.",
        )
    cf.set(
        "smtp_sasl_auth_enable",
        "yes",
        f"Log in to {relayhost_name(host.relayhost or '')}, which relays only for its "
        "customers. Postfix logs in through Cyrus SASL, whose PLAIN and LOGIN "
        "mechanisms come in Debian's "
        + ", ".join(DEBIAN_PACKAGES_SASL_CLIENT)
        + " package (only Suggested by postfix): install it, or every login fails "
        "with 'no mechanism available'.",
    )
    cf.set(
        "smtp_sasl_password_maps",
        f"hash:{MAP_DIR}/sasl_passwd",
        "The user name and password for the relay: fill the sasl_passwd table, keep it "
        "mode 0600, and run postmap on it.",
    )
    cf.set(
        "smtp_sasl_security_options",
        "noanonymous",
        "Never log in anonymously.",
    )
    cf.set(
        "smtp_sasl_tls_security_options",
        "noanonymous",
        "Inside TLS, plain-text mechanisms (PLAIN, LOGIN) are allowed: most providers "
        "offer only those.",
    )


def _named_hops(plan: Plan, host: HostPlan) -> list[str]:
    """Hosts of the design this host still reaches by name (no address in the design)."""
    hops = [hop for _, hop in host.transport] + [_virtual_transport(plan, host)]
    names = [relayhost_name(host.relayhost)] if host.relayhost else []
    names += [
        hop.partition(":[")[2].partition("]")[0]
        for hop in hops
        if ":[" in hop and literal_hop(plan, hop) == hop
    ]
    return sorted({n for n in names if n and plan.has_host(n)})


def _host_lookup(cf: _MainCf, plan: Plan, host: HostPlan) -> None:
    named = _named_hops(plan, host)
    if not named:
        return
    why = (
        "Also read /etc/hosts (native lookups, after DNS) for "
        + ", ".join(named)
        + ": the internal DNS or /etc/hosts must know "
        + ("this name" if len(named) == 1 else "these names")
        + ", and Postfix's SMTP and LMTP clients ask only DNS unless told."
    )
    cf.set("smtp_host_lookup", "dns, native", why)
    cf.set("lmtp_host_lookup", "dns, native", "The same for LMTP to a mailbox store.")
