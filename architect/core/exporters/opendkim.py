"""``dkim/<host>/``: OpenDKIM for each host the plan has sign mail (planner/signing.py).

Four files, at Debian's paths: ``opendkim.conf`` (to /etc/opendkim.conf) and,
to /etc/opendkim/, ``KeyTable`` (which key signs for which domain),
``SigningTable`` (which sender addresses each key signs) and ``TrustedHosts``
(the hosts whose mail is signed: this host and the networks it trusts).
Authenticated submission is signed whatever the client's address: Postfix and
sendmail hand OpenDKIM the login (the ``{auth_authen}`` macro). Postfix and
sendmail hosts sign through OpenDKIM. Exim (exim/dkim.py) and OpenSMTPD
(opensmtpd/dkim.py) sign by themselves; their hosts still get the four files
(CONTRACT §4: every signing host has them), written as a record of the same
keys at the paths that MTA reads, for ``opendkim-testkey`` to check each
published key against its private key. No OpenDKIM is installed or run there.

The private key is never in the bundle: the design holds only the public
key, and the designer offers the private one once, for download. It goes to
/etc/dkimkeys/<selector>.<domain>.private, readable by the opendkim user only.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..design import Design
from ..plan import HostPlan, Plan
from . import Exporter, register

OPENDKIM_MILTER = "inet:localhost:8891"
# The same socket as sendmail's INPUT_MAIL_FILTER names it (S=inet:port@host).
SENDMAIL_MILTER = "inet:8891@localhost"
# The MTAs that hand their mail to OpenDKIM over the milter protocol.
MILTER_MTAS = ("postfix", "sendmail")
KEY_DIR = "/etc/dkimkeys"
TABLE_DIR = "/etc/opendkim"


def key_path(domain: str, selector: str) -> str:
    """Where the private key of ``domain``'s ``selector`` goes on a signing host."""
    return f"{KEY_DIR}/{selector}.{domain}.private"


@register
class OpenDkim(Exporter):
    """OpenDKIM configuration and tables for each signing host."""

    name = "opendkim"

    def files(self, design: Design, plan: Plan) -> Iterable[tuple[str, str]]:
        for host in plan.hosts:
            if host.dkim_signs:
                for name, text in opendkim_files(design, host).items():
                    yield f"dkim/{host.name}/{name}", text


def signer_key_path(host: HostPlan, domain: str, selector: str) -> str:
    """Where the signing MTA of ``host`` reads the private key of ``domain``'s ``selector``."""
    # Imported here: the Exim and OpenSMTPD packages read this module's neighbours, which
    # import this module for its milter constants.
    if host.mta == "exim":
        from .exim.dkim import dkim_key_path

        return dkim_key_path(domain, selector)
    if host.mta == "opensmtpd":
        from .opensmtpd.dkim import dkim_key_path

        return dkim_key_path(domain, selector)
    return key_path(domain, selector)


def opendkim_files(design: Design, host: HostPlan) -> dict[str, str]:
    """The four files of one signing host, by file name."""
    keys = []
    for domain in host.dkim_signs:
        d = design.domain(domain)
        keys.append((domain, d.dkim_selector, f"{d.dkim_selector}._domainkey.{domain}"))
    head = f'# Written by Mail Architect for {host.name}, from the design "{_safe(design.name)}".\n'
    if host.mta in MILTER_MTAS:
        conf = _milter_conf(head, host)
    else:
        conf = _record_conf(head, host)
    key_table = head + "# key name, then domain:selector:private key file\n"
    key_table += "".join(f"{name} {d}:{s}:{signer_key_path(host, d, s)}\n" for d, s, name in keys)
    signing = head + "# sender address pattern, then the key that signs it\n"
    signing += "".join(f"*@{d} {name}\n" for d, _s, name in keys)
    trusted = head + "# mail from these hosts and networks is signed\n"
    trusted += "".join(
        f"{b}\n"
        for b in ("127.0.0.1", "::1", *host.trusted_networks)
        if b not in ("127.0.0.0/8", "::1/128")
    )
    return {
        "opendkim.conf": conf,
        "KeyTable": key_table,
        "SigningTable": signing,
        "TrustedHosts": trusted,
    }


def _record_conf(head: str, host: HostPlan) -> str:
    """opendkim.conf of a host whose MTA signs by itself: for checking keys, not for running."""
    signer = {"exim": "Exim", "opensmtpd": "OpenSMTPD's dkimsign filter"}[host.mta]
    return head + "\n".join(
        [
            f"# {signer} signs the mail of " + ", ".join(host.dkim_signs) + " on this host;",
            "# OpenDKIM is not installed or run here, and nothing copies these files. They",
            "# record the keys at the paths the MTA reads (KeyTable: domain:selector:file), so",
            "# that each published key can be checked against its private key, on the host,",
            "# with opendkim-testkey (package opendkim-tools), one run per KeyTable line:",
            "#   opendkim-testkey -d DOMAIN -s SELECTOR -k FILE -vvv",
            "",
            "Syslog                  yes",
            "",
        ]
    )


def _milter_conf(head: str, host: HostPlan) -> str:
    return head + "\n".join(
        [
            "# OpenDKIM signs the mail of " + ", ".join(host.dkim_signs) + " here.",
            "# Check it with: opendkim -n -x /etc/opendkim.conf",
            "",
            "Syslog                  yes",
            "SyslogSuccess           yes",
            "UMask                   007",
            "UserID                  opendkim",
            "PidFile                 /run/opendkim/opendkim.pid",
            _milter_note(host),
            "Socket                  inet:8891@localhost",
            "# Sign only: checking the signatures of incoming mail is the MX's business.",
            "Mode                    s",
            "# relaxed headers survive the small rewrites of relays on the way.",
            "Canonicalization        relaxed/simple",
            "# A From header added after signing would break the signature, not fool it.",
            "OversignHeaders         From",
            f"KeyTable                {TABLE_DIR}/KeyTable",
            f"SigningTable            refile:{TABLE_DIR}/SigningTable",
            f"InternalHosts           refile:{TABLE_DIR}/TrustedHosts",
            f"ExternalIgnoreList      refile:{TABLE_DIR}/TrustedHosts",
            "",
        ]
    )


def _milter_note(host: HostPlan) -> str:
    if host.mta == "sendmail":
        return "# sendmail reaches it over TCP on loopback (INPUT_MAIL_FILTER in sendmail.mc)."
    return "# Postfix reaches it over TCP on loopback (smtpd_milters in main.cf)."


def _safe(text: str) -> str:
    return "".join(ch if ch.isprintable() and ch not in '"\\' else " " for ch in text)[:100]
