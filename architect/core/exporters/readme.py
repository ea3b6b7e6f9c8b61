"""The bundle's ``README.md``: what to do with each file, in order.

The README describes the other files, so it is written from them: it sets
``needs_bundle`` and ``bundle()`` hands it every file the other exporters
wrote. Whatever a new exporter adds shows up here (under "Other files" if no
step knows it yet), and a file that was not written is never mentioned.

Free text from the design (its name and description) and plan text that
quotes it are escaped for Markdown and HTML before they go in, so nothing a
person typed can add a heading, a link or a ``<script>`` to the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..design import CLIENT_KINDS, Design
from ..plan import ClientPlan, Plan
from . import Exporter, register
from .deploy import (
    SENDMAIL_CF,
    Install,
    certificate_paths,
    exim_dkim_keys,
    installs,
    opensmtpd_dkim_keys,
)
from .install import SERVICES
from .zone import CHECKZONE_FLAGS, one_line

KIND_TITLES = {
    "desktop": "Desktop mail programs",
    "mobile": "Phones and tablets",
    "webmail": "Webmail",
    "terminal": "Mail readers on a shell host",
    "application": "Applications and scripts that send mail",
    "device": "Devices (printers, scanners, appliances)",
}


@register
class BundleReadme(Exporter):
    """``README.md``: the deployment steps, written from the files of the bundle."""

    name = "readme"
    needs_bundle = True

    def files(
        self, design: Design, plan: Plan, bundle: Mapping[str, str] | None = None
    ) -> Iterable[tuple[str, str]]:
        yield "README.md", readme_text(design, plan, bundle or {})


# --------------------------------------------------------------------------
# Markdown escaping

_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^([-+=#])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def md(text: str) -> str:
    """Free text as inline Markdown that shows exactly what was typed.

    Line breaks become spaces; ``<``, ``>`` and ``&`` become entities, so no
    HTML gets through; the characters that make emphasis, code, links or
    table cells are backslash-escaped, and so is anything at the start that
    would read as a heading, list item or rule.
    """
    text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def code(text: str) -> str:
    """A name or command as a code span; anything that could end the span is escaped instead."""
    if "`" in text or "\n" in text or "<" in text:
        return md(text)
    return f"`{text}`"


def _blockquote(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [("> " + md(line)).rstrip() for line in lines]


# --------------------------------------------------------------------------
# The README


def _domain_files(files: Mapping[str, str], top: str, name: str) -> list[str]:
    return sorted(
        path.split("/")[1]
        for path in files
        if path.startswith(top + "/") and path.count("/") == 2 and path.endswith("/" + name)
    )


def describe(path: str) -> str | None:
    """What a bundle file is, in a few words; None for a file no step knows."""
    parts = path.split("/")
    fixed = {
        "README.md": "this guide",
        "design.json": "your design, to import into Mail Architect again",
        "plan.json": "the plan: every decision with its reason",
        "diagram.svg": "a diagram of the hosts and how mail flows between them",
        "dns/ptr-requests.txt": "reverse DNS (PTR) records to ask your address provider for",
        "dns/internal.txt": "records for your internal DNS only",
        "dns/other-zones.txt": "public records for names outside your domains",
    }
    if path in fixed:
        return fixed[path]
    if len(parts) == 2 and parts[0] == "dns" and path.endswith(".zone"):
        return f"the zone of {parts[1][: -len('.zone')]}"
    if len(parts) >= 3 and parts[0] in (
        "postfix",
        "sendmail",
        "dovecot",
        "dkim",
        "exim",
        "opensmtpd",
    ):
        program = {
            "postfix": "Postfix",
            "sendmail": "sendmail",
            "dovecot": "Dovecot",
            "dkim": "OpenDKIM",
            "exim": "Exim",
            "opensmtpd": "OpenSMTPD",
        }[parts[0]]
        return f"{program} configuration for {parts[1]}"
    if len(parts) == 3 and parts[0] == "hosts" and parts[2] == "install.sh":
        return f"installs, checks and applies every file of {parts[1]}"
    if len(parts) == 3 and parts[0] == "autoconfig" and parts[2] == "config-v1.1.xml":
        return f"mail client settings for {parts[1]}"
    if len(parts) == 3 and parts[0] == "mta-sts" and parts[2] == "mta-sts.txt":
        return f"the MTA-STS policy of {parts[1]}"
    if len(parts) == 3 and parts[0] == "web" and parts[2] == "nginx.conf":
        return f"the nginx site of {parts[1]}: serves the MTA-STS policies and autoconfig files"
    return None


def readme_text(design: Design, plan: Plan, files: Mapping[str, str]) -> str:
    """The README of a bundle whose other files are ``files`` (path -> text)."""
    all_paths = sorted({*files, "README.md"})
    errors = [f for f in plan.findings if f.severity == "error"]
    out: list[str] = [f"# Mail setup: {md(design.name)}", ""]
    if design.description.strip():
        out += [*_blockquote(design.description.strip()), ""]
    out += [
        "These files set up the mail system of this design. Mail Architect generated them",
        "from `design.json`; `plan.json` holds every decision with its reason. Work through",
        "the steps in order: DNS comes first because everything else relies on names that",
        "resolve.",
        "",
        "Anything marked **PLACEHOLDER** or **FILL IN** in a file is something only you",
        "know (a name server, a key, a password or a certificate path): it is never",
        "invented as if it were real, so replace it before you go live.",
        "",
    ]
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        out += [
            f"**Before you start:** the plan reports {count}. Fix them in the design",
            "first (see [step 6](#6-the-diagram-and-the-findings)); until then some of these",
            "files are incomplete.",
            "",
        ]
    scripts = sorted(p for p in files if p.startswith("hosts/") and p.endswith("/install.sh"))
    if scripts:
        out += [
            "Sections 2 and 3 say, host by host, what goes where and which commands build",
            "and check it. Each host's steps are also one script: copy this folder to the",
            "host and run its script as root, first with `--dry-run` to see what it would do.",
            "It installs the packages, creates the accounts, places the files, builds and",
            "checks them and reloads the daemons; run again, it changes nothing, and it never",
            "replaces a file it did not write unless you add `--force` (the old file is kept",
            "as `FILE.orig`).",
            "",
            "```sh",
            *(f"sh {p} --dry-run" for p in scripts),
            "```",
            "",
        ]
    out += ["## Contents", "", "| File | What it is |", "|---|---|"]
    for path in all_paths:
        out.append(f"| {code(path)} | {md(describe(path) or 'see Other files below')} |")
    out.append("")
    out += _dns_steps(design, plan, files)
    out += _certificate_steps(plan, files)
    out += _mailbox_steps(plan, files)
    out += _mta_steps(plan, files)
    out += _client_steps(design, plan, files)
    out += _mta_sts_steps(design, plan, files)
    out += _diagram_and_findings(plan, files)
    others = [p for p in all_paths if describe(p) is None]
    if others:
        out += [
            "## Other files",
            "",
            "No step above covers these yet; each says in its first lines what it is for.",
            "",
        ]
        out += [f"- {code(p)}" for p in others]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _dns_steps(design: Design, plan: Plan, files: Mapping[str, str]) -> list[str]:
    zones = sorted(p for p in files if p.startswith("dns/") and p.endswith(".zone"))
    out = ["## 1. DNS", "", "### Publish the zone records", ""]
    if not zones:
        return [*out, "This bundle has no zone files.", ""]
    out += ["Each domain of the design has a whole zone file:", ""]
    for path in zones:
        domain = path[len("dns/") : -len(".zone")]
        out.append(f"- {code(path)}: the records for {code(domain)}")
    flags = " ".join(CHECKZONE_FLAGS)
    out += [
        "",
        "Every record is preceded by a comment that says why it is there and whether it",
        "is required, recommended or optional. Check a file before you publish it",
        "(`named-checkzone` comes with BIND, in Debian's `bind9-utils` package):",
        "",
        "```sh",
        *(f"named-checkzone {flags} {p[len('dns/') : -len('.zone')]} {p}" for p in zones),
        "```",
        "",
        "It prints `OK` for a good file. Then:",
        "",
        "- The SOA and NS records at the top are **placeholders**: replace them with your",
        "  real name servers (or leave them out if your DNS provider writes them for you),",
        "  and raise the serial number whenever you change the zone.",
        "- If your DNS provider has a web form instead of zone files, enter the records of",
        "  each section by hand: name, type, value and TTL are all on the record's line.",
    ]
    if any(r.placeholder for r in plan.dns if r.zone is not None):
        out += [
            "- Records marked **FILL IN** (the DKIM key) are commented out: put in the value",
            "  your software gives you, then remove the leading `; ` to publish them.",
        ]
    if any("; NOT PUBLISHED:" in files[p] for p in zones):
        out += [
            "- Records marked **NOT PUBLISHED** cannot work as the plan stands (most often they",
            "  point at a host the design gives no address); the note above each says why.",
            "  They stay commented out until that is fixed in the design.",
        ]
    if any(len(p.split("/")) == 2 and "; ---- Delegation of" in files[p] for p in zones):
        out += [
            "- Where one domain of the design lies inside another, the outer zone delegates",
            "  the inner one with NS records; both zone files must be published.",
        ]
    out += [
        "",
        "Once published, `dig +short MX <domain>` and `dig +short TXT <domain>` should show",
        "the new records.",
        "",
    ]
    if "dns/ptr-requests.txt" in files:
        out += [
            "### Ask for reverse DNS (PTR)",
            "",
            "Reverse DNS is set by whoever runs each address block, usually your internet or",
            "hosting provider. Send them the lines of `dns/ptr-requests.txt`: receivers",
            "distrust mail from an address whose reverse name does not lead back to it.",
            "",
        ]
    if "dns/internal.txt" in files:
        out += [
            "### Internal DNS",
            "",
            "`dns/internal.txt` holds the names of hosts that only your own networks reach.",
            "Put them in your internal DNS (or `/etc/hosts`), never in the public zone.",
            "",
        ]
    if "dns/other-zones.txt" in files:
        out += [
            "### Names outside your domains",
            "",
            "`dns/other-zones.txt` holds public records for names under none of your",
            "domains: ask whoever runs those zones to publish them.",
            "",
        ]
    return out


# Hosts the internet can reach on port 80 can prove their name by HTTP (ACME's
# http-01); the others only through DNS (dns-01).
_REACHABLE_ZONES = ("internet", "dmz")


def _certificate_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Which names each host's certificate covers, and the certbot run that makes it."""
    rows = []
    # The (program, host) folders of the bundle, gathered once rather than by a scan of
    # every file per host: 5,000 hosts and 16,000 files made that a second and more.
    folders = {tuple(f.split("/", 2)[:2]) for f in files if f.count("/") >= 2}
    for h in plan.hosts:
        paths = certificate_paths(files, h.name)
        if paths:
            programs = [
                p
                for p in ("postfix", "dovecot", "sendmail", "exim", "opensmtpd")
                if (p, h.name) in folders
            ]
            if (
                plan.web is not None
                and plan.web.host == h.name
                and f"web/{h.name}/nginx.conf" in files
            ):
                programs.append("nginx")
            rows.append((h, sorted(paths), programs))
    if not rows:
        return []
    out = [
        "### Certificates",
        "",
        "Each host below offers TLS under its own name: mail servers and mail programs",
        "connect to it by that name (MX, submission, IMAP, POP3), so its certificate must",
        "cover it. The configuration files read the files certbot (Let's Encrypt's ACME",
        "client, Debian package `certbot`) writes, at exactly these paths:",
        "",
        "| Host | Names the certificate covers | Files the configuration reads |",
        "|---|---|---|",
    ]
    for h, paths, _programs in rows:
        covered = ", ".join(code(n) for n in _certificate_names(plan, files, h.name))
        out.append(f"| {code(h.name)} | {covered} | {', '.join(code(p) for p in paths)} |")
    out += [
        "",
        "Run on each host, once its name resolves (the `--deploy-hook` reloads the daemons",
        "after every renewal; Debian's certbot timer renews twice a day when due):",
        "",
        "```sh",
    ]
    for h, _paths, programs in rows:
        reloaded = [SERVICES.get(p, p) for p in programs if p != "opensmtpd"]
        hook = " && ".join(
            (["systemctl reload " + " ".join(reloaded)] if reloaded else [])
            # smtpd reads its certificate only at start, and its unit has no reload.
            + (["systemctl restart opensmtpd"] if "opensmtpd" in programs else [])
        )
        if "exim" in programs:
            # Exim reads TLS files as Debian-exim, and certbot's folder is root's alone.
            live = f"/etc/letsencrypt/live/{h.name}"
            hook = (
                f"install -m 0640 -g Debian-exim {live}/fullchain.pem /etc/exim4/exim.crt && "
                f"install -m 0640 -g Debian-exim {live}/privkey.pem /etc/exim4/exim.key && " + hook
            )
        names = " ".join(f"-d {n}" for n in _certificate_names(plan, files, h.name))
        if h.zone in _REACHABLE_ZONES:
            out.append(
                f"certbot certonly --standalone --preferred-challenges http {names} "
                f"--deploy-hook '{hook}'"
            )
        else:
            out.append(
                f"certbot certonly --manual --preferred-challenges dns {names} "
                f"--deploy-hook '{hook}'"
            )
    out += ["```", ""]
    if any(h.zone in _REACHABLE_ZONES for h, _p, _g in rows):
        out += [
            "`--standalone` answers the HTTP challenge itself on port 80, which must be",
            "reachable from the internet for that moment (open the firewall, or use",
            "`--webroot` where a web server already runs).",
            "",
        ]
    if any(h.zone not in _REACHABLE_ZONES for h, _p, _g in rows):
        out += [
            "Hosts the internet cannot reach prove their name through DNS: `--manual`",
            "asks you to publish a TXT record, and does not renew by itself. For renewals,",
            "use the certbot DNS plug-in of your DNS provider (Debian packages",
            "`python3-certbot-dns-*`) with the same `-d` and `--deploy-hook`.",
            "",
        ]
    if any("nginx" in programs for _h, _p, programs in rows):
        out += [
            "The web host's certificate also covers its `mta-sts.` and `autoconfig.` names:",
            "nginx serves them with the same files (section 5). Get it before nginx runs",
            "(nginx refuses a site whose certificate is missing); once nginx answers on",
            "port 80, renew through it with `--webroot -w /var/www/mail-architect/acme`.",
            "",
        ]
    return out


