"""Unpack Debian packages that cannot be installed into a private root.

The lab runs sendmail, Exim and OpenSMTPD beside the Postfix that this
machine has installed. Debian will not install them together: each provides
and conflicts with ``mail-transport-agent``. Their programs do not need to be
installed to run, though: ``unpacked()`` downloads each package with
``apt-get download``, extracts it with ``dpkg-deb -x`` into a directory of its
own, and adds those of its dependencies the system lacks, so the binaries
find their libraries through ``library_path()``. No maintainer script runs,
nothing under / changes, and dpkg's database never hears of them.

API::

    root = unpacked(["sendmail-bin"], CACHE / "sendmail")
    subprocess.run([root / "usr/libexec/sendmail/sendmail", "-d0.1", "-bt", "-C", cf],
                   env=environment(root))   # LD_LIBRARY_PATH=library_path(root)

``unpacked`` is idempotent: a stamp file in the root (``.unpacked``, one
``package version`` line each) records what is there, and a call whose
packages are all in it does nothing, not even a look-up. A lock file
serialises two processes unpacking into the same root.

What each program needs at run time, found by running them from the root on
Debian 12 beside Postfix (versions as in the stamps):

sendmail 8.17.1.9 (sendmail-bin, sendmail-base, liblockfile1,
liblockfile-bin, lockfile-progs; sendmail-cf is installed already):

- Binaries: ``ROOT/usr/libexec/sendmail/sendmail`` (Debian 12 has no
  ``/usr/lib/sm.bin``; mailq, newaliases, hoststat, purgestat and smtpd are
  links to it there), ``makemap``, ``editmap``, ``praliases``, ``mailstats``,
  ``smrsh`` and ``mail.local`` beside it; ``ROOT/usr/sbin`` has wrappers
  only. OSTYPE(debian) expects exactly these paths (confEBINDIR).
- ``LD_LIBRARY_PATH=ROOT/usr/lib/x86_64-linux-gnu`` for liblockfile.so.1,
  the one library a Postfix machine lacks.
- A qualified host name: sendmail sleeps 60 s at start-up when ``uname -n``
  is unqualified, in -bt and -bs too for most .cf files, whatever
  confDOMAIN_NAME says; run it in a UTS namespace
  (``unshare -u sh -c 'hostname HOST && exec sendmail ...'``).
- Every file it reads and every directory above it must not be group- or
  world-writable (no /tmp paths: "World writable directory"): the .cf's
  ``/etc/mail`` files (``local-host-names`` is required; access, mailertable,
  virtusertable and authinfo are ``-o`` optional hash maps built with
  ``ROOT/.../makemap hash``), ``/etc/mail/aliases`` (+ .db, ``newaliases``),
  ``/etc/mail/helpfile``; a lab rewrites ``/etc/mail/`` in the .cf.
- OSTYPE(debian) paths: ``/var/lib/sendmail`` (``sendmail.st``,
  ``host_status/``, ``dead.letter``), queue ``/var/spool/mqueue`` (root,
  0700, or ``-O QueueDirectory=DIR``), ``/var/spool/mqueue-client``
  (smmsp:smmsp 0770, for submit.cf only), pid file ``/run/sendmail/mta``.
- Users: root; ``mail:mail`` (DefaultUser of OSTYPE(debian), present with
  Postfix); ``smmsp`` user and group only for the submit.cf client (not
  used with ``-C`` of an MTA .cf); Debian's sendmail.mc also names the
  ``smmta`` TrustedUser (ours do not).
- Local delivery: our .mc files use ``/usr/bin/procmail`` (package
  procmail: unpack ``["sendmail-bin", "procmail"]``); OSTYPE(debian)'s
  default ``/usr/sbin/sensible-mda`` is the separate ``sensible-mda``
  package, which needs procmail, maildrop or deliver. ``mail.local``
  (sendmail-bin) delivers root's mail but fails for other users with
  "lockmailbox USER failed; error code 75" (it cannot lock /var/mail).
- ``-bt``, ``-bv`` and ``-bs`` (an SMTP session on stdin) run as root with
  only the above; no daemon, port or syslog is needed (/dev/log may be
  missing).

Exim 4.96 (exim4-daemon-light, exim4-base, libidn12; exim4-config conflicts
with postfix and is left out):

- Binary ``ROOT/usr/sbin/exim4`` (``exim`` links to it);
  ``LD_LIBRARY_PATH=ROOT/usr/lib/x86_64-linux-gnu`` (libidn12).
- The compiled-in user ``Debian-exim`` must exist before the configuration
  is read (``failed to find uid for user name "Debian-exim"`` otherwise):
  create it (``adduser --system --group Debian-exim``, as exim4-base does)
  or bind-mount a passwd/group holding it in a mount namespace.
- Always ``-C FILE`` (no exim4-config, so no ``/etc/exim4``); run as root;
  ``keep_environment =`` in the file stops the "purging the environment"
  warning that LD_LIBRARY_PATH causes. Spool ``/var/spool/exim4`` and log
  ``/var/log/exim4`` (Debian-exim, writable) for delivery; ``-bV`` needs
  neither.

A package may be named ``NAME/SUITE`` (``opensmtpd/bookworm-backports``): it is
taken from that suite of the system's own Debian mirror, as ``apt-get install
NAME/SUITE`` would once the suite is in the sources, through a private view of
apt (sources and lists under ``CACHE/apt/SUITE``) that leaves the system's apt
configuration alone; its dependencies still come from the system's suites.

OpenSMTPD 6.8.0p2 (opensmtpd alone; bookworm's, which cannot serve TLS with
OpenSSL 3, so the lab and the bundle use 7.4 from bookworm-backports, which
needs the same):

- Binary ``ROOT/usr/sbin/smtpd`` (and ``smtpctl``, ``makemap``); helpers in
  ``ROOT/usr/libexec/opensmtpd/`` (mail.local, mail.lmtp, mail.maildir,
  mail.mboxfile, lockspool, encrypt), found at the compiled-in path
  ``/usr/libexec/opensmtpd``, so a config must name them absolutely or the
  lab must bind-mount the directory there.
- No library of its own is missing (library_path is empty).
- ``smtpd -n -f FILE`` needs nothing else (exit 0 "configuration OK",
  1 on a syntax error); running needs the users and groups ``opensmtpd`` and
  ``opensmtpq`` (Debian's names, from its postinst; home, the chroot,
  ``/var/lib/opensmtpd/empty``), ``smtpctl`` setgid opensmtpq, and
  ``/var/spool/smtpd``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Where packages are unpacked: outside the checkout, in a folder only root may write.
# sendmail refuses every file under a world-writable directory, and a checkout (CI's)
# may well lie under /tmp. MAIL_ARCHITECT_DEBS moves it.
CACHE = Path(os.environ.get("MAIL_ARCHITECT_DEBS", "/var/cache/mail-architect/debs"))
STAMP = ".unpacked"
LOCK = ".lock"
TIMEOUT = 120  # seconds, per apt-get or dpkg-deb run: a download on a slow link
# A dependency chain longer than this, or more packages than MAX_PACKAGES,
# means the package pulls in a distribution, not a few libraries.
MAX_DEPTH = 4
MAX_PACKAGES = 40
# Needed only by maintainer scripts, init systems or cron, never by a program
# run from the root; skipping them keeps the root small and unpacking quick.
NOT_AT_RUN_TIME = frozenset(
    {
        "adduser",
        "anacron",
        "cron",
        "cron-daemon",
        "debconf",
        "debconf-2.0",
        "init-system-helpers",
        "lsb-base",
        "sysvinit-utils",
        "systemd-sysv",
        "ucf",
    }
)
# Virtual packages that an installed MTA provides: a dependency on one of them
# is met by this system whatever the package says.
VIRTUAL_MET = frozenset({"mail-transport-agent", "default-mta"})
# dpkg's architecture names and their multiarch triplets, for machines
# without dpkg-architecture (it comes with dpkg-dev).
MULTIARCH = {
    "amd64": "x86_64-linux-gnu",
    "arm64": "aarch64-linux-gnu",
    "armel": "arm-linux-gnueabi",
    "armhf": "arm-linux-gnueabihf",
    "i386": "i386-linux-gnu",
    "mips64el": "mips64el-linux-gnuabi64",
    "ppc64el": "powerpc64le-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
    "s390x": "s390x-linux-gnu",
}


class UnpackError(RuntimeError):
    """A package could not be found, downloaded or unpacked.

    ``output`` holds what apt-get or dpkg-deb printed, so the message says
    exactly why (no network, an unknown name, a full disk).
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message + (f"\n{output.strip()}" if output.strip() else ""))
        self.output = output


