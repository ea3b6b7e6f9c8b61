"""Paths, fixed texts and the .mc writer every sendmail file of the export shares."""

from __future__ import annotations

from ...plan import HostPlan
from ..dovecot import VMAIL_GID, VMAIL_UID
from ..hostfacts import address_classes
from ..text import comment_lines

# Features that open or weaken relaying (cf/README, topologies.md §2.2).
# Listed so that a test can prove none of them is ever written.
RELAY_OPENING = (
    "promiscuous_relay",
    "relay_local_from",
    "relay_mail_from",
    "relay_based_on_MX",
    "loose_relay_check",
    "accept_unresolvable_domains",
    "relay_entire_domain",
)
MAIL_DIR = "/etc/mail"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"
# The mailer that hands a mailbox domain's mail to dovecot-lda with the full address.
DOVECOT_MAILER = (
    f"Mdovecot,\tP={DOVECOT_LDA}, F=DFMPhnu9, U={VMAIL_UID}:{VMAIL_GID},",
    "\t\tS=EnvFromSMTP/HdrFromSMTP, R=EnvToSMTP/HdrFromSMTP,",
    "\t\tT=DNS/RFC822/X-Unix,",
    f"\t\tA={DOVECOT_LDA} -f $g -d $u",
)
# The answer to an address of a mailbox or alias domain that is not on the user list.
NO_SUCH_USER = 'error:5.1.1:"550 User unknown"'
# Beyond this many access entries for one block, list the hosts by hand.
MAX_ACCESS_ENTRIES = 256
# Submission logins: Cyrus SASL reads its settings for sendmail (application name
# "Sendmail") from the first directory of its search path that holds Sendmail.conf;
# on Debian that path starts with /etc/sasl2. Debian's sendmailconfig links
# /usr/lib/sasl2/Sendmail.conf to /etc/mail/sasl/ instead, but only when it is run
# with sasl2-bin already installed; /etc/sasl2 comes first in the path, so this file
# is read either way.
SASL_CONF = "/etc/sasl2/Sendmail.conf"
SASLAUTHD_DEFAULTS = "/etc/default/saslauthd"
SASLAUTHD_RUN = "/var/run/saslauthd"
# saslauthd's rimap logs in here: Dovecot's IMAP, on loopback only (dovecot.py).
RIMAP_SERVER = "127.0.0.1"
SENDER_LOGINS = "sender_logins"
# Local_check_mail (sendmail.mc): workspace, the MAIL FROM address as given.
# m4 reads these lines too: no quotes, and no word that is an m4 macro.
SENDER_LOGIN_RULES = (
    ("R$*", "$: $1 $| $&{auth_authen}", "the sender and the login, if any"),
    ("R$* $| $@", "$@ OK", "no login: nothing to compare"),
    ("R<$*> $| $+", "$: $1 $| $2", "the address without its brackets"),
    ("R$@ $| $+", "$@ OK", "the null sender"),
    ("R$+ $| $+", "$: $(sender_logins $1 $: <none> $)", "the login that owns the address"),
    ("R<TMPF>", '$#error $@ 4.3.0 $: "451 Sender address lookup failed, try again"', "unreadable"),
    ("R$&{auth_authen}", "$@ OK", "it is the login that was made"),
    (
        "R$*",
        '$#error $@ 5.7.1 $: "553 Sender address does not belong to your login"',
        "anything else",
    ),
)


class _Mc:
    """sendmail.mc being written: m4 lines, each preceded by dnl comments."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, *text: str) -> None:
        for t in text:
            self.lines += comment_lines(t, prefix="dnl # ")

    def line(self, m4: str, *why: str) -> None:
        self.note(*why)
        self.lines.append(m4 + "dnl")

    def blank(self) -> None:
        self.lines.append("dnl")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def dovecot_domains(host: HostPlan) -> list[str]:
    """The mailbox domains whose mail Dovecot files on this host (delivery ``lmtp:<self>``).

    They are virtual domains to sendmail, never class w: their addresses are
    full addresses in Dovecot's user list, not accounts of the host.
    """
    if host.delivery != f"lmtp:{host.name}":
        return []
    return address_classes(host)["virtual_mailbox"]


def _local_names(host: HostPlan) -> list[str]:
    """Class w: final domains delivered by the local mailer, and alias domains.

    Relay domains must never be here (T4), nor the domains Dovecot files.
    """
    dovecot = set(dovecot_domains(host))
    final = {d for d in host.final_domains if d not in dovecot}
    return sorted(final | set(dict(host.alias_domains)))
