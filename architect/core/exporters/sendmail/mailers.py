"""The end of sendmail.mc: the mailers, the dovecot and lmtp24 definitions, the sender check."""

from __future__ import annotations

from ...plan import HostPlan
from ..dovecot import VMAIL_GID, VMAIL_UID
from .common import (
    DOVECOT_MAILER,
    MAIL_DIR,
    SENDER_LOGIN_RULES,
    SENDER_LOGINS,
    _Mc,
    dovecot_domains,
)


def _mailers(mc: _Mc, host: HostPlan) -> None:
    """MAILER(local) and MAILER(smtp), and the mailers the mailertable's routes name."""
    lda = bool(dovecot_domains(host))
    mc.blank()
    mc.line("MAILER(`local')", "Local delivery (and the prog mailer).")
    mc.line("MAILER(`smtp')", "SMTP to other servers.")
    lmtp24 = any(hop.startswith("lmtp:") for _, hop in host.transport)
    if lda or lmtp24:
        mc.lines.append("MAILER_DEFINITIONS")
    if lda:
        mc.note(
            "dovecot: delivers a mailbox domain's mail with dovecot-lda (mailertable "
            "entries dovecot:<host>). $u is the whole address (R=EnvToSMTP), $g the sender. "
            f"U= runs it as vmail ({VMAIL_UID}:{VMAIL_GID}, the owner dovecot.conf "
            "names), which Dovecot requires: it refuses to write as root or mail. "
            "dovecot-lda exits 67 for an address Dovecot does not know and 75 for a "
            "temporary failure, which sendmail bounces or retries.",
        )
        mc.lines += DOVECOT_MAILER
    if lmtp24:
        mc.note(
            "LMTP over TCP to the mailbox store's Dovecot (port 24), used by mailertable "
            "entries lmtp24:[store]. Firewall port 24 on the store to this host only."
        )
        mc.lines.append(
            "Mlmtp24,\tP=[IPC], F=mDFMuXz, S=EnvFromSMTP/HdrFromSMTP, "
            "R=EnvToSMTP/HdrFromSMTP, E=\\r\\n, L=990,"
        )
        mc.lines.append("\t\tT=DNS/RFC822/SMTP,")
        mc.lines.append("\t\tA=TCP $h 24")


def _sender_login_check(mc: _Mc) -> None:
    """A logged-in user may send only as an address the sender_logins table gives it.

    sendmail's own checks trust any sender once AUTH has succeeded. This is
    Postfix's reject_sender_login_mismatch on submission, from the same table:
    the envelope sender is looked up, and the login it belongs to must be the
    one ``{auth_authen}`` holds (a ``$&`` macro on the left of a rule matches
    its value at run time, token by token, ignoring case). Unlike Postfix,
    nothing is checked for a client that did not log in: port 25 takes no
    AUTH here, and 587 and 465 take no mail without it.
    """
    table = f"{MAIL_DIR}/{SENDER_LOGINS}"
    mc.blank()
    mc.note(
        "Logged-in users send only as their own addresses: the envelope sender must "
        f"belong, in {table} (built from the design's user list), to the login that "
        "was made, so one leaked password cannot send as anyone else in the "
        "organisation. A lookup that fails for a moment answers 451 (try again), "
        "never a silent pass. The null sender (bounces) is left alone, as Postfix does."
    )
    mc.lines.append("LOCAL_CONFIG")
    mc.lines.append(f"K{SENDER_LOGINS} hash -T<TMPF> {table}")
    mc.lines.append("LOCAL_RULESETS")
    mc.lines.append("SLocal_check_mail")
    for lhs, rhs, why in SENDER_LOGIN_RULES:
        mc.lines.append(f"{lhs}\t{rhs}\t{why}")
