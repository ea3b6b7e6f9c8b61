"""What the lab proves about a running design, one line per check.

Every check moves real mail, or tries to, through the lab's daemons and
judges by what a user would see: the SMTP replies, the mailbox files, the
internet sink's record, the hosts' logs. A check that fails carries what
shows why: the SMTP transcript, or the last lines of the log that matter.

The checks read their expectations from the plan (which hosts are MX, which
relay through whom, who may submit) and never from the generated files, so a
file that disagrees with the plan fails here.
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import dkim as dkimpy

from architect.core.exporters.install import SERVICES
from architect.core.plan import relayhost_name
from architect.core.trace import trace

from .clients import IMAP, POP3, SMTP, SMTPS, lookup, mx_hosts, tls_context
from .machine import INSIDE
from .world import (
    DNS4,
    OUTSIDE_DOMAIN,
    STRANGER4,
    Host,
    Lab,
    dkim_key_files,
)

WAIT = 10.0  # seconds a message may take to arrive before a check gives up (1 s is usual)
MAILBOX_DIRS = ("var/mail", "var/vmail", "home", "root", "var/spool/mail")


@dataclass(frozen=True)
class Result:
    ok: bool
    name: str
    detail: str = ""

    def line(self) -> str:
        if self.ok:
            return f"ok {self.name}"
        detail = "\n    ".join(self.detail.strip().splitlines()[-25:])
        return f"FAIL {self.name}" + (f"\n    {detail}" if detail else "")


class Failure(Exception):
    """A check's verdict, with what shows why."""


