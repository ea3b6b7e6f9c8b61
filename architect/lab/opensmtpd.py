"""OpenSMTPD hosts in the lab: Debian's package install, from the unpacked package.

``opensmtpd`` provides mail-transport-agent, like Postfix, so the lab cannot
install it: it unpacks it (:mod:`.packages`) and does on each OpenSMTPD host
what ``apt-get install opensmtpd/bookworm-backports`` would, then runs the
host's install.sh as for any other host. What that package (7.4.0p1, the
same as bookworm's 6.8.0p2 in all of this) gives, read from the package and
its postinst:

- ``/usr/sbin/smtpd`` and ``smtpctl`` (``sendmail``, ``newaliases`` and
  ``makemap`` are links to it); the helpers at the compiled-in
  ``/usr/libexec/opensmtpd`` (``mail.local``, ``mail.maildir``, ``mail.lmtp``,
  ``encrypt`` ...), so they must be at exactly that path;
- the system users ``opensmtpd`` (the daemon's processes) and ``opensmtpq``
  (the queue), each in a group of its name, both with the home
  ``/var/lib/opensmtpd/empty``, the empty folder the processes chroot to;
- ``smtpctl`` setgid ``opensmtpq`` (a dpkg-statoverride): the sendmail
  command writes to ``/var/spool/smtpd/offline`` through it;
- ``/var/spool/smtpd`` is not in the package: smtpd makes it and its queue
  folders with the owners and modes it checks at every start;
- ``opensmtpd-filter-dkimsign`` (bookworm's 0.5, with ``libopensmtpd0``):
  ``/usr/libexec/opensmtpd/filter-dkimsign`` and the system user and group
  ``_dkimsign`` its postinst creates, which the filter runs as;
- the unit runs ``/usr/sbin/smtpd`` (which reads ``/etc/smtpd.conf``) and has
  no reload: ``systemctl reload-or-restart opensmtpd`` restarts it.

The package's own ``/etc/smtpd.conf`` is a conffile: on a real host dpkg
knows its checksum, and install.sh replaces it as a file nobody has edited
(keeping it as ``.orig``). The lab has no dpkg record of it, so it leaves the
file out rather than make install.sh see a file of unknown origin.
"""

from __future__ import annotations

import re
import subprocess

from architect.core.exporters.opensmtpd import DKIM_PACKAGE, DKIM_USER, PACKAGE, SUITE

from . import packages
from .machine import Machine

# The package the install step names: bookworm-backports' (see exporters.opensmtpd.SUITE),
# and the DKIM filter with its library (bookworm's), unpacked into the same root.
PACKAGES = (f"{PACKAGE}/{SUITE}", DKIM_PACKAGE)
ROOT = packages.CACHE / f"{PACKAGE}-{SUITE}"
ENCRYPT = "usr/libexec/opensmtpd/encrypt"  # what `smtpctl encrypt` runs


def install(m: Machine) -> None:
    """What ``apt-get install opensmtpd`` does on Debian 12, on one lab machine."""
    m.sh(
        f"""set -e
cp -a --remove-destination {ROOT}/usr/. /usr/
install -d -m 0755 /var/lib/opensmtpd/empty
for name in opensmtpd opensmtpq; do
    getent group $name >/dev/null || groupadd --system $name
done
getent passwd opensmtpd >/dev/null || useradd --system -g opensmtpd \
    -d /var/lib/opensmtpd/empty -M -s /usr/sbin/nologin -c 'OpenSMTPD Daemon' opensmtpd
getent passwd opensmtpq >/dev/null || useradd --system -g opensmtpq \
    -d /var/lib/opensmtpd/empty -M -s /usr/sbin/nologin -c 'OpenSMTPD queue user' opensmtpq
chgrp opensmtpq /usr/sbin/smtpctl && chmod 2755 /usr/sbin/smtpctl
for name in sendmail newaliases makemap; do ln -sfn smtpctl /usr/sbin/$name; done
ln -sfn ../sbin/sendmail /usr/lib/sendmail
# opensmtpd-filter-dkimsign's postinst: the user its filter runs as.
getent group {DKIM_USER} >/dev/null || groupadd --system {DKIM_USER}
getent passwd {DKIM_USER} >/dev/null || useradd --system -g {DKIM_USER} \
    -d /nonexistent -M -s /usr/sbin/nologin -c 'OpenSMTPD DKIM signer' {DKIM_USER}
""",
        timeout=60,
    )


def encrypt(password: str) -> str:
    """The password's hash as ``smtpctl encrypt`` writes it (crypt(3); SHA-512 on Debian)."""
    done = subprocess.run(
        [str(ROOT / ENCRYPT)],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout.strip()


def fill(base: str, text: str, password_hash: str, relay: tuple[str, str]) -> str:
    """An OpenSMTPD table with what a person fills in: the login hashes, the relay login."""
    if base == "passwords":
        # Every test login has the lab's one password, as in Dovecot's users file.
        return re.sub(r"^#(\S+@\S+)\t\S+$", lambda m: f"{m[1]}\t{password_hash}", text, flags=re.M)
    if base == "secrets":
        user, password = relay
        return re.sub(
            r"^#(\S+)\tUSERNAME:PASSWORD$", lambda m: f"{m[1]}\t{user}:{password}", text, flags=re.M
        )
    return text


# The lab's systemctl stand-in for the opensmtpd unit (see world.SYSTEMCTL): smtpd has
# no pid file, and stops when its parent process gets SIGTERM, its children after it.
SYSTEMCTL_STOP = """stop_opensmtpd() {
    master=$(pgrep -o -x smtpd || true)  # the oldest smtpd: the parent of the others
    [ -n "$master" ] && kill "$master"
    i=0
    while pidof smtpd >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}"""