@dataclass(frozen=True)
class _Dependency:
    """One alternative of a Depends field: name, and an optional (op, version)."""

    name: str
    op: str = ""
    version: str = ""


def unpacked(packages: Sequence[str], root: Path) -> Path:
    """Unpack ``packages`` and their missing dependencies into ``root``; return it.

    Each named package is unpacked whatever it conflicts with: that is the
    point. Its Depends and Pre-Depends are followed, up to MAX_DEPTH levels
    and MAX_PACKAGES packages, and a dependency is unpacked too unless the
    system already has it installed, it is virtual, it is only needed by
    maintainer scripts (NOT_AT_RUN_TIME), or it conflicts with something
    installed. A second call with packages already in the stamp does nothing.
    Raises UnpackError, with apt's output, when a package cannot be had.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = unpacked_versions(root)
        if all(name.split("/")[0] in done for name in packages):
            return root
        wanted = _resolve(packages)
        missing = {name: version for name, version in wanted.items() if done.get(name) != version}
        if missing:
            _download_and_extract(missing, root)
        done.update(wanted)
        # The stamp last: a run stopped half-way is redone, never half-trusted.
        (root / STAMP).write_text(
            "".join(f"{name} {version}\n" for name, version in sorted(done.items()))
        )
    return root


def unpacked_versions(root: Path) -> dict[str, str]:
    """The packages in ``root``'s stamp file, by name, with their versions."""
    stamp = Path(root) / STAMP
    if not stamp.exists():
        return {}
    out = {}
    for line in stamp.read_text().splitlines():
        name, _, version = line.partition(" ")
        if name:
            out[name] = version
    return out


