"""The main section's DKIM signing, and where each domain's private key goes."""

from __future__ import annotations

import re

from ...design import Design
from ...plan import HostPlan
from ..text import reasons
from .common import DKIM_DIR, DKIM_KEY_NOTE, _Conf, exim_list


def dkim_key_path(domain: str, selector: str) -> str:
    """Where the private key of ``domain``'s ``selector`` goes on an Exim host that signs."""
    return f"{DKIM_DIR}/{selector}.{domain}.private"


def dkim_keys_named(conf: str) -> dict[str, str]:
    """{domain: private key path} as an exim4.conf's DKIM section names them."""
    pattern = "^" + re.escape(DKIM_KEY_NOTE).replace(r"\{domain\}", r"(\S+)")
    pattern = pattern.replace(r"\{path\}", r"(/\S+)") + "$"
    return dict(re.findall(pattern, conf, re.M))


def _dkim(conf: _Conf, design: Design, host: HostPlan) -> None:
    """The main-section half of DKIM signing: what is signed, with which key."""
    conf.section("DKIM signing")
    conf.note(*reasons(host, "dkim"))
    selectors = {d: design.domain(d).dkim_selector for d in host.dkim_signs}
    conf.set(
        "domainlist dkim_domains",
        exim_list(host.dkim_signs),
        "The domains whose mail this host signs: their public keys are in the design "
        "and in the zones.",
    )
    from_domain = "${lc:${domain:$rh_from:}}"
    conf.set(
        "DKIM_DOMAIN",
        "${if or{{def:authenticated_id}{!def:sender_host_address}"
        "{match_ip{$sender_host_address}{+relay_from_hosts}}}"
        f"{{${{if match_domain{{{from_domain}}}{{+dkim_domains}}{{$value}}}}}}{{}}}}",
        "The domain a message is signed for (d=): the domain of its From header, so that "
        "the signature aligns with it and DMARC passes, when that is one of dkim_domains "
        "and the message comes from this host (no sender host: the sendmail command), a "
        "trusted network or a user who logged in; like OpenDKIM's InternalHosts, mail "
        "relayed for strangers is never signed. Empty: the message leaves unsigned. "
        "$value is the matching item of dkim_domains, text of this file, where the From "
        "header is the sender's (tainted): Exim opens no file by a name made of it.",
    )
    if len(set(selectors.values())) == 1:
        selector = next(iter(selectors.values()))
    else:
        selector = (
            "${extract{$dkim_domain}{" + " ".join(f"{d}={s}" for d, s in selectors.items()) + "}}"
        )
    conf.set(
        "DKIM_SELECTOR",
        selector,
        "The selector of each domain's key (s=): "
        + ", ".join(f"{s} for {d}" for d, s in selectors.items())
        + ", as published at <selector>._domainkey.<domain>.",
    )
    conf.set(
        "DKIM_PRIVATE_KEY",
        "CONFDIR/dkim/$dkim_selector.$dkim_domain.private",
        "The private key of that selector. It is not in the bundle (the design holds the "
        "public key only): put the key you downloaded there, owned by root, group "
        "Debian-exim, mode 0640 (the transports run as Debian-exim). Should the file be "
        "missing, the message leaves unsigned (dkim_strict is not set), as Postfix's "
        "milter_default_action = accept does; the install script refuses to go on "
        "without it.",
    )
    conf.raw(
        "",
        *(DKIM_KEY_NOTE.format(domain=d, path=dkim_key_path(d, s)) for d, s in selectors.items()),
    )
