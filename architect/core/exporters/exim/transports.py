"""The transports section: how a routed address is delivered (SMTP, LMTP, a local file)."""

from __future__ import annotations

from ...plan import HostPlan, Plan, relayhost_name
from ..hostfacts import CA_FILE, _no_local_delivery, relayhost_port
from .common import (
    DKIM_OPTIONS,
    DOVECOT_LMTP_SOCKET,
    EXIM_USER,
    TLS_MANDATORY,
    _Conf,
    _hop,
)

# A transport's options: pairs, bare options and comments, as _Conf.block takes them.
Options = list[tuple[str, str] | str]


def _transports(conf: _Conf, plan: Plan, host: HostPlan, classes: dict[str, list[str]]) -> None:
    """Out to other servers, to the fixed next hops, to Dovecot, to accounts, to the relayhost."""
    conf.begin("transports", "Transports: how a routed address is delivered.")
    # The transports that carry mail out sign it; those inside the organisation do not.
    signing = list(DKIM_OPTIONS) if host.dkim_signs else []
    signs = (
        ["Signed with DKIM on the way (DKIM_DOMAIN and the macros after it, above)."]
        if signing
        else []
    )
    if not host.relayhost or host.relay_domains:
        _remote_smtp(conf, signing, signs)
    _hop_transports(conf, plan, host)
    if classes["virtual_mailbox"]:
        _dovecot_transport(conf, host)
    if not _no_local_delivery(host):
        _local_transport(conf, host)
    if host.relayhost:
        _relayhost_transport(conf, host, signing, signs)


def _remote_smtp(conf: _Conf, signing: Options, signs: list[str]) -> None:
    """SMTP to other servers' MX hosts, signed when the host signs."""
    conf.block(
        "remote_smtp",
        [
            "SMTP to other servers on port 25: TLS whenever the other server offers it "
            "(Exim's client tries STARTTLS by default), never required.",
            *signs,
        ],
        [("driver", "smtp"), *signing],
    )


def _hop_transports(conf: _Conf, plan: Plan, host: HostPlan) -> None:
    """One transport per fixed next hop of the plan (SMTP or LMTP), however many domains use it."""
    seen = set()
    for _, hop in host.transport:
        kind, target, port, name = _hop(plan, hop)
        tname = f"to_{name.split('.')[0]}_{kind}"
        if tname in seen:
            continue
        seen.add(tname)
        options = [("driver", "smtp"), ("port", str(port))]
        if kind == "lmtp":
            options += [
                ("protocol", "lmtp"),
                ("hosts_avoid_tls", "*"),
                "# LMTP is for trusted hops only (RFC 2033); the store's port 24 is "
                "firewalled to this host, and Dovecot offers no TLS there.",
            ]
        why = f"To {name}: " + ("LMTP to its Dovecot." if kind == "lmtp" else "SMTP.")
        conf.block(tname, [why], options)


def _dovecot_transport(conf: _Conf, host: HostPlan) -> None:
    """LMTP to Dovecot: its socket on this host, or port 24 of the store."""
    store = (host.delivery or "").removeprefix("lmtp:")
    if not store or store == host.name:
        conf.block(
            "dovecot_lmtp",
            [
                "Hand mailbox mail to Dovecot's LMTP service on this host, through its "
                f"socket ({DOVECOT_LMTP_SOCKET}, created by dovecot.conf's protocols = "
                "lmtp). The recipient is the full address, as Dovecot's users are keyed."
            ],
            [
                ("driver", "lmtp"),
                ("socket", DOVECOT_LMTP_SOCKET),
                ("user", EXIM_USER),
                ("batch_max", "200"),
                "# As Debian-exim, the group dovecot.conf gives the socket to.",
            ],
        )
    else:
        conf.block(
            "dovecot_lmtp",
            [f"LMTP over TCP to the Dovecot of {store}, port 24."],
            [
                ("driver", "smtp"),
                ("protocol", "lmtp"),
                ("port", "24"),
                ("hosts_avoid_tls", "*"),
            ],
        )


def _local_transport(conf: _Conf, host: HostPlan) -> None:
    """appendfile to the accounts of this host: ~/Maildir/ or /var/mail/<user>."""
    common = [
        ("delivery_date_add", "true"),
        ("envelope_to_add", "true"),
        ("return_path_add", "true"),
    ]
    if host.delivery == "maildir":
        conf.block(
            "maildir_home",
            ["Each user's mail is filed in ~/Maildir/, one file per message."],
            [
                ("driver", "appendfile"),
                ("directory", "$home/Maildir"),
                ("maildir_format", "true"),
                ("create_directory", "true"),
                *common,
                ("mode", "0600"),
            ],
        )
    else:
        conf.block(
            "local_mbox",
            [
                "Each user's mail goes to /var/mail/<user> (mbox), where mail readers on "
                "this host look for it; Exim writes it as the user, with group mail "
                "(Debian's /var/mail is 2775 root:mail). No size limit on the whole "
                "mailbox: it is also the user's inbox."
            ],
            [
                ("driver", "appendfile"),
                ("file", "/var/mail/$local_part_data"),
                *common,
                ("group", "mail"),
                ("mode", "0660"),
            ],
        )


def _relayhost_transport(conf: _Conf, host: HostPlan, signing: Options, signs: list[str]) -> None:
    """SMTP to the relayhost: the hub as it is, or the smarthost with verified TLS and a login."""
    port = relayhost_port(host.relayhost) or 25
    name = relayhost_name(host.relayhost)
    if host.relayhost_auth:
        options = [
            ("driver", "smtp"),
            ("port", str(port)),
            *([("protocol", "smtps")] if port == 465 else []),
            ("hosts_require_tls", "*"),
            ("tls_verify_hosts", "*"),
            ("tls_verify_certificates", CA_FILE),
            ("tls_verify_cert_hostnames", "*"),
            ("tls_require_ciphers", TLS_MANDATORY),
            ("hosts_require_auth", "*"),
        ]
        why = [
            f"To the smarthost {name}, port {port}"
            + (", TLS from the first byte." if port == 465 else ", with STARTTLS.")
            + f" TLS or nothing, and only once its certificate proves it is {name}, "
            "checked against the public CAs (Debian's ca-certificates): otherwise "
            "anyone between here and there could pose as the relay and take the "
            "password. TLS 1.2 or later (RFC 8996). Then log in (smarthost_login "
            "below); without a login the mail waits in the queue.",
        ]
    else:
        options = [("driver", "smtp"), ("port", str(port))]
        why = [
            f"To the hub {name}, port {port}: TLS whenever it offers it. No login: the "
            "hub trusts this host's network."
        ]
    conf.block(
        "smarthost_smtp" if host.relayhost_auth else "hub_smtp",
        [*why, *signs],
        [*options, *signing],
    )