def _poll(fn: Callable[[], object], timeout: float = WAIT, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class Checks:
    """The checks of one lab; ``run`` yields a Result as each one ends."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.plan = lab.plan
        self.tls = tls_context(lab.ca_pem)
        self.internet = lab.internet

    # ------------------------------------------------------------------
    # Helpers

    def message(self, sender: str, rcpt: str, tag: str) -> tuple[str, str]:
        msgid = f"<lab-{tag}-{secrets.token_hex(6)}@{OUTSIDE_DOMAIN}>"
        text = (
            f"From: {sender}\r\nTo: {rcpt}\r\nSubject: lab check {tag}\r\n"
            f"Date: {formatdate()}\r\nMessage-ID: {msgid}\r\n\r\n"
            f"A message of the Mail Architect lab ({tag}).\r\n"
        )
        return msgid, text

    def address_of(self, name: str) -> str:
        host = self.lab.hosts.get(name)
        if host is not None:
            return host.addresses[0]
        provider = self.lab.provider_addresses.get(name)
        if provider is not None:
            return provider
        raise Failure(f"{name} is neither a lab host nor a provider")

    def smtp(self, name: str, port: int, *, source: str = STRANGER4) -> SMTP:
        client = SMTP(self.internet, source=source)
        client._host = name  # what STARTTLS sends as the server name (SNI)
        try:
            client.connect(self.address_of(name), port)
            client.ehlo("client.internet.test")
        except (OSError, smtplib.SMTPException) as exc:
            raise Failure(f"cannot talk SMTP to {name}:{port}: {exc}\n" + _t(client)) from exc
        return client

    def send(
        self, client: SMTP, sender: str, rcpts: list[str], tag: str
    ) -> tuple[str, dict[str, tuple[int, str]]]:
        """MAIL, RCPT for each, DATA when any was accepted; (Message-ID, replies by rcpt)."""
        msgid, text = self.message(sender, rcpts[0], tag)
        code, reply = client.mail(sender)
        if code != 250:
            raise Failure(f"MAIL FROM:<{sender}> refused\n" + _t(client))
        replies = {}
        for r in rcpts:
            # docmd, not rcpt(): smtplib would rewrite a source route or a quoted
            # local part, and the point is to send them exactly.
            code, reply = client.docmd(f"RCPT TO:<{r}>")
            replies[r] = (code, reply.decode("utf-8", "replace"))
        if any(c in (250, 251) for c, _ in replies.values()):
            code, reply = client.data(text.encode())
            if code != 250:
                raise Failure("DATA refused\n" + _t(client))
        else:
            client.rset()
        return msgid, replies

    def delivered(self, msgid: str) -> tuple[str, Path, bytes] | None:
        """(host, file, its bytes) of a mailbox file holding the message, if any.

        The bytes are read at once: an IMAP login may move the file (new/ to cur/).
        """
        needle = msgid.encode()
        for host in self.lab.hosts.values():
            for top in MAILBOX_DIRS:
                base = host.machine.folder / top
                if not base.is_dir():
                    continue
                for path in base.rglob("*"):
                    if (
                        path.is_file()
                        and "spool/postfix" not in str(path)
                        and not path.name.startswith("dovecot")  # indexes, not mail
                    ):
                        try:
                            data = path.read_bytes()
                            if needle in data:
                                return host.name, path, data
                        except OSError:
                            continue
        return None

    def at_sink(self, msgid: str) -> dict | None:
        for record in self.lab.sink_messages():
            if msgid in record["data"]:
                return record
        return None

    def logs_about(self, needle: str) -> str:
        out = []
        for name in self.lab.hosts:
            out += [f"{name}: {line}" for line in self.lab.log(name).splitlines() if needle in line]
        return "\n".join(out[-20:])

    def queue_ids(self, msgid: str) -> str:
        """Log lines of the queue ids that carried a message, on every host.

        Postfix logs ``QUEUEID: message-id=<...>``, sendmail ``QUEUEID: ... msgid=<...>``;
        every later line of those queue ids says what became of it.
        """
        lines = []
        for name in self.lab.hosts:
            log = self.lab.log(name)
            found = re.findall(r"\]: (\w{6,}): .*(?:message-id|msgid)=" + re.escape(msgid), log)
            ids = set(found)
            lines += [f"{name}: {ln}" for ln in log.splitlines() if any(i in ln for i in ids)]
        return "\n".join(lines[-20:])

    # ------------------------------------------------------------------
    # The checks

    def run(self) -> Iterator[Result]:
        for check in (
            self.check_inbound,
            self.check_unknown_recipients,
            self.check_postmaster_and_root,
            self.check_no_relay_from_internet,
            self.check_submission,
            self.check_local_sendmail,
            self.check_devices,
            self.check_backup_mx,
            self.check_no_backscatter,
            self.check_dkim,
            self.check_web,
            self.check_install_again,
        ):
            yield from check()

    def _one(self, name: str, fn: Callable[[], str | None]) -> Result:
        try:
            extra = fn()
        except Failure as exc:
            return Result(False, name, str(exc))
        except Exception as exc:  # noqa: BLE001 - a check that breaks is a failed check
            return Result(False, name, f"{type(exc).__name__}: {exc}")
        return Result(True, name + (f" ({extra})" if extra else ""))

    # -- inbound ----------------------------------------------------------

    def users(self, domain: str) -> list[str]:
        d = self.lab.design.domain(domain)
        source = self.lab.design.domain(d.alias_of) if d.alias_of else d
        return list(source.users)

    def check_inbound(self) -> Iterator[Result]:
        for d in self.plan.domains:
            if not d.receives_mail:
                yield self._one(f"null MX published for {d.name}", lambda d=d: self._null_mx(d))
                continue
            users = self.users(d.name)
            if not users:
                continue
            rcpt = f"{users[0]}@{d.name}"
            yield self._one(
                f"mail from the internet to {rcpt} reaches its mailbox",
                lambda r=rcpt: self._inbound(r),
            )

    def _null_mx(self, d) -> str:
        live = mx_hosts(self.internet, DNS4, d.name)
        if live != [(0, "")]:
            raise Failure(f"DNS answers MX {live} for {d.name}, not the null MX 0 .")
        return "MX 0 ."

    def _mx(self, domain: str) -> list[tuple[int, str]]:
        live = mx_hosts(self.internet, DNS4, domain)
        planned = sorted(
            (m.preference, m.host) for d, ms in self.plan.mx if d == domain for m in ms
        )
        if live != planned:
            raise Failure(f"DNS answers MX {live} for {domain}; the plan says {planned}")
        if not live:
            raise Failure(f"no MX for {domain} in DNS")
        return live

    def _from_internet(self, rcpt: str, tag: str):
        """Send to ``rcpt`` through the MX DNS names; (MX, Message-ID, where it landed).

        Where it landed is None when the MX is a provider's (the sink got it), else the
        (host, file, bytes) of the mailbox file that holds it.
        """
        domain = rcpt.split("@", 1)[1]
        mx = self._mx(domain)[0][1]
        client = self.smtp(mx, 25)
        msgid, replies = self.send(client, f"tester@{OUTSIDE_DOMAIN}", [rcpt], tag)
        client.quit()
        code, reply = replies[rcpt]
        if code != 250:
            raise Failure(f"{mx} refused RCPT {rcpt}: {code} {reply}\n" + _t(client))
        if mx not in self.lab.hosts:
            if not _poll(lambda: self.at_sink(msgid)):
                raise Failure(f"the provider host {mx} did not get the message")
            return mx, msgid, None
        found = _poll(lambda: self.delivered(msgid))
        if not found:
            raise Failure(f"not in any mailbox after {WAIT:.0f} s\n" + self.queue_ids(msgid))
        return mx, msgid, found

    def _inbound(self, rcpt: str) -> str:
        mx, msgid, found = self._from_internet(rcpt, "inbound")
        if found is None:
            return f"at the provider's MX {mx}"
        host, _path, data = found
        self._readable(rcpt, msgid, host)
        self._hops(rcpt, msgid, data)
        return f"via {mx} to {host}"

    def _readable(self, rcpt: str, msgid: str, host: str) -> None:
        """Read the message back over IMAP or POP3 where the plan offers it."""
        roles = set(self.lab.hosts[host].plan.roles)
        domain = rcpt.split("@", 1)[1]
        alias = self.lab.design.domain(domain).alias_of
        login = f"{rcpt.split('@')[0]}@{alias or domain}"
        address = self.address_of(host)
        if "imap" in roles:
            imap = IMAP(self.internet, address, self.tls)
            try:
                imap.login(login, self.lab.password)
                imap.select("INBOX")
                status, data = imap.search(None, "HEADER", "Message-ID", msgid)
                if status != "OK" or not data[0].split():
                    raise Failure(f"IMAP on {host}: {login} does not see the message")
            except imaplib_error as exc:
                raise Failure(f"IMAP on {host} as {login}: {exc}") from exc
            finally:
                try:
                    imap.logout()
                except Exception:  # noqa: BLE001 - the verdict is already made
                    pass
        elif "pop3" in roles:
            pop = POP3(self.internet, address, self.tls)
            try:
                pop.user(login)
                pop.pass_(self.lab.password)
                if pop.stat()[0] < 1:
                    raise Failure(f"POP3 on {host}: {login} has no message")
            finally:
                pop.quit()

    def _hops(self, rcpt: str, msgid: str, data: bytes) -> None:
        """The Received headers name the hosts the trace walks through, in its order."""
        msg = email.message_from_bytes(_one_message(data, msgid))
        received = [h for h in msg.get_all("Received", [])]
        by = [
            m.group(1).lower()
            for h in reversed(received)
            if (m := re.search(r"\bby\s+([\w.-]+)", h))
        ]
        hosts_in_mail = [h for h in dict.fromkeys(by) if h in self.lab.hosts]
        t = trace(self.plan, "internet", rcpt)
        planned = [h.target for h in t.hops if h.target in self.lab.hosts]
        planned = list(dict.fromkeys(planned))
        if planned and hosts_in_mail != planned:
            raise Failure(
                f"the message went {' -> '.join(hosts_in_mail) or '(no host)'}; "
                f"the trace says {' -> '.join(planned)}"
            )

    # -- refusals ---------------------------------------------------------

    def internet_listeners(self) -> list[Host]:
        return [
            h
            for h in self.lab.hosts.values()
            if any(s.port == 25 and "internet" in s.open_to for s in h.plan.listens)
        ]

    def check_unknown_recipients(self) -> Iterator[Result]:
        for host in self.internet_listeners():
            domains = sorted(set(host.plan.final_domains) | set(host.plan.relay_domains))
            for domain in domains:
                rcpt = f"nosuchuser-{secrets.token_hex(3)}@{domain}"
                yield self._one(
                    f"{host.name} refuses the unknown {rcpt.split('-')[0]}@{domain} at RCPT",
                    lambda h=host, r=rcpt: self._refused(h.name, [r]),
                )

    def _refused(self, name: str, rcpts: list[str], port: int = 25) -> str:
        client = self.smtp(name, port)
        msgid, replies = self.send(client, f"tester@{OUTSIDE_DOMAIN}", rcpts, "refuse")
        client.quit()
        accepted = [f"{r}: {c} {t}" for r, (c, t) in replies.items() if c < 400]
        if accepted:
            raise Failure("accepted:\n" + "\n".join(accepted) + "\n" + _t(client))
        return ", ".join(sorted({str(c) for c, _ in replies.values()}))

    def check_postmaster_and_root(self) -> Iterator[Result]:
        for d in self.plan.domains:
            if not d.receives_mail:
                continue
            for local in ("postmaster", "root"):
                rcpt = f"{local}@{d.name}"
                yield self._one(f"{rcpt} reaches a mailbox", lambda r=rcpt: self._any_mailbox(r))

    def _any_mailbox(self, rcpt: str) -> str:
        mx, _msgid, found = self._from_internet(rcpt, "postmaster")
        if found is None:
            return f"at the provider's MX {mx}"
        host, path, _data = found
        return f"{host}:{'/' + str(path.relative_to(self.lab.hosts[host].machine.folder))}"

    def check_no_relay_from_internet(self) -> Iterator[Result]:
        outside = f"someone@{OUTSIDE_DOMAIN}"
        for host in self.internet_listeners():
            domain = (list(host.plan.final_domains) + list(host.plan.relay_domains) or [host.name])[
                0
            ]
            tries = [
                outside,
                f"someone%{OUTSIDE_DOMAIN}@{domain}",
                f"@{host.name}:{outside}",
                f'"someone@{OUTSIDE_DOMAIN}"@{domain}',
            ]
            yield self._one(
                f"{host.name} refuses to relay from the internet "
                "(plain, %-hack, source route, quoted)",
                lambda h=host, r=tries: self._refused(h.name, r),
            )

    # -- submission -------------------------------------------------------

    def submitters(self) -> list[tuple[Host, str]]:
        """(host, a login with its domain) for each host that takes submission."""
        out = []
        for host in self.lab.hosts.values():
            if "submission" not in host.plan.roles:
                continue
            for d in self.plan.domains:
                users = self.users(d.name)
                if users and not self.lab.design.domain(d.name).alias_of:
                    out.append((host, f"{users[0]}@{d.name}"))
                    break
        return out

    def check_submission(self) -> Iterator[Result]:
        for host, login in self.submitters():
            yield self._one(
                f"{host.name}:587 refuses MAIL before STARTTLS and relay without AUTH",
                lambda h=host, u=login: self._submission_closed(h, u),
            )
            for port in (587, 465):
                yield self._one(
                    f"{host.name}:{port} takes authenticated mail from {login} and sends it out",
                    lambda h=host, u=login, p=port: self._submit(h, u, p),
                )
            yield self._one(
                f"{host.name}:587 refuses {login} sending as another address",
                lambda h=host, u=login: self._impersonate(h, u),
            )

    def _submission_closed(self, host: Host, login: str) -> str:
        client = self.smtp(host.name, 587, source="198.18.1.2")
        if client.has_extn("auth"):
            raise Failure("AUTH is offered before TLS\n" + _t(client))
        code, _ = client.mail(login)
        if code < 400:
            raise Failure("MAIL accepted before STARTTLS\n" + _t(client))
        client.rset()
        client.starttls(context=self.tls)
        client.ehlo("client.internet.test")
        code, _ = client.mail(login)
        code, _ = client.rcpt(f"someone@{OUTSIDE_DOMAIN}")
        client.quit()
        if code < 400:
            raise Failure("relay without AUTH accepted after STARTTLS\n" + _t(client))
        return None

    def _submit(self, host: Host, login: str, port: int) -> str:
        if port == 465:
            client = SMTPS(self.internet, self.tls, source="198.18.1.2")
            client.connect(host.addresses[0], 465)
            client.ehlo("client.internet.test")
        else:
            client = self.smtp(host.name, 587, source="198.18.1.2")
            client.starttls(context=self.tls)
            client.ehlo("client.internet.test")
        try:
            client.login(login, self.lab.password)
        except smtplib.SMTPException as exc:
            raise Failure(f"AUTH as {login} failed: {exc}\n" + _t(client)) from exc
        rcpt = f"someone@{OUTSIDE_DOMAIN}"
        msgid, replies = self.send(client, login, [rcpt], f"submit{port}")
        client.quit()
        if replies[rcpt][0] != 250:
            raise Failure(f"RCPT {rcpt} refused after AUTH\n" + _t(client))
        return self._left_by_plan(host.name, msgid)

    def _impersonate(self, host: Host, login: str) -> str | None:
        client = self.smtp(host.name, 587, source="198.18.1.2")
        client.starttls(context=self.tls)
        client.ehlo("client.internet.test")
        client.login(login, self.lab.password)
        domain = login.split("@", 1)[1]
        # An address that exists and belongs to another login (postmaster's), and one
        # nobody has: an MTA may refuse the second for not existing (sendmail with a
        # virtusertable does) while it lets the first through.
        others = [f"ceo-{secrets.token_hex(2)}@{domain}"]
        if login != f"postmaster@{domain}":
            others.insert(0, f"postmaster@{domain}")
        for other in others:
            code, _ = client.mail(other)
            if code < 400:
                code, _ = client.rcpt(f"someone@{OUTSIDE_DOMAIN}")
            if code < 400:
                client.quit()
                raise Failure(f"{login} may send as {other}\n" + _t(client))
            client.rset()
        client.quit()
        return None

    def exit_of(self, name: str) -> tuple[str, bool]:
        """(the name mail from ``name`` reaches the internet from, via a provider?)."""
        seen = set()
        while name in self.lab.hosts and name not in seen:
            seen.add(name)
            relayhost = self.lab.hosts[name].plan.relayhost
            if not relayhost:
                return name, False
            name = relayhost_name(relayhost)
        return name, name in self.lab.provider_addresses

    def _left_by_plan(self, name: str, msgid: str) -> str:
        record = _poll(lambda: self.at_sink(msgid))
        if not record:
            raise Failure(
                f"did not reach the internet within {WAIT:.0f} s\n" + self.queue_ids(msgid)
            )
        exit_name, provider = self.exit_of(name)
        if provider:
            want = self.lab.provider_addresses[exit_name]
            if record["address"] != want:
                raise Failure(
                    f"reached {record['address']}, not the smarthost {exit_name} ({want})"
                )
            if not record["tls"] or record["auth"] != self.lab.relay_login[0]:
                raise Failure(
                    f"the smarthost got it with TLS={record['tls']}, AUTH={record['auth']}"
                )
            return f"through the smarthost {exit_name} with TLS and AUTH"
        addresses = self.lab.hosts[exit_name].addresses
        if record["peer"] not in addresses:
            raise Failure(f"left from {record['peer']}, not from the outbound host {exit_name}")
        return f"out through {exit_name}" + (" with TLS" if record["tls"] else "")

    def check_local_sendmail(self) -> Iterator[Result]:
        for host in self.lab.hosts.values():
            if host.plan.mta == "none":
                continue
            yield self._one(
                f"the sendmail command on {host.name} reaches the internet by the planned route",
                lambda h=host: self._local(h),
            )

    def _local(self, host: Host) -> str:
        rcpt = f"someone@{OUTSIDE_DOMAIN}"
        # As cron writes it: an unqualified sender, which the MTA completes with its origin.
        msgid, text = self.message("root", rcpt, "local")
        done = host.machine.run(
            ["/usr/sbin/sendmail", "-i", rcpt], input=text.replace("\r\n", "\n"), check=False
        )
        if done.returncode != 0:
            raise Failure(f"sendmail exited {done.returncode}: {done.stderr.strip()}")
        return self._left_by_plan(host.name, msgid)

    def check_devices(self) -> Iterator[Result]:
        for c in self.plan.clients:
            if c.send_protocol != "smtp" or c.send_auth or c.send_via not in self.lab.hosts:
                continue
            source = self.lab.client_addresses[c.name]
            yield self._one(
                f"{c.name} ({source}) relays through {c.send_via}:{c.send_port} without a password",
                lambda c=c, s=source: self._device(c, s),
            )

    def _device(self, c, source: str) -> str:
        client = self.smtp(c.send_via, c.send_port or 25, source=source)
        rcpt = f"someone@{OUTSIDE_DOMAIN}"
        msgid, replies = self.send(client, f"scanner@{c.domain}", [rcpt], "device")
        client.quit()
        if replies[rcpt][0] != 250:
            raise Failure(f"refused: {replies[rcpt]}\n" + _t(client))
        return self._left_by_plan(c.send_via, msgid)

    def check_backup_mx(self) -> Iterator[Result]:
        for domain, records in self.plan.mx:
            names = [r.host for r in sorted(records, key=lambda r: r.preference)]
            backups = [
                n
                for n in names[1:]
                if n in self.lab.hosts and "backup-mx" in self.lab.hosts[n].plan.roles
            ]
            users = self.users(domain)
            if not backups or not users or names[0] not in self.lab.hosts:
                continue
            rcpt = f"{users[0]}@{domain}"
            yield self._one(
                f"{backups[0]} queues mail for {domain} while {names[0]} is down, then delivers it",
                lambda p=names[0], b=backups[0], r=rcpt: self._backup(p, b, r),
            )

    def _backup(self, primary: str, backup: str, rcpt: str) -> str:
        p = self.lab.hosts[primary].machine
        b = self.lab.hosts[backup].machine
        unit = SERVICES[self.lab.hosts[primary].plan.mta]
        p.run(["systemctl", "stop", unit])
        try:
            client = self.smtp(backup, 25)
            msgid, replies = self.send(client, f"tester@{OUTSIDE_DOMAIN}", [rcpt], "backup")
            client.quit()
            if replies[rcpt][0] != 250:
                raise Failure(f"{backup} refused {rcpt}: {replies[rcpt]}\n" + _t(client))
            queued = _poll(lambda: self._queued(b, msgid), timeout=5)
            if not queued:
                raise Failure(
                    f"{backup} did not keep the message in its queue\n" + self.queue_ids(msgid)
                )
        finally:
            p.daemon(["systemctl", "start", unit])
        # Flush the queue now rather than wait for the next retry (minutes).
        flush = {
            "postfix": ["postqueue", "-f"],
            "exim": ["exim4", "-qff"],
            "opensmtpd": ["smtpctl", "schedule", "all"],
        }
        command = flush.get(self.lab.hosts[backup].plan.mta, ["sendmail", "-q"])
        b.run(command)
        if self.lab.hosts[backup].plan.mta == "opensmtpd":
            # smtpctl schedules only envelopes that wait: one still being tried (smtpd
            # gives up on a dead MX only after its connection attempts) is rescheduled
            # by the next call, so flush again every 2 s until it has gone.
            last = [time.monotonic()]

            def flushed():
                found = self.delivered(msgid)
                if not found and time.monotonic() - last[0] > 2:
                    b.run(command, check=False)
                    last[0] = time.monotonic()
                return found

            found = _poll(flushed, timeout=30)
        else:
            found = _poll(lambda: self.delivered(msgid), timeout=30)
        if not found:
            raise Failure(f"not delivered once {primary} was back\n" + self.queue_ids(msgid))
        return f"delivered to {found[0]}"

    def _queued(self, machine, msgid: str) -> bool:
        queues = " ".join(
            [f"/var/spool/postfix/{q}" for q in ("incoming", "active", "deferred")]
            + ["/var/spool/exim4/input", "/var/spool/mqueue", "/var/spool/smtpd/queue"]
        )
        done = machine.run(["sh", "-c", f"grep -rlF '{msgid}' {queues}"], check=False)
        return bool(done.stdout.strip())

    def check_no_backscatter(self) -> Iterator[Result]:
        def none() -> str:
            time.sleep(1)  # let any bounce of the checks above get out
            bounces = [r for r in self.lab.sink_messages() if r["mail_from"] in ("", "<>")]
            if bounces:
                lines = [f"from {b['peer']} to {b['rcpt_tos']}" for b in bounces]
                raise Failure("bounces reached the internet:\n" + "\n".join(lines))
            return None

        yield self._one("no bounce reached the internet (no backscatter)", none)

    def check_dkim(self) -> Iterator[Result]:
        signed = {d for h in self.plan.hosts for d in h.dkim_signs}
        for domain in sorted(signed):
            yield self._one(
                f"mail from {domain} reaches the internet with a DKIM signature that verifies "
                "(d= aligned with From)",
                lambda d=domain: self._dkim(d),
            )
        # What cron and scripts send: From root, no domain, which the host qualifies.
        for h in self.plan.hosts:
            origin = h.origin or h.name.split(".", 1)[1]
            if h.name in self.lab.hosts and origin in h.dkim_signs:
                # OpenSMTPD cannot masquerade: it qualifies with its server name (the
                # host's own), signed for the origin, which DMARC's relaxed alignment
                # (the bundle's) accepts as the same organisational domain.
                written = h.name if h.mta == "opensmtpd" else origin
                yield self._one(
                    f"mail that root sends on {h.name} with no domain (cron) leaves as "
                    f"root@{written} with a DKIM signature that verifies"
                    + (f" (d={origin}, relaxed alignment)" if written != origin else ""),
                    lambda h=h, o=origin, w=written: self._dkim(
                        o, signer=h, sender="root", from_domain=w
                    ),
                )

    def _dkim(self, domain: str, signer=None, sender: str = "", from_domain: str = "") -> str:
        """Send as the domain from a host that signs it; the copy at the sink must verify.

        ``from_domain``: the From domain expected instead of ``domain`` itself, a
        subdomain of it (DMARC's relaxed alignment).
        """
        signer = signer or next(h for h in self.plan.hosts if domain in h.dkim_signs)
        # postmaster exists in every domain with mailboxes: an MTA may refuse a local
        # sender address that does not (sendmail with a virtusertable does).
        sender, rcpt = sender or f"postmaster@{domain}", f"someone@{OUTSIDE_DOMAIN}"
        msgid, text = self.message(sender, rcpt, "dkim")
        # A bare local name is sent as a program sends it: no -f, the envelope is the
        # caller's (root), and the MTA qualifies both with the host's origin.
        envelope = ["-f", sender] if "@" in sender else []
        done = self.lab.hosts[signer.name].machine.run(
            ["/usr/sbin/sendmail", "-i", *envelope, rcpt],
            input=text.replace("\r\n", "\n"),
            check=False,
        )
        if done.returncode != 0:
            raise Failure(f"sendmail on {signer.name} exited {done.returncode}: {done.stderr}")
        record = _poll(lambda: self.at_sink(msgid))
        if not record:
            raise Failure(
                f"did not reach the internet within {WAIT:.0f} s\n" + self.queue_ids(msgid)
            )

        def txt(name, timeout=5):
            values = lookup(self.internet, DNS4, name.decode().rstrip("."), "TXT")
            return "".join(v.replace('" "', "").strip('"') for v in values[:1]).encode()

        data = record["data"].encode()
        header = email.message_from_bytes(data).get("DKIM-Signature", "")
        tags = dict(
            part.split("=", 1) for part in re.sub(r"\s+", "", header).split(";") if "=" in part
        )
        if not tags:
            raise Failure(f"no DKIM-Signature on the copy that left {signer.name}")
        if tags.get("d", "").lower() != domain:
            raise Failure(f"signed for d={tags.get('d')}, not {domain}: DMARC would fail")
        # DMARC aligns d= with the From the receiver reads, whatever the sender wrote.
        written = email.utils.parseaddr(email.message_from_bytes(data).get("From", ""))[1]
        if from_domain not in ("", domain) and not from_domain.endswith(f".{domain}"):
            raise Failure(f"From {from_domain} is not within d={domain}: DMARC would fail")
        if written.rpartition("@")[2].lower() != (from_domain or domain):
            raise Failure(f"signed for {domain}, but From: {written} arrived: DMARC would fail")
        if not dkimpy.verify(data, dnsfunc=txt):
            raise Failure(f"the signature (s={tags.get('s')}) does not verify against DNS")
        # And as OpenDKIM's own tool sees it, on the signer: the private key there (where
        # its configuration names it, OpenDKIM's or Exim's) matches the record its
        # resolver (the lab's named) finds.
        selector = self.lab.design.domain(domain).dkim_selector
        key = dkim_key_files(self.lab.files, signer).get(domain, "")
        machine = self.lab.hosts[signer.name].machine
        # opendkim-testkey resolves with libunbound from the root unless told a server:
        # its own small config names the lab's (the deployed opendkim.conf is untouched).
        (machine.folder / "testkey.conf").write_text(f"Nameservers {DNS4}\n")
        test = machine.run(
            [
                "opendkim-testkey",
                "-x",
                f"{INSIDE}/testkey.conf",
                "-d",
                domain,
                "-s",
                selector,
                "-k",
                key,
                "-vvv",
            ],
            check=False,
        )
        if test.returncode != 0 or "key OK" not in test.stdout + test.stderr:
            raise Failure("opendkim-testkey: " + (test.stdout + test.stderr).strip())
        return f"signed on {signer.name}, s={tags.get('s')}; opendkim-testkey: key OK"

    def check_web(self) -> Iterator[Result]:
        web = self.plan.web
        if web is None or web.host not in self.lab.hosts:
            return
        paths = {"mta-sts": "/.well-known/mta-sts.txt", "autoconfig": "/mail/config-v1.1.xml"}
        for n in web.names:
            source = {
                "mta-sts": f"mta-sts/{n.domain}/mta-sts.txt",
                "autoconfig": f"autoconfig/{n.domain}/config-v1.1.xml",
            }[n.serves]
            if source not in self.lab.files:
                continue
            yield self._one(
                f"https://{n.name}{paths[n.serves]} serves the exported file over verified TLS",
                lambda n=n, p=paths[n.serves], f=source: self._https(n.name, p, f),
            )

    def _https(self, name: str, path: str, source: str) -> str:
        """GET the file from the internet, by the name DNS gives, checking the certificate."""
        # As a resolver does: follow CNAMEs (the lab's named, authoritative only, answers
        # each zone on its own).
        target, addresses = name, []
        for _ in range(8):
            addresses = lookup(self.internet, DNS4, target, "A")
            aliases = lookup(self.internet, DNS4, target, "CNAME")
            if addresses or not aliases:
                break
            target = aliases[0].rstrip(".")
        if not addresses:
            raise Failure(f"{name} has no address in DNS")
        context = ssl.create_default_context(cadata=self.lab.ca_pem)  # names checked too
        sock = self.internet.connect(addresses[0], 443, source=STRANGER4)
        with context.wrap_socket(sock, server_hostname=name) as tls:
            tls.sendall(
                f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode()
            )
            raw = b""
            while chunk := tls.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode("latin-1")
        if " 200 " not in status + " ":
            raise Failure(f"{name}{path}: {status}")
        if body != self.lab.files[source].encode():
            raise Failure(f"{name}{path} is not the exported {source}")
        kind = re.search(rb"(?im)^content-type:\s*([^\r;]+)", head)
        return f"from {addresses[0]}, {kind.group(1).decode() if kind else 'no content type'}"

    def check_install_again(self) -> Iterator[Result]:
        for host in self.lab.hosts.values():
            yield self._one(
                f"hosts/{host.name}/install.sh run again changes nothing",
                lambda h=host: self._install_again(h),
            )

    def _install_again(self, host: Host) -> None:
        m = host.machine
        before = _tree_sums(m.folder, ("etc", "usr/local"))
        script = f"{INSIDE}/bundle/hosts/{host.name}/install.sh"
        said = m.daemon(["sh", script, "--skip-packages"], timeout=120, log="install.log")
        after = _tree_sums(m.folder, ("etc", "usr/local"))
        if "nothing changed on" not in said:
            raise Failure("the second run did something:\n" + said)
        changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
        if changed:
            raise Failure("the second run changed " + ", ".join(changed))


def _tree_sums(root: Path, tops: tuple[str, ...]) -> dict[str, str]:
    """{path: sha256} of the files under some folders of a machine's overlays."""
    out = {}
    for top in tops:
        base = root / top
        for path in base.rglob("*") if base.is_dir() else ():
            if path.is_file():
                out["/" + str(path.relative_to(root))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return out


imaplib_error = IMAP.error


def _one_message(data: bytes, msgid: str) -> bytes:
    """The message with ``msgid`` out of a Maildir file or an mbox of many."""
    chunks = re.split(rb"(?m)^From .*\n", data)
    for chunk in chunks:
        if msgid.encode() in chunk:
            return chunk
    return data


def _t(client: SMTP) -> str:
    return "\n".join(client.transcript[-14:])