def _certificate_names(plan: Plan, files: Mapping[str, str], host: str) -> list[str]:
    """The names a host's certificate must cover: its own, and the web names it serves."""
    names = [host]
    if plan.web is not None and plan.web.host == host and f"web/{host}/nginx.conf" in files:
        site = files[f"web/{host}/nginx.conf"]
        names += [n.name for n in plan.web.names if f"server_name {n.name};" in site]
    return names


def _mailbox_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    out = ["## 2. The mailbox store (Dovecot)", ""]
    stores = [d for d in plan.domains if d.mailbox_host]
    if stores:
        out += ["Where the mailboxes of each domain live:", ""]
        for d in stores:
            domain, where = d.name, d.mailbox_host
            if d.alias_of:
                out.append(
                    f"- {code(domain)}: an alias of {code(d.alias_of)}, delivered to its mailboxes"
                )
            elif d.mailbox_at_provider:
                provider = plan.provider(where)
                host = f" ({code(provider.host)})" if provider else ""
                out.append(f"- {code(domain)}: at the provider {md(where)}{host}")
            else:
                out.append(f"- {code(domain)}: on {code(where)}")
        out.append("")
    steps = [i for i in installs(files) if i.program == "dovecot"]
    if not steps:
        return [*out, "This bundle has no Dovecot files.", ""]
    for step in steps:
        host = step.host
        out += [f"### Dovecot on {code(host)}", ""]
        out += _packages(step)
        out += _accounts(step)
        out += ["Copy the files to the host:", ""]
        out += _copies(step)
        conf = f"dovecot/{host}/dovecot.conf"
        out += ["", "Check and apply:", "", "```sh"]
        if conf in files:
            out += ["# before copying, from this folder", f"doveconf -c {conf} -n"]
        out += [
            "# on the host, after copying: prints the settings, or what is wrong",
            "doveconf -n",
            *step.apply,
            "```",
            "",
        ]
    return out


