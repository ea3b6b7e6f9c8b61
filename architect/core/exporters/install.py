"""``hosts/<host>/install.sh``: one command that puts a host's files in place.

The script is written from the same install steps (:mod:`.deploy`) that the
README shows by hand, and the lab runs it on every lab host, so the script
is proven on real daemons. Per host it installs the Debian packages, creates
the system accounts, copies each file to its path with its mode, runs the
build and check commands, and reloads the daemons.

What it promises a person:

- ``--dry-run`` prints what it would do and changes nothing;
- a second run changes nothing (files already in place are left alone, and
  nothing is rebuilt or reloaded when no file changed);
- it never overwrites a file it did not write: it keeps a list of the files
  it installed with their SHA-256 in ``/var/lib/mail-architect/installed``,
  and a file that is not in it (or was edited since) is kept unless
  ``--force`` is given, and then saved as ``FILE.orig`` first. A file exactly
  as its Debian package left it (an unchanged conffile, a file ucf keeps the
  sum of, Postfix's master.cf from ``master.cf.dist``) holds nobody's
  settings: it is replaced on a first install, and kept as ``FILE.orig`` too.

Every name in the script comes from the plan (host names, paths the
exporters chose), and each is single-quoted for the shell all the same.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping

from ..design import Design
from ..plan import Plan
from . import Exporter, register
from .deploy import Install, installs

# What reloads each daemon, started or not: systemd's reload-or-restart.
SERVICES = {
    "postfix": "postfix",
    "dovecot": "dovecot",
    "sendmail": "sendmail",
    "opendkim": "opendkim",
    "exim": "exim4",
    "opensmtpd": "opensmtpd",
    "nginx": "nginx",
    "saslauthd": "saslauthd",
}
# Daemons that read their options only when they start: restarted, never reloaded.
# saslauthd takes them on its command line from /etc/default/saslauthd; under systemd
# its unit (made from Debian's init script) also stays "active" after the package's
# first start did nothing (START was not yes), so reload-or-restart would only reload.
RESTARTED = ("saslauthd",)


@register
class InstallScripts(Exporter):
    """``hosts/<host>/install.sh`` for each host with files of its own."""

    name = "install"
    needs_bundle = True

    def files(
        self, design: Design, plan: Plan, bundle: Mapping[str, str] | None = None
    ) -> Iterable[tuple[str, str]]:
        by_host: dict[str, list[Install]] = {}
        for step in installs(bundle or {}):
            by_host.setdefault(step.host, []).append(step)
        for host, steps in sorted(by_host.items()):
            yield f"hosts/{host}/install.sh", script(host, steps)


def q(text: str) -> str:
    """One shell word."""
    return shlex.quote(text)


_HEAD = r"""#!/bin/sh
# Install the mail configuration of @HOST@, as Mail Architect planned it.
# Run as root from anywhere: sh hosts/@HOST@/install.sh [--dry-run] [--force]
#   --dry-run        say what would be done, change nothing
#   --force          replace files this script did not write (kept as FILE.orig)
#   --skip-packages  do not install Debian packages (they are already there)
set -eu

HOST=@QHOST@
BUNDLE=$(cd "$(dirname "$0")/../.." && pwd)
STATE=/var/lib/mail-architect
LIST="$STATE/installed"
DRY_RUN=0
FORCE=0
SKIP_PACKAGES=0
CHANGED=0
REFUSED=0

for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        --force) FORCE=1 ;;
        --skip-packages) SKIP_PACKAGES=1 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
    esac
done

if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "run this as root (or with --dry-run)" >&2
    exit 2
fi
if [ "$DRY_RUN" = 0 ] && [ "$(hostname -f 2>/dev/null || hostname)" != "$HOST" ]; then
    echo "note: this machine calls itself $(hostname), not $HOST" >&2
fi

# run COMMAND...: do it, or with --dry-run only say it.
run() {
    if [ "$DRY_RUN" = 1 ]; then
        echo "would run: $*"
    else
        echo "+ $*"
        "$@"
    fi
}

# ours FILE: true when this script wrote FILE and nobody has changed it since.
ours() {
    [ -f "$LIST" ] || return 1
    sum=$(sha256sum "$1" | cut -d' ' -f1)
    grep -qxF "$sum  $1" "$LIST"
}

