"""Section 3 of the README: OpenDKIM, Postfix, sendmail (with saslauthd), Exim and OpenSMTPD."""

from __future__ import annotations

from collections.abc import Mapping

from ..deploy import SENDMAIL_CF, Install, exim_dkim_keys, opensmtpd_dkim_keys
from .markdown import code, copies, packages

_MTAS = ("postfix", "sendmail", "saslauthd", "exim", "opensmtpd", "opendkim")


def mta_steps(files: Mapping[str, str], steps: list[Install]) -> list[str]:
    """Section 3, from the bundle's install steps (``steps``, every program's).

    Grouped by program, whatever the hosts: every OpenDKIM host first, then each
    MTA's hosts (a sendmail host's saslauthd right after it), in the steps' order.
    """
    out = ["## 3. The mail transfer agents", ""]
    mtas = [i for i in steps if i.program in _MTAS]
    if not mtas:
        out += ["This bundle has no MTA files.", ""]
    for step in (s for s in mtas if s.program == "opendkim"):
        out += _opendkim_step(step)
    for step in (s for s in mtas if s.program == "postfix"):
        out += _postfix_step(step)
    for step in (s for s in mtas if s.program == "sendmail"):
        out += _sendmail_step(step)
        for sasl in (s for s in mtas if s.program == "saslauthd" and s.host == step.host):
            out += _saslauthd_step(sasl)
    for step in (s for s in mtas if s.program == "exim"):
        out += _exim_step(step, files)
    for step in (s for s in mtas if s.program == "opensmtpd"):
        out += _opensmtpd_step(step, files)
    return out


def _opendkim_step(step: Install) -> list[str]:
    """OpenDKIM on a Postfix or sendmail host: the private key, the files, the check."""
    out = [f"### DKIM signing (OpenDKIM) on {code(step.host)}", ""]
    out += packages(step)
    out += [
        "Put the private key you downloaded when you made the key where the KeyTable",
        "names it, readable by the opendkim user only, then copy the files:",
        "",
    ]
    out += copies(step)
    out += ["", "Check and apply:", "", "```sh", *step.accounts, *step.commands]
    out += [*step.apply, "```", ""]
    return out


def _postfix_step(step: Install) -> list[str]:
    """One Postfix host: the files, postconf before copying, the tables and the reload."""
    host = step.host
    out = [f"### Postfix on {code(host)}", ""]
    out += packages(step)
    out += ["Copy the files to the host:", ""]
    out += copies(step)
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
    return out


def _sendmail_step(step: Install) -> list[str]:
    """One sendmail host: the files, m4 and the tables, the restart."""
    out = [f"### sendmail on {code(step.host)}", ""]
    out += packages(step)
    out += ["Copy the files to the host:", ""]
    out += copies(step)
    out += ["", "Build the configuration and the tables, then restart:", "", "```sh"]
    out += [*step.commands, *step.apply, "```", ""]
    out += [
        f"`m4` must print no `*** ERROR` (on other systems {code(SENDMAIL_CF)} lives",
        "elsewhere: it is sendmail's `cf/m4/cf.m4`).",
        "",
    ]
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
    out += packages(step)
    out += ["Copy the files to the host:", ""]
    out += copies(step)
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


def _exim_step(step: Install, files: Mapping[str, str]) -> list[str]:
    """One Exim host: the package, its DKIM keys, the files, exim4 -bV and the reload."""
    host = step.host
    out = [f"### Exim on {code(host)}", ""]
    out += packages(step)
    out += [
        "Installing Exim removes Postfix (both are Debian's mail-transport-agent). Install",
        "it before restarting Dovecot on this host: dovecot.conf gives its sockets to",
        "group `Debian-exim`, which the package creates. `exim4.conf` is one file, not",
        "Debian's split configuration; its lookup files are read as they are, with no",
        "build step.",
        "",
    ]
    out += _exim_keys(step, exim_dkim_keys(files.get(f"exim/{host}/exim4.conf", "")))
    out += ["Copy the files to the host:", ""]
    out += copies(step)
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
    return out


def _exim_keys(step: Install, keys: list[str]) -> list[str]:
    """Where an Exim host's DKIM private keys go (Exim signs by itself); nothing without keys."""
    if not keys:
        return []
    return [
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


def _opensmtpd_step(step: Install, files: Mapping[str, str]) -> list[str]:
    """One OpenSMTPD host: backports, the package, its DKIM keys, the files, smtpd -n."""
    out = [f"### OpenSMTPD on {code(step.host)}", ""]
    out += [
        "Debian 12's own opensmtpd (6.8) cannot serve TLS: with OpenSSL 3 every",
        'STARTTLS and port-465 handshake fails ("missing private key"), so nobody could',
        "submit mail. Take 7.4 from `bookworm-backports`: add that suite to the apt",
        "sources as Debian's backports instructions say, run `apt-get update`, then",
        "install it by `NAME/SUITE` (`install.sh` does the same; it stops here when",
        "the suite is not in the sources).",
        "",
    ]
    out += packages(step)
    out += [
        "Installing OpenSMTPD removes Postfix (both are Debian's mail-transport-agent).",
        "Fill the password hashes in `passwords` (`smtpctl encrypt` reads a password",
        "on its input and prints the hash; use the same passwords as Dovecot's users)",
        "and the smarthost login in `secrets` if there is one; `smtpd -n` reads every",
        "table and the certificate, so it fails until they exist.",
        "",
    ]
    keys = opensmtpd_dkim_keys(files.get(f"opensmtpd/{step.host}/smtpd.conf", ""))
    out += _opensmtpd_keys(step, keys)
    out += ["Copy the files to the host (create `/etc/smtpd/` first):", ""]
    out += copies(step)
    out += ["", "Check and apply:", "", "```sh", *step.commands, *step.apply, "```", ""]
    return out


def _opensmtpd_keys(step: Install, keys: list[str]) -> list[str]:
    """Where an OpenSMTPD host's DKIM private keys go, for the dkimsign filter."""
    if not keys:
        return []
    return [
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