def multiarch() -> str:
    """This machine's multiarch triplet, e.g. ``x86_64-linux-gnu``."""
    if shutil.which("dpkg-architecture"):
        result = _run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"])
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    result = _run(["dpkg", "--print-architecture"])
    arch = result.stdout.strip()
    if arch not in MULTIARCH:
        raise UnpackError(f"no multiarch triplet known for architecture {arch!r}", result.stderr)
    return MULTIARCH[arch]


def library_path(root: Path) -> str:
    """The LD_LIBRARY_PATH entries inside ``root`` that hold shared libraries.

    Debian puts libraries in ``lib/<triplet>`` and ``usr/lib/<triplet>``, a
    few in ``usr/lib`` and in a package's own folder under them (Exim's and
    sendmail's have none). Only directories that exist are named, so the
    value is exact; it is empty before anything is unpacked.
    """
    root = Path(root).resolve()
    triplet = multiarch()
    candidates = [
        root / "lib" / triplet,
        root / "usr" / "lib" / triplet,
        root / "lib",
        root / "usr" / "lib",
    ]
    # A directory counts when it holds a shared object itself: lib/ of most
    # packages holds only systemd units.
    return os.pathsep.join(str(p) for p in candidates if p.is_dir() and any(p.glob("*.so*")))


def environment(root: Path) -> dict[str, str]:
    """os.environ with ``LD_LIBRARY_PATH`` pointing into ``root`` first."""
    env = dict(os.environ)
    inherited = env.get("LD_LIBRARY_PATH")
    env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (library_path(root), inherited) if p)
    return env


# --------------------------------------------------------------------------
# Resolving what to unpack


def _resolve(packages: Sequence[str]) -> dict[str, str]:
    """Every package to unpack, by name, with the candidate version apt would fetch."""
    wanted: dict[str, str] = {}
    queue: list[tuple[str, int]] = [(name, 0) for name in packages]
    top = {name.split("/")[0] for name in packages}
    while queue:
        name, depth = queue.pop(0)
        name, _, suite = name.partition("/")
        if name in wanted:
            continue
        if suite:
            fields = _candidate_in_suite(name, suite)
            _from_suite[name] = suite
        else:
            fields = _candidate(name, updated=False)
        wanted[name] = fields["Version"]
        if len(wanted) > MAX_PACKAGES:
            raise UnpackError(
                f"{', '.join(packages)} need more than {MAX_PACKAGES} packages not installed "
                f"here: {', '.join(sorted(wanted))}"
            )
        if name not in top and _conflicts_with_system(fields):
            # Only reached for dependencies chosen by _pick, which checks this;
            # kept for safety so a conflicting library never shadows the system's.
            del wanted[name]
            continue
        if depth >= MAX_DEPTH:
            continue
        for group in _depends(fields):
            chosen = _pick(group)
            if chosen and chosen not in wanted:
                queue.append((chosen, depth + 1))
    return wanted


