"""Run the real programs that read our exports: postconf, postmap, m4, doveconf.

The exporters are only as good as what Postfix, sendmail's m4 files and
Dovecot make of their output, so the tests hand every generated file to
those programs (topologies.md §4). Each helper returns what the program
printed, and the ``*_problems`` helpers return a list of plain sentences, one
per problem, so a failing test says exactly what is wrong with which file.

A missing program skips the test with a reason, except when the ``CI``
environment variable is "true": there it fails, so a broken CI image can
never pass by skipping everything.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from architect.core.design import Design
from architect.core.exporters import bundle
from architect.core.plan import HostPlan, Plan
from architect.core.planner import plan as make_plan

CF_M4 = Path("/usr/share/sendmail/cf/m4/cf.m4")
TIMEOUT = 30
# postconf -n stderr lines that mean a setting is wrong or unknown (§4.1).
POSTCONF_BAD = re.compile(r"unused parameter|will be removed|has been removed|fatal|warning")
# sendmail FEATUREs that open or weaken relaying (§2.2); none may reach a .cf.
RELAY_OPENING_FEATURES = (
    "promiscuous_relay",
    "relay_local_from",
    "relay_mail_from",
    "relay_based_on_MX",
    "loose_relay_check",
    "accept_unresolvable_domains",
    "relay_entire_domain",
)
# Free text that would break a config file if it ever left a comment.
HOSTILE = (
    'Evil "name"\nrelayhost = [evil.example]\r\n#dnl `x\' ; <script>alert(1)</script>'
    "\u2028mynetworks = 0.0.0.0/0 define(`SMART_HOST', `evil.example')"
)
CLASS_PARAMETERS = (
    "mydestination",
    "virtual_alias_domains",
    "virtual_mailbox_domains",
    "relay_domains",
)


# postconf and postmap live in /usr/sbin, which a user's PATH may lack.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
PACKAGES = {
    "postconf": "postfix",
    "postmap": "postfix",
    "m4": "m4",
    str(CF_M4): "sendmail-cf",
    "doveconf": "dovecot-core",
}


def require(program: str | Path) -> str:
    """The path of ``program``; skip the test without it, or fail when CI is "true"."""
    found = str(program) if Path(program).is_absolute() and Path(program).exists() else None
    found = found or shutil.which(str(program), path=SEARCH_PATH)
    if found is None:
        message = f"{program} is missing: apt-get install {PACKAGES.get(str(program), '?')}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI=true forbids skipping the check")
        pytest.skip(message)
    return found


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run a program with a time limit, capturing text output."""
    return subprocess.run(
        list(args), input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@dataclass
class Exported:
    """A design's plan and bundle, written to disk under ``root``."""

    design: Design
    plan: Plan
    files: dict[str, str]
    root: Path

    def dir(self, kind: str, host: str) -> Path:
        return self.root / kind / host

    def hosts(self, mta: str) -> list[HostPlan]:
        return [h for h in self.plan.hosts if h.mta == mta]


def export_to(design: Design, root: Path) -> Exported:
    """Plan ``design``, build its bundle and write every file under ``root``."""
    plan = make_plan(design)
    files = bundle(design, plan)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return Exported(design, plan, files, root)


# --------------------------------------------------------------------------
# Postfix


def postconf(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return run(require("postconf"), "-c", str(directory), *args)


def postconf_values(directory: Path, *parameters: str) -> dict[str, str]:
    """main.cf parameters as Postfix reads them, with $names expanded (``-x``).

    One postconf run for all of them: on a busy machine each run costs.
    """
    result = postconf(directory, "-x", "-h", *parameters)
    assert result.returncode == 0, result.stderr
    values = result.stdout.split("\n")
    return {name: values[i].strip() for i, name in enumerate(parameters)}


def postconf_value(directory: Path, parameter: str) -> str:
    """One main.cf parameter as Postfix reads it, with $names expanded."""
    return postconf_values(directory, parameter)[parameter]


def split_list(value: str) -> list[str]:
    """A list-valued parameter, split on commas and white space as Postfix does."""
    return [item for item in re.split(r"[\s,]+", value) if item]


def postconf_list(directory: Path, parameter: str) -> list[str]:
    """One list-valued parameter, expanded and split."""
    return split_list(postconf_value(directory, parameter))


def postmap_query(directory: Path, table: str, key: str) -> subprocess.CompletedProcess:
    """Look ``key`` up in a generated table, read as text (no build needed)."""
    return run(require("postmap"), "-c", str(directory), "-q", key, f"texthash:{directory / table}")


def postmap_lookup_all(directory: Path, table: str, keys: list[str]) -> subprocess.CompletedProcess:
    """Look up many keys at once (``-q -`` reads them from stdin, prints key TAB value)."""
    return run(
        require("postmap"),
        "-c",
        str(directory),
        "-q",
        "-",
        f"texthash:{directory / table}",
        stdin="".join(f"{key}\n" for key in keys),
    )


def postfix_problems(directory: Path, scratch: Path) -> list[str]:
    """What postconf and postmap find wrong with one host's Postfix directory (§4.1)."""
    problems = []
    n = postconf(directory, "-n")
    if n.returncode != 0:
        problems.append(f"postconf -n exited {n.returncode}: {n.stderr.strip()}")
    bad = [line for line in n.stderr.splitlines() if POSTCONF_BAD.search(line)]
    if bad:
        problems.append("postconf -n complained: " + " | ".join(bad))
    m = postconf(directory, "-M")
    if m.returncode != 0 or m.stderr.strip():
        problems.append(f"postconf -M exited {m.returncode}: {m.stderr.strip()}")
    if re.search(r"permit_mx_backup(?!_networks)", n.stdout + m.stdout):
        problems.append("permit_mx_backup appears in the configuration (P14)")
    # postmap validates global values, but refuses inet_interfaces naming
    # another machine's address: check a copy listening on all (§4.1).
    scratch.mkdir(parents=True, exist_ok=True)
    text = (directory / "main.cf").read_text(encoding="utf-8")
    text = re.sub(r"^inet_interfaces\s*=.*$", "inet_interfaces = all", text, flags=re.M)
    (scratch / "main.cf").write_text(text, encoding="utf-8")
    probe = run(require("postmap"), "-c", str(scratch), "-q", "probe", "static:x")
    if probe.returncode != 0 or probe.stdout.strip() != "x":
        problems.append(f"postmap rejected a global value: {probe.stderr.strip()}")
    for table in sorted(p.name for p in directory.iterdir()):
        if table in ("main.cf", "master.cf"):
            continue
        entries = table_entries((directory / table).read_text(encoding="utf-8"))
        # Every entry must come back as written, and an unknown key must not.
        got = postmap_lookup_all(directory, table, [k for k, _ in entries] + ["nx.invalid"])
        if got.stderr.strip():
            problems.append(f"{table}: postmap complained: {got.stderr.strip()}")
        found = [tuple(line.split("\t", 1)) for line in got.stdout.splitlines()]
        if found != entries:
            problems.append(f"{table}: postmap reads {found}, the file says {entries}")
    return problems


def table_entries(text: str) -> list[tuple[str, str]]:
    """(key, value) pairs of a Postfix or sendmail table, skipping comments."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.strip().partition("\t")
        out.append((key, value.strip()))
    return out


def relay_problems(directory: Path, host: HostPlan, design: Design | None = None) -> list[str]:
    """Relay-safety rules read back from a host's main.cf (§2.1, P3/P4, P11, P12).

    (P14, permit_mx_backup, is checked by ``postfix_problems`` on the whole
    postconf output.)
    """
    problems = []
    values = {
        name: split_list(value)
        for name, value in postconf_values(
            directory, "mynetworks", "smtpd_relay_restrictions", *CLASS_PARAMETERS
        ).items()
    }
    trusted = [ipaddress.ip_network(b) for b in host.trusted_networks]
    # Roaming users' networks are never trusted, whatever the plan says (§2.1).
    remote_networks = [
        ipaddress.ip_network(block)
        for network in (design.networks if design else ())
        if network.zone == "remote"
        for block in network.cidrs
    ]
    for entry in values["mynetworks"]:
        try:
            net = ipaddress.ip_network(entry.replace("[", "").replace("]", ""), strict=False)
        except ValueError:
            problems.append(f"mynetworks entry {entry!r} is not a network")
            continue
        if net.prefixlen == 0:
            problems.append(f"mynetworks trusts the whole internet ({entry})")
        elif not any(net.version == t.version and net.subnet_of(t) for t in trusted):
            problems.append(f"mynetworks entry {entry} is not among the plan's trusted networks")
        for remote in remote_networks:
            if net.version == remote.version and net.overlaps(remote):
                problems.append(f"mynetworks entry {entry} trusts the remote network {remote}")

    restrictions = values["smtpd_relay_restrictions"]
    if not restrictions or restrictions[-1] not in (
        "reject_unauth_destination",
        "defer_unauth_destination",
    ):
        problems.append(f"smtpd_relay_restrictions does not end in a reject: {restrictions}")
    for item in restrictions[:-1]:
        if item not in ("permit_mynetworks", "permit_sasl_authenticated"):
            problems.append(f"smtpd_relay_restrictions has {item} before the final reject")

    if set(values["relay_domains"]) != set(host.relay_domains):
        problems.append(
            f"relay_domains is {values['relay_domains']}, the plan says {host.relay_domains}"
        )

    seen: dict[str, str] = {}
    for parameter in CLASS_PARAMETERS:
        for name in values[parameter]:
            if name in seen and seen[name] != parameter:
                problems.append(f"{name} is in both {seen[name]} and {parameter}")
            seen.setdefault(name, parameter)
    return problems


# --------------------------------------------------------------------------
# sendmail


def m4_build(mc: Path) -> subprocess.CompletedProcess:
    """Build a sendmail.cf from an .mc with sendmail's cf.m4 (§4.3)."""
    return run(require("m4"), str(require(CF_M4)), str(mc))


def sendmail_problems(mc: Path) -> list[str]:
    """What m4 finds wrong with an .mc, and relay-opening features in the .cf."""
    built = m4_build(mc)
    problems = []
    if built.returncode != 0:
        problems.append(f"m4 exited {built.returncode}: {built.stderr.strip()}")
    # m4 exits 0 on sendmail's own macro errors: read stderr too.
    if "*** ERROR" in built.stderr or "*** WARNING" in built.stderr or built.stderr.strip():
        problems.append(f"m4 complained: {built.stderr.strip()}")
    for feature in RELAY_OPENING_FEATURES:
        if feature in built.stdout:
            problems.append(f"the .cf uses {feature}")
    return problems


# --------------------------------------------------------------------------
# Dovecot


def doveconf(conf: Path, *args: str) -> subprocess.CompletedProcess:
    return run(require("doveconf"), "-c", str(conf), *args)


def dovecot_problems(conf: Path) -> list[str]:
    """What doveconf finds wrong with a dovecot.conf (§4.4)."""
    result = doveconf(conf, "-n")
    if result.returncode != 0 or result.stderr.strip():
        return [f"doveconf -n exited {result.returncode}: {result.stderr.strip()}"]
    return []