def _packages(step: Install) -> list[str]:
    if not step.packages:
        return []
    return [
        "Install the packages:",
        "",
        "```sh",
        "apt-get install --no-install-recommends " + " ".join(step.packages),
        "```",
        "",
    ]


def _accounts(step: Install) -> list[str]:
    if not step.accounts:
        return []
    return [
        "Create the system account that owns the mailboxes, with the uid and gid the",
        "configuration names (the commands do nothing when it exists):",
        "",
        "```sh",
        *step.accounts,
        "```",
        "",
    ]


def _copies(step: Install) -> list[str]:
    out = []
    for c in step.copies:
        line = f"- {code(c.source)} to {code(c.target)}"
        if c.mode != "0644":
            line += f" (mode {c.mode}, group {code(c.group)})"
        out.append(line)
    return out


def _saslauthd_step(step: Install) -> list[str]:
    """Submission logins on a sendmail host: Cyrus SASL, saslauthd, Dovecot's IMAP."""
    out = [
        "Submission logins (AUTH on 587 and 465) are checked by Dovecot, with the same",
        "users and passwords as IMAP: sendmail's Cyrus SASL asks saslauthd, which tries",
        "each login as an IMAP login at this host's Dovecot on `127.0.0.1` (port 143,",
        "loopback only, in `dovecot.conf`). Dovecot must be in place first (section 2).",
        "",
    ]
    out += _packages(step)
    out += ["Copy the files to the host:", ""]
    out += _copies(step)
    out += [
        "",
        "Start saslauthd (a restart: it reads its options only when it starts), then",
        "restart sendmail, which reads `Sendmail.conf` only when it starts:",
        "",
        "```sh",
        *step.apply,
        "systemctl restart sendmail",
        "# LOGIN and PASSWORD: a full address of /etc/dovecot/users and its password;",
        '# prints 0: OK "Success." when Dovecot accepts them',
        "testsaslauthd -u 'LOGIN' -p 'PASSWORD'",
        "```",
        "",
    ]
    return out