# pristine FILE: true when FILE is as a Debian package left it (an unchanged conffile,
# a file ucf installed, Postfix's master.cf as postinst copies it): nobody's settings.
pristine() {
    sum=$(md5sum "$1" | cut -d' ' -f1)
    dpkg-query -W -f='${Conffiles}\n' 2>/dev/null | grep -qF " $1 $sum" && return 0
    [ -f /var/lib/ucf/hashfile ] && grep -qxF "$sum  $1" /var/lib/ucf/hashfile && return 0
    for dist in /usr/share/postfix/master.cf.dist /usr/share/postfix/main.cf.dist; do
        [ -f "$dist" ] && cmp -s "$1" "$dist" && return 0
    done
    return 1
}

# place SOURCE TARGET MODE GROUP: copy one file of the bundle to its place.
place() {
    if [ -f "$2" ] && cmp -s "$BUNDLE/$1" "$2"; then
        echo "unchanged: $2"
        return 0
    fi
    if [ -e "$2" ] && pristine "$2" && ! ours "$2"; then
        run cp -p "$2" "$2.orig"
    elif [ -e "$2" ] && ! ours "$2"; then
        if [ "$FORCE" = 0 ]; then
            echo "refusing to replace $2: this script did not write it" \
                "(--force replaces it and keeps it as $2.orig)" >&2
            REFUSED=1
            return 0
        fi
        run cp -p "$2" "$2.orig"
    fi
    run install -D -m "$3" -g "$4" "$BUNDLE/$1" "$2"
    if [ "$DRY_RUN" = 0 ]; then
        mkdir -p "$STATE"
        touch "$LIST"
        grep -vF "  $2" "$LIST" > "$LIST.new" || true
        sha256sum "$2" >> "$LIST.new"
        mv "$LIST.new" "$LIST"
    fi
    CHANGED=1
}

# need PACKAGE...: install the packages that are missing.
need() {
    [ "$SKIP_PACKAGES" = 1 ] && return 0
    missing=""
    for p in "$@"; do
        # NAME/SUITE (a package from backports) is installed under its NAME.
        dpkg-query -W -f='${Status}' "${p%%/*}" 2>/dev/null | grep -q 'ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    # shellcheck disable=SC2086 # one word per package
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
}
"""


def script(host: str, steps: list[Install]) -> str:
    """The install script of one host, for its install steps in order."""
    out = [_HEAD.replace("@QHOST@", q(host)).replace("@HOST@", host).rstrip("\n"), ""]
    packages = [p for s in steps for p in s.packages]
    if packages:
        out += ["# Packages", "need " + " ".join(q(p) for p in dict.fromkeys(packages)), ""]
    accounts = [a for s in steps for a in s.accounts]
    if accounts:
        out += ["# System accounts the files name (each line does nothing when it exists)"]
        out += [f"run sh -c {q(a)}" for a in accounts]
        out.append("")
    out.append("# Files")
    for s in steps:
        for c in s.copies:
            out.append(f"place {q(c.source)} {q(c.target)} {q(c.mode)} {q(c.group)}")
    out += [
        "",
        'if [ "$REFUSED" = 1 ]; then',
        '    echo "nothing was built or reloaded: resolve the refusals above first" >&2',
        "    exit 1",
        "fi",
        'if [ "$CHANGED" = 0 ]; then',
        '    echo "nothing changed on $HOST"',
        "    exit 0",
        "fi",
        "",
    ]
    for s in (s for s in steps if s.commands):
        out.append(f"# {s.program}: build the tables and check the configuration")
        out += [f"run sh -c {q(c)}" for c in s.commands]
    out += ["", "# Apply: reload each daemon, or start it the first time"]
    for program in dict.fromkeys(s.program for s in steps):
        how = "restart" if program in RESTARTED else "reload-or-restart"
        out.append(f"run systemctl {how} {q(SERVICES[program])}")
    out += [
        'if [ "$DRY_RUN" = 1 ]; then echo "dry run: nothing was changed on $HOST"; '
        'else echo "installed on $HOST"; fi',
        "",
    ]
    return "\n".join(out)
