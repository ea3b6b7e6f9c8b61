"""submit.mc: Debian's mail submission program, masquerading before OpenDKIM signs."""

from __future__ import annotations

from ...plan import HostPlan, Plan
from ..text import reasons
from .common import _Mc


def submit_mc(plan: Plan, host: HostPlan) -> str:
    """submit.mc for a signing host: Debian's mail submission program, masquerading.

    The sendmail command is the MSP, which hands each message to the daemon over
    SMTP; the daemon's OpenDKIM sees it as the MSP wrote it. Debian's own submit.mc
    qualifies ``From: root`` (cron) with the host's name, which no SigningTable
    line signs, and the daemon masquerades it only on the way out: such mail left
    unsigned. Masqueraded here, it reaches OpenDKIM as user@origin already.
    """
    origin = host.origin or host.name.split(".", 1)[1]
    mc = _Mc()
    mc.lines.append("divert(-1)dnl")
    mc.note(f"submit.mc for {host.name}: the sendmail command (mail submission program).")
    mc.note(f'Written by Mail Architect from the design "{plan.design}".')
    mc.note(
        "Debian's /usr/share/sendmail/cf/debian/submit.mc with masquerading switched on. "
        "Build: m4 /usr/share/sendmail/cf/m4/cf.m4 submit.mc > /etc/mail/submit.cf "
        "(the sendmail command reads it at once; no restart)."
    )
    mc.lines.append("divert(0)dnl")
    mc.line(f"VERSIONID(`Mail Architect: submit.mc for {host.name}')", "Names this file.")
    mc.line("OSTYPE(`debian')", "Debian's paths, as in Debian's own submit.mc.")
    mc.line(
        "DOMAIN(`debian-msp')",
        "Debian's settings for the submission program: its queue, pid file and user smmsp.",
    )
    mc.line(
        f"MASQUERADE_AS(`{origin}')",
        f"What cron and scripts send as root or user, with no domain or with {host.name}, "
        f"leaves here as user@{origin}: the daemon's OpenDKIM sees, and signs, the From "
        "that will reach the receiver. The daemon masquerades only when sending on, after "
        "OpenDKIM has seen the message, and a From it rewrites then breaks the signature.",
        *reasons(host, "dkim"),
    )
    mc.line("FEATURE(`masquerade_envelope')", "The envelope sender too, as the daemon does.")
    mc.line(
        "FEATURE(`msp', `[127.0.0.1]', `25')",
        "Hand every message to the daemon on this host, port 25 (loopback), as Debian does.",
    )
    return mc.text()