def _mta_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    out = ["## 3. The mail transfer agents", ""]
    mtas = ("postfix", "sendmail", "saslauthd", "exim", "opensmtpd", "opendkim")
    steps = [i for i in installs(files) if i.program in mtas]
    if not steps:
        out += ["This bundle has no MTA files.", ""]
    for step in (s for s in steps if s.program == "opendkim"):
        out += [f"### DKIM signing (OpenDKIM) on {code(step.host)}", ""]
        out += _packages(step)
        out += [
            "Put the private key you downloaded when you made the key where the KeyTable",
            "names it, readable by the opendkim user only, then copy the files:",
            "",
        ]
        out += _copies(step)
        out += ["", "Check and apply:", "", "```sh", *step.accounts, *step.commands]
        out += [*step.apply, "```", ""]
    for step in (s for s in steps if s.program == "postfix"):
        host = step.host
        out += [f"### Postfix on {code(host)}", ""]
        out += _packages(step)
        out += ["Copy the files to the host:", ""]
        out += _copies(step)
        out.append("")
        if any(c.source.rsplit("/", 1)[-1] == "sasl_passwd" for c in step.copies):
            out += [
                "`sasl_passwd` holds a password: fill it in, and keep the file readable by",
                "root only (`chmod 600`).",
                "",
            ]
        out += ["Check, build the lookup tables, and apply:", "", "```sh"]
        out += [
            "# before copying, from this folder: must print no warning",
            f"postconf -c postfix/{host} -n >/dev/null",
            "# on the host, after copying",
            *step.commands,
            *step.apply,
            "```",
            "",
        ]
    for step in (s for s in steps if s.program == "sendmail"):
        out += [f"### sendmail on {code(step.host)}", ""]
        out += _packages(step)
        out += ["Copy the files to the host:", ""]
        out += _copies(step)
        out += ["", "Build the configuration and the tables, then restart:", "", "```sh"]
        out += [*step.commands, *step.apply, "```", ""]
        out += [
            f"`m4` must print no `*** ERROR` (on other systems {code(SENDMAIL_CF)} lives",
            "elsewhere: it is sendmail's `cf/m4/cf.m4`).",
            "",
        ]
        for sasl in (s for s in steps if s.program == "saslauthd" and s.host == step.host):
            out += _saslauthd_step(sasl)
    for step in (s for s in steps if s.program == "exim"):
        host = step.host
        out += [f"### Exim on {code(host)}", ""]
        out += _packages(step)
        out += [
            "Installing Exim removes Postfix (both are Debian's mail-transport-agent). Install",
            "it before restarting Dovecot on this host: dovecot.conf gives its sockets to",
            "group `Debian-exim`, which the package creates. `exim4.conf` is one file, not",
            "Debian's split configuration; its lookup files are read as they are, with no",
            "build step.",
            "",
        ]
        keys = exim_dkim_keys(files.get(f"exim/{host}/exim4.conf", ""))
        if keys:
            out += [
                "Exim signs this host's outgoing mail with DKIM itself (no OpenDKIM here).",
                "Put the private key you downloaded when you made each domain's key at its",
                "path below, owned by root, group `Debian-exim`, mode 0640 (Exim's",
                "transports run as Debian-exim), after installing the package (it creates",
                "the group); the install step stops without them:",
                "",
                *(f"- {code(k)}" for k in keys),
                "",
                "```sh",
                *step.accounts,
                *(f"install -o root -g Debian-exim -m 0640 KEY-YOU-DOWNLOADED {k}" for k in keys),
                "```",
                "",
            ]
        out += ["Copy the files to the host:", ""]
        out += _copies(step)
        out += ["", "Check and apply:", "", "```sh"]
        out += [
            "# before copying, from this folder: exim4 (as root) must print its version",
            f"exim4 -bV -C exim/{host}/exim4.conf -DCONFDIR=$PWD/exim/{host}",
            "# on the host, after copying; then try an address: exim4 -bt user@domain",
            *step.commands,
            *step.apply,
            "```",
            "",
        ]
    for step in (s for s in steps if s.program == "opensmtpd"):
        out += [f"### OpenSMTPD on {code(step.host)}", ""]
        out += [
            "Debian 12's own opensmtpd (6.8) cannot serve TLS: with OpenSSL 3 every",
            'STARTTLS and port-465 handshake fails ("missing private key"), so nobody could',
            "submit mail. Take 7.4 from `bookworm-backports`: add that suite to the apt",
            "sources as Debian's backports instructions say, run `apt-get update`, then",
            "install it by `NAME/SUITE` (`install.sh` does the same; it stops here when",
            "the suite is not in the sources).",
            "",
        ]
        out += _packages(step)
        out += [
            "Installing OpenSMTPD removes Postfix (both are Debian's mail-transport-agent).",
            "Fill the password hashes in `passwords` (`smtpctl encrypt` reads a password",
            "on its input and prints the hash; use the same passwords as Dovecot's users)",
            "and the smarthost login in `secrets` if there is one; `smtpd -n` reads every",
            "table and the certificate, so it fails until they exist.",
            "",
        ]
        keys = opensmtpd_dkim_keys(files.get(f"opensmtpd/{step.host}/smtpd.conf", ""))
        if keys:
            out += [
                "OpenSMTPD signs this host's outgoing mail with DKIM through Debian's",
                "`opensmtpd-filter-dkimsign` (installed above; no OpenDKIM here), one filter",
                "per domain. Put the private key you downloaded when you made each domain's",
                "key at its path below, owned by root, group `_dkimsign`, mode 0640 (the",
                "filter runs as `_dkimsign`, which the package creates); the install step",
                "stops without them, and smtpd does not start when a filter cannot read its",
                "key:",
                "",
                *(f"- {code(k)}" for k in keys),
                "",
                "```sh",
                *step.accounts,
                *(f"install -o root -g _dkimsign -m 0640 KEY-YOU-DOWNLOADED {k}" for k in keys),
                "```",
                "",
            ]
        out += ["Copy the files to the host (create `/etc/smtpd/` first):", ""]
        out += _copies(step)
        out += ["", "Check and apply:", "", "```sh", *step.commands, *step.apply, "```", ""]
    return out


