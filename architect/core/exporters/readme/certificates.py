"""The README's certificate step: the names each host's certificate covers, and the certbot runs."""

from __future__ import annotations

from collections.abc import Mapping

from ...plan import HostPlan, Plan
from ..deploy import certificate_paths
from ..install import SERVICES
from .markdown import code

# Hosts the internet can reach on port 80 can prove their name by HTTP (ACME's
# http-01); the others only through DNS (dns-01).
_REACHABLE_ZONES = ("internet", "dmz")
_CERT_PROGRAMS = ("postfix", "dovecot", "sendmail", "exim", "opensmtpd")

# One host with a certificate: the host, the files its configuration reads, and the
# programs that read them (whose daemons the renewal reloads).
Row = tuple[HostPlan, list[str], list[str]]


def certificate_steps(plan: Plan, files: Mapping[str, str]) -> list[str]:
    """Which names each host's certificate covers, and the certbot run that makes it."""
    rows = _certificate_rows(plan, files)
    if not rows:
        return []
    out = _certificate_table(plan, files, rows)
    out += [
        "",
        "Run on each host, once its name resolves (the `--deploy-hook` reloads the daemons",
        "after every renewal; Debian's certbot timer renews twice a day when due):",
        "",
        "```sh",
    ]
    for h, _paths, programs in rows:
        out.append(_certbot_command(h, programs, certificate_names(plan, files, h.name)))
    out += ["```", ""]
    out += _certbot_notes(rows)
    return out


def _certificate_rows(plan: Plan, files: Mapping[str, str]) -> list[Row]:
    """The hosts whose configuration reads a certificate, in the plan's order."""
    rows = []
    # The (program, host) folders of the bundle, gathered once rather than by a scan of
    # every file per host: 5,000 hosts and 16,000 files made that a second and more.
    folders = {tuple(f.split("/", 2)[:2]) for f in files if f.count("/") >= 2}
    for h in plan.hosts:
        paths = certificate_paths(files, h.name)
        if paths:
            programs = [p for p in _CERT_PROGRAMS if (p, h.name) in folders]
            if (
                plan.web is not None
                and plan.web.host == h.name
                and f"web/{h.name}/nginx.conf" in files
            ):
                programs.append("nginx")
            rows.append((h, sorted(paths), programs))
    return rows


def _certificate_table(plan: Plan, files: Mapping[str, str], rows: list[Row]) -> list[str]:
    """The heading, and a table of each host's names and certificate files."""
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
        covered = ", ".join(code(n) for n in certificate_names(plan, files, h.name))
        out.append(f"| {code(h.name)} | {covered} | {', '.join(code(p) for p in paths)} |")
    return out


def _deploy_hook(host: str, programs: list[str]) -> str:
    """What runs after each renewal: reload (or restart) every daemon that reads the files."""
    reloaded = [SERVICES.get(p, p) for p in programs if p != "opensmtpd"]
    hook = " && ".join(
        (["systemctl reload " + " ".join(reloaded)] if reloaded else [])
        # smtpd reads its certificate only at start, and its unit has no reload.
        + (["systemctl restart opensmtpd"] if "opensmtpd" in programs else [])
    )
    if "exim" in programs:
        # Exim reads TLS files as Debian-exim, and certbot's folder is root's alone.
        live = f"/etc/letsencrypt/live/{host}"
        hook = (
            f"install -m 0640 -g Debian-exim {live}/fullchain.pem /etc/exim4/exim.crt && "
            f"install -m 0640 -g Debian-exim {live}/privkey.pem /etc/exim4/exim.key && " + hook
        )
    return hook


def _certbot_command(h: HostPlan, programs: list[str], names: list[str]) -> str:
    """One host's certbot run: by HTTP where the internet reaches it, else by DNS."""
    hook = _deploy_hook(h.name, programs)
    domains = " ".join(f"-d {n}" for n in names)
    if h.zone in _REACHABLE_ZONES:
        return (
            f"certbot certonly --standalone --preferred-challenges http {domains} "
            f"--deploy-hook '{hook}'"
        )
    return f"certbot certonly --manual --preferred-challenges dns {domains} --deploy-hook '{hook}'"


def _certbot_notes(rows: list[Row]) -> list[str]:
    """What each kind of challenge needs, and the web host's extra names."""
    out: list[str] = []
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


def certificate_names(plan: Plan, files: Mapping[str, str], host: str) -> list[str]:
    """The names a host's certificate must cover: its own, and the web names it serves."""
    names = [host]
    if plan.web is not None and plan.web.host == host and f"web/{host}/nginx.conf" in files:
        site = files[f"web/{host}/nginx.conf"]
        names += [n.name for n in plan.web.names if f"server_name {n.name};" in site]
    return names