def _pick(group: list[_Dependency]) -> str | None:
    """The alternative of one Depends group to unpack, or None when none is needed."""
    if any(_installed_satisfies(dep) for dep in group):
        return None
    if any(dep.name in VIRTUAL_MET or dep.name in NOT_AT_RUN_TIME for dep in group):
        return None
    for dep in group:
        fields = _candidate(dep.name, updated=True, missing_ok=True)
        # No Version: a virtual package, which only another package provides.
        if not fields or "Version" not in fields:
            continue
        if _conflicts_with_system(fields):
            continue
        return dep.name
    return None


_installed_cache: dict[str, str | None] = {}


def _installed_version(name: str) -> str | None:
    """The installed version of ``name``, or None when dpkg does not have it installed."""
    if name not in _installed_cache:
        result = _run(["dpkg-query", "-W", "-f", "${Status}\t${Version}", name])
        status, _, version = result.stdout.partition("\t")
        ok = result.returncode == 0 and status.split()[-1:] == ["installed"]
        _installed_cache[name] = version if ok else None
    return _installed_cache[name]


def _installed_satisfies(dep: _Dependency) -> bool:
    version = _installed_version(dep.name)
    if version is None:
        return False
    if not dep.op:
        return True
    ops = {"=": "eq", ">=": "ge", "<=": "le", ">>": "gt", "<<": "lt", ">": "gt", "<": "lt"}
    result = _run(["dpkg", "--compare-versions", version, ops[dep.op], dep.version])
    return result.returncode == 0


def _conflicts_with_system(fields: dict[str, str]) -> bool:
    """Whether a package's Conflicts or Breaks name something installed here."""
    for key in ("Conflicts", "Breaks"):
        for group in _parse_relations(fields.get(key, "")):
            for dep in group:
                if dep.name in VIRTUAL_MET or _installed_satisfies(dep):
                    return True
    return False


_candidate_cache: dict[str, dict[str, str]] = {}
_updated = False


def _candidate(name: str, *, updated: bool, missing_ok: bool = False) -> dict[str, str]:
    """The control fields of the version apt would download for ``name``.

    An unknown name on a machine whose package lists were never fetched (a
    fresh CI machine) is retried once after ``apt-get update``; where the
    lists exist, an unknown name is an error at once.
    """
    global _updated
    if name in _candidate_cache:
        return _candidate_cache[name]
    result = _run(["apt-cache", "show", "--no-all-versions", name])
    if result.returncode != 0 and not _updated and not _have_package_lists():
        _updated = True
        update = _run(["apt-get", "update"], timeout=300)
        if update.returncode != 0:
            raise UnpackError("apt-get update failed", update.stdout + update.stderr)
        result = _run(["apt-cache", "show", "--no-all-versions", name])
    if result.returncode != 0 or not result.stdout.strip():
        if missing_ok:
            _candidate_cache[name] = {}
            return {}
        raise UnpackError(f"apt knows no package {name!r}", result.stdout + result.stderr)
    fields = _parse_control(result.stdout)
    _candidate_cache[name] = fields
    return fields


# Packages taken from a suite the system's sources lack, by name: the suite.
_from_suite: dict[str, str] = {}


def suite_options(suite: str) -> list[str]:
    """apt-get and apt-cache options for a private view of one suite of the system's mirror.

    The view's sources are the system's Debian sources for the suite's release
    (``bookworm`` for ``bookworm-backports``), with that suite in place of theirs;
    its lists live under ``CACHE/apt/SUITE``. The system's apt is never changed.
    """
    folder = CACHE / "apt" / suite
    (folder / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    release = suite.split("-")[0]
    stanzas = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text(errors="replace")):
            fields = dict(re.findall(r"^([\w-]+):\s*(.*)$", stanza, re.M))
            if (
                "deb" in fields.get("Types", "").split()
                and release in fields.get("Suites", "").split()
            ):
                fields["Types"], fields["Suites"] = "deb", suite
                stanzas.append("".join(f"{k}: {v}\n" for k, v in fields.items()))
    lines = []
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*.list")]:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                m = re.match(r"^deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)$", line.strip())
                if m and m[3] == release:
                    lines.append(f"deb {m[1] or ''}{m[2]} {suite} {m[4]}")
    if not stanzas and not lines:
        raise UnpackError(f"no Debian source for {release} in /etc/apt to take {suite} from")
    (folder / "view.list").write_text("".join(f"{line}\n" for line in lines))
    # apt reads one list file and one folder of parts: the list, and the folder holding
    # only the deb822 file.
    parts = folder / "parts"
    parts.mkdir(exist_ok=True)
    (parts / "view.sources").write_text("\n".join(stanzas))
    return [
        "-o",
        f"Dir::Etc::sourcelist={folder / 'view.list'}",
        "-o",
        f"Dir::Etc::sourceparts={parts}",
        "-o",
        f"Dir::State::Lists={folder / 'lists'}",
        "-o",
        "APT::Get::List-Cleanup=0",
    ]