def _send_cell(plan: Plan, c: ClientPlan) -> tuple[str, str]:
    if c.send_via is None:
        return "cannot send (see the findings)", "–"
    if c.send_protocol == "sendmail-command":
        return f"the `sendmail` command on {code(c.send_via)}", "–"
    via = _server_name(plan, c.send_via)
    auth = ", password" if c.send_auth else ", no password"
    return via, f"{c.send_port} {md(c.send_security or 'none')}{auth}"


def _read_cell(plan: Plan, c: ClientPlan) -> tuple[str, str]:
    if c.read_via is None:
        return "–", "–"
    if c.read_protocol == "local":
        return f"locally on {code(c.read_via)}", "–"
    protocol = (c.read_protocol or "").upper()
    via = f"{protocol} on {_server_name(plan, c.read_via)}"
    return via, f"{c.read_port} {md(c.read_security or 'none')}"


def _server_name(plan: Plan, via: str) -> str:
    provider = plan.provider(via)
    if provider is not None:
        return f"{code(provider.host)} (provider {md(provider.name)})"
    return code(via)


def _username(c: ClientPlan) -> str:
    if c.username == "full address":
        return f"the full address (user@{md(c.domain)})"
    return md(c.username or "–")


def _client_steps(design: Design, plan: Plan, files: Mapping[str, str]) -> list[str]:
    out = ["## 4. Mail clients", ""]
    autoconfig = _domain_files(files, "autoconfig", "config-v1.1.xml")
    out += ["### Automatic set-up", ""]
    if autoconfig:
        out += [
            "Thunderbird and many other mail programs set themselves up from a small file",
            "when a person types their address. Serve each file over HTTPS at both addresses",
            "(with `Content-Type: text/xml`):",
            "",
        ]
        for domain in autoconfig:
            path = f"autoconfig/{domain}/config-v1.1.xml"
            where = (
                f"`https://autoconfig.{domain}/mail/config-v1.1.xml` and "
                f"`https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml`"
            )
            out.append(f"- {code(path)}: {where}")
        out += [
            "",
            "The name `autoconfig.<domain>` must point at the web server that serves the file;",
            "the zone files carry that record where the plan has a public web host for it.",
            "",
        ]
    else:
        out += ["No domain has servers the design can name for automatic set-up.", ""]
    out += ["### Settings for each kind of client", ""]
    if not plan.clients:
        return [*out, "The design lists no clients.", ""]
    out += [
        "For people who set up their mail program by hand, and for the programs and",
        "devices that cannot use automatic set-up:",
        "",
    ]
    for kind in CLIENT_KINDS:
        clients = [c for c in plan.clients if c.kind == kind]
        if not clients:
            continue
        out += [
            f"#### {KIND_TITLES.get(kind, kind)}",
            "",
            "| Client | How many | Domain | Sends through | Port, security | Reads from "
            "| Port, security | User name |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in clients:
            send, send_port = _send_cell(plan, c)
            read, read_port = _read_cell(plan, c)
            out.append(
                f"| {md(c.name)} | {c.count} | {code(c.domain)} | {send} | {send_port} "
                f"| {read} | {read_port} | {_username(c)} |"
            )
        out.append("")
    return out


def _mta_sts_steps(design: Design, plan: Plan, files: Mapping[str, str]) -> list[str]:
    out = ["## 5. MTA-STS", ""]
    policies = _domain_files(files, "mta-sts", "mta-sts.txt")
    if not policies:
        reason = (
            "MTA-STS is off in the design's policy."
            if design.policy.mta_sts == "none"
            else "No domain of the design receives mail through MX hosts of its own."
        )
        return [*out, reason, ""]
    out += [
        "MTA-STS tells other mail servers to send to your MX hosts only over verified TLS.",
        f"The policy is in **{md(design.policy.mta_sts)}** mode. For each domain:",
        "",
    ]
    for domain in policies:
        out.append(
            f"- {code(f'mta-sts/{domain}/mta-sts.txt')}: serve it at "
            f"`https://mta-sts.{domain}/.well-known/mta-sts.txt`"
        )
    site = f"web/{plan.web.host}/nginx.conf" if plan.web is not None else None
    if site in files:
        out += [
            "",
            f"{code(plan.web.host)} serves them, and the autoconfig files, with nginx:",
            f"{code(site)} (its reason: {md(plan.web.why)}). Its install script",
            "copies the site to `/etc/nginx/sites-available/mail-architect.conf`, the files",
            "under `/var/www/mail-architect/<domain>/`, runs `nginx -t` and reloads nginx.",
            "The zone points each `mta-sts.` and `autoconfig.` name at it (a CNAME).",
        ]
    out += [
        "",
        "1. Point `mta-sts.<domain>` at a web server (an A/AAAA or CNAME record) with a",
        "   valid certificate for that name, and serve the file as `text/plain`.",
        "2. Only then publish the `_mta-sts` TXT record from the zone file: senders that see",
        "   it fetch the policy, and its `id` tells them when the policy has changed.",
        "3. Every MX host named in the policy needs a certificate for its own name.",
        "4. When the MX hosts or the mode change, export again and replace both the policy",
        "   file and the TXT record: the new `id` makes senders fetch the new policy.",
    ]
    if design.policy.mta_sts == "testing":
        out += [
            "5. In testing mode failures are only reported (to the TLS-RPT address, if set);",
            "   switch the design to enforce once the reports show no failures.",
        ]
    out.append("")
    return out


def _diagram_and_findings(plan: Plan, files: Mapping[str, str]) -> list[str]:
    out = ["## 6. The diagram and the findings", ""]
    if "diagram.svg" in files:
        out += [
            "`diagram.svg` shows the hosts, the networks they sit on and how mail flows",
            "between them; open it in a web browser.",
            "",
        ]
    groups = (
        ("error", "Errors: fix these first"),
        ("warning", "Warnings"),
        ("info", "Notes"),
    )
    if not plan.findings:
        return [*out, "The plan has no findings.", ""]
    for severity, title in groups:
        found = [f for f in plan.findings if f.severity == severity]
        if not found:
            continue
        out += [f"### {title}", ""]
        for f in found:
            out.append(f"- **{md(f.code)}**: {md(f.message)} (explained at {code(f.learn)})")
        out.append("")
    return out
