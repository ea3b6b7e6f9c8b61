"""The README's opening (title, how to use the bundle, the table of files) and its other files."""

from __future__ import annotations

from collections.abc import Mapping

from ...design import Design
from ...plan import Plan
from .markdown import blockquote, code, md

_FIXED = {
    "README.md": "this guide",
    "design.json": "your design, to import into Mail Architect again",
    "plan.json": "the plan: every decision with its reason",
    "diagram.svg": "a diagram of the hosts and how mail flows between them",
    "dns/ptr-requests.txt": "reverse DNS (PTR) records to ask your address provider for",
    "dns/internal.txt": "records for your internal DNS only",
    "dns/other-zones.txt": "public records for names outside your domains",
}
# The folders of per-host configuration, and the program each one configures.
_PROGRAMS = {
    "postfix": "Postfix",
    "sendmail": "sendmail",
    "dovecot": "Dovecot",
    "dkim": "OpenDKIM",
    "exim": "Exim",
    "opensmtpd": "OpenSMTPD",
}


def domain_files(files: Mapping[str, str], top: str, name: str) -> list[str]:
    """The domains that have ``top/<domain>/name`` in the bundle, sorted."""
    return sorted(
        path.split("/")[1]
        for path in files
        if path.startswith(top + "/") and path.count("/") == 2 and path.endswith("/" + name)
    )


def describe(path: str) -> str | None:
    """What a bundle file is, in a few words; None for a file no step knows."""
    parts = path.split("/")
    if path in _FIXED:
        return _FIXED[path]
    if len(parts) == 2 and parts[0] == "dns" and path.endswith(".zone"):
        return f"the zone of {parts[1][: -len('.zone')]}"
    if len(parts) >= 3 and parts[0] in _PROGRAMS:
        return f"{_PROGRAMS[parts[0]]} configuration for {parts[1]}"
    if len(parts) == 3 and parts[0] == "hosts" and parts[2] == "install.sh":
        return f"installs, checks and applies every file of {parts[1]}"
    if len(parts) == 3 and parts[0] == "autoconfig" and parts[2] == "config-v1.1.xml":
        return f"mail client settings for {parts[1]}"
    if len(parts) == 3 and parts[0] == "mta-sts" and parts[2] == "mta-sts.txt":
        return f"the MTA-STS policy of {parts[1]}"
    if len(parts) == 3 and parts[0] == "web" and parts[2] == "nginx.conf":
        return f"the nginx site of {parts[1]}: serves the MTA-STS policies and autoconfig files"
    return None


def introduction(design: Design, plan: Plan) -> list[str]:
    """The title, the design's description, and how to read the bundle."""
    out: list[str] = [f"# Mail setup: {md(design.name)}", ""]
    if design.description.strip():
        out += [*blockquote(design.description.strip()), ""]
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
    errors = [f for f in plan.findings if f.severity == "error"]
    if errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        out += [
            f"**Before you start:** the plan reports {count}. Fix them in the design",
            "first (see [step 6](#6-the-diagram-and-the-findings)); until then some of these",
            "files are incomplete.",
            "",
        ]
    return out


def install_scripts(files: Mapping[str, str]) -> list[str]:
    """What each host's install.sh does, and the dry runs to start with."""
    scripts = sorted(p for p in files if p.startswith("hosts/") and p.endswith("/install.sh"))
    if not scripts:
        return []
    return [
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


def contents_table(all_paths: list[str]) -> list[str]:
    """Every file of the bundle with what it is."""
    out = ["## Contents", "", "| File | What it is |", "|---|---|"]
    for path in all_paths:
        out.append(f"| {code(path)} | {md(describe(path) or 'see Other files below')} |")
    out.append("")
    return out


def other_files(all_paths: list[str]) -> list[str]:
    """The files no step describes yet, so that none goes unmentioned."""
    others = [p for p in all_paths if describe(p) is None]
    if not others:
        return []
    out = [
        "## Other files",
        "",
        "No step above covers these yet; each says in its first lines what it is for.",
        "",
    ]
    out += [f"- {code(p)}" for p in others]
    out.append("")
    return out