def _candidate_in_suite(name: str, suite: str) -> dict[str, str]:
    """The control fields of ``name`` in ``suite``, fetched into the private view first."""
    options = suite_options(suite)
    update = _run(["apt-get", *options, "update"], timeout=300)
    if update.returncode != 0:
        raise UnpackError(f"apt-get update of {suite} failed", update.stdout + update.stderr)
    result = _run(["apt-cache", *options, "show", "--no-all-versions", name])
    if result.returncode != 0 or not result.stdout.strip():
        raise UnpackError(f"{suite} has no package {name!r}", result.stdout + result.stderr)
    return _parse_control(result.stdout)


def _have_package_lists() -> bool:
    """Whether apt has ever fetched its package lists (a fresh image has none)."""
    return any(Path("/var/lib/apt/lists").glob("*_Packages*"))


def _parse_control(text: str) -> dict[str, str]:
    """The first stanza of ``apt-cache show`` output, continuation lines joined."""
    fields: dict[str, str] = {}
    key = ""
    for line in text.split("\n\n", 1)[0].splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


_RELATION = re.compile(
    r"^(?P<name>[a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?"
    r"\s*(?:\(\s*(?P<op><<|<=|=|>=|>>|<|>)\s*(?P<version>[^)\s]+)\s*\))?"
)


def _parse_relations(value: str) -> list[list[_Dependency]]:
    """A Depends-style field: groups joined by ',', alternatives by '|'."""
    groups = []
    for part in value.split(","):
        alternatives = []
        for alt in part.split("|"):
            match = _RELATION.match(alt.strip())
            if match:
                alternatives.append(
                    _Dependency(match["name"], match["op"] or "", match["version"] or "")
                )
        if alternatives:
            groups.append(alternatives)
    return groups


def _depends(fields: dict[str, str]) -> list[list[_Dependency]]:
    return _parse_relations(fields.get("Pre-Depends", "")) + _parse_relations(
        fields.get("Depends", "")
    )


# --------------------------------------------------------------------------
# Downloading and extracting


def _download_and_extract(packages: dict[str, str], root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="debs-") as tmp:
        # apt drops to the _apt user to download; let it write here, or it
        # warns and downloads as root.
        os.chmod(tmp, 0o777)
        by_suite: dict[str, list[str]] = {}
        for name, version in sorted(packages.items()):
            by_suite.setdefault(_from_suite.get(name, ""), []).append(f"{name}={version}")
        for suite, pinned in by_suite.items():
            options = suite_options(suite) if suite else []
            result = _run(["apt-get", *options, "download", "-q", *pinned], cwd=tmp)
            if result.returncode != 0:
                raise UnpackError(
                    f"apt-get download {' '.join(pinned)} failed (exit {result.returncode})",
                    result.stdout + result.stderr,
                )
        for name in sorted(packages):
            debs = sorted(Path(tmp).glob(f"{name}_*.deb"))
            if not debs:
                raise UnpackError(f"apt-get download left no .deb for {name}", result.stdout)
            extract = _run(["dpkg-deb", "-x", str(debs[0]), str(root)])
            if extract.returncode != 0:
                raise UnpackError(f"dpkg-deb -x {debs[0].name} failed", extract.stderr)


def _run(args: list[str], *, cwd: str | None = None, timeout: int = TIMEOUT):
    try:
        return subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise UnpackError(f"{' '.join(args)} took longer than {timeout} s") from error
    except FileNotFoundError as error:
        raise UnpackError(f"{args[0]} is not installed (a Debian system is needed)") from error
