# shellcheck shell=bash
# Setup shared by bin/run and bin/test. Sourced, not run: it defines REPO, VENV and the
# functions require_system and ensure_venv, and puts the virtualenv first on PATH.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"

# postconf, postmap and friends live in sbin, which a non-root PATH often lacks.
export PATH="$VENV/bin:$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export VIRTUAL_ENV="$VENV"

# Fonts for the text that graphviz and chromium render; no program to look for, so a file.
DEJAVU_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

say() { printf '%s\n' "$*" >&2; }

# require_system CHECK:PACKAGE...
# CHECK is a program looked up on PATH, or an absolute path that must exist; PACKAGE is the
# Debian package that provides it. Installs what is missing when we are root and have
# apt-get; otherwise stops, naming each missing program and its package.
require_system() {
  local item check pkg
  local -a missing=() packages=()
  for item in "$@"; do
    check="${item%%:*}"
    pkg="${item#*:}"
    if [[ "$check" == /* ]]; then
      [[ -e "$check" ]] && continue
    else
      command -v "$check" >/dev/null 2>&1 && continue
    fi
    missing+=("$check (Debian package $pkg)")
    [[ " ${packages[*]} " == *" $pkg "* ]] || packages+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0

  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "Missing system programs:"
    printf '  %s\n' "${missing[@]}" >&2
    say "Install them with: sudo apt-get install --no-install-recommends ${packages[*]}"
    exit 1
  fi

  say "Installing system packages: ${packages[*]}"
  # Postfix must only be present for postconf/postmap: no mail system gets configured.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # Keep apt from starting the daemons (postfix, dovecot) it installs: we only need their tools.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  local rc=0
  {
    apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${packages[@]}" fonts-dejavu-core
  } >&2 || rc=$?
  [[ -n "$added_policy" ]] && rm -f "$policy"
  if ((rc != 0)); then
    say "apt-get failed (exit $rc) installing: ${packages[*]}"
    exit 1
  fi
}

# ensure_venv REQUIREMENTS_FILE
# Creates .venv with python3.11 if it is absent or broken, and installs REQUIREMENTS_FILE
# only when a requirements file changed since the last install (a hash stamp in .venv).
ensure_venv() {
  local requirements="$1" python
  if ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    python="$(command -v python3.11 || true)"
    if [[ -z "$python" ]]; then
      say "python3.11 is not on PATH. Install Python 3.11 and try again"
      say "(on Debian 12: apt-get install python3.11 python3.11-venv)."
      exit 1
    fi
    say "Creating $VENV with $python"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
  fi

  # One stamp: the hash of all requirements files and the file installed. A dev install
  # includes requirements.txt, so it serves bin/run too.
  local stamp="$VENV/.requirements.sha256" want have
  want="$(cd "$REPO" && cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [[ "$have" != "$want $requirements" && "$have" != "$want requirements-dev.txt" ]]; then
    say "Installing Python packages from $requirements"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REPO/$requirements"
    echo "$want $requirements" >"$stamp"
  fi
}
