"""Everything a page shows about one design document, worked out lazily from its plan.

Pages, htmx partials and file downloads read the same ``Analysis``: the design (through
``core.design.load``), its plan, the export bundle, and the explanations, DNS tables, config
files and client settings assembled from them. Nothing here decides anything about mail: it
only arranges what the planner and the exporters said.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from architect.core import design as core_design
from architect.core import plan as plan_model
from architect.core import plan_text
from architect.core.explain import explain, sentence
from architect.core.exporters import bundle as make_bundle
from architect.core.plan import DnsRecord, Plan
from architect.core.planner import plan as make_plan

log = logging.getLogger(__name__)

# Bounds on what one page shows, so that a design at the size limits (docs/design-file.md)
# still renders in bounded time and size. Everything beyond them is in the downloads.
LARGE_HOSTS = 40  # above this, config files and zone text stay in the downloads
SHOWN_ITEMS = 200  # list items per part, rows per DNS zone, clients per kind, hosts explained
SHOWN_EXPLANATIONS = 60  # lines per section of "How mail moves here"
SHOWN_FINDINGS = 100
# Zones shown on the page, each with its records; a design of a thousand domains lists the
# rest by count (their zone files are in the bundle). Without this bound the DNS section of
# a design at the limits was 16 MB of HTML.
SHOWN_ZONES = 20

# Designs loaded and planned lately, kept in this process by the digest of their document:
# the pages and files of one design are asked for one after the other (the designer, then
# plan.json, the diagram, export.zip), and a design at the limits takes about a second to
# load and another to plan. Bounded by the size of the documents kept: one at the limits
# (5 MB of canonical JSON) holds about 55 MB as a loaded design and its plan.
KEPT_DOCUMENT_BYTES = 6_000_000
KEPT_DESIGNS = 8

SEVERITY_WORDS = {"error": ("error", "errors"), "warning": ("warning", "warnings")}
SEVERITY_WORDS["info"] = ("note", "notes")

# Files of a host's configuration folder, in words.
FILE_EXPLANATIONS = {
    "main.cf": "Postfix's main settings: the host's name, the domains it accepts, who may "
    "relay through it and where it sends mail. Install as /etc/postfix/main.cf.",
    "master.cf": "Which Postfix services run and on which ports (25 for other servers, 587 "
    "and 465 for your own people). Install as /etc/postfix/master.cf.",
    "virtual": "A Postfix lookup table of addresses and where they go. Install in "
    "/etc/postfix/ and run postmap on it.",
    "vmailbox": "A Postfix lookup table of the mailboxes this host stores. Install in "
    "/etc/postfix/ and run postmap on it.",
    "transport": "A Postfix lookup table saying which host each domain is passed on to. "
    "Install in /etc/postfix/ and run postmap on it.",
    "relay_recipients": "A Postfix lookup table of the addresses that exist behind this "
    "host, so it refuses unknown ones instead of bouncing them later (backscatter).",
    "sasl_passwd": "The user name and password for the smarthost: fill in the marked "
    "placeholder, keep the file private (chmod 600) and run postmap on it.",
    "sendmail.mc": "sendmail's configuration source: build sendmail.cf from it with m4.",
    "access": "sendmail's access table: which networks may relay through this host. Build "
    "it with makemap.",
    "local-host-names": "The names sendmail delivers locally. Install as "
    "/etc/mail/local-host-names.",
    "users": "Dovecot's list of mail users: fill in the marked password placeholders.",
    "dovecot.conf": "Dovecot's settings: the IMAP or POP3 listeners, where mailboxes are kept "
    "and how mail is handed over (LMTP).",
}
# Exim and OpenSMTPD tables share some names with Postfix's: their own words first.
FILE_EXPLANATIONS.update(
    {
        "exim/exim4.conf": "Exim's whole configuration in one file: the domains it accepts, "
        "who may relay, the routers and transports, submission logins. Install as "
        "/etc/exim4/exim4.conf.",
        "exim/virtual": "An Exim lookup file of addresses and where they go. Install in "
        "/etc/exim4/; read as it is.",
        "exim/vmailbox": "An Exim lookup file of the mailboxes this host stores. Install in "
        "/etc/exim4/; read as it is.",
        "exim/relay_recipients": "An Exim lookup file of the addresses that exist behind this "
        "host, so it refuses unknown ones instead of bouncing them later (backscatter).",
        "exim/sender_logins": "An Exim lookup file: which login may send as which address.",
        "exim/passwd.client": "The user name and password for the smarthost: fill in the "
        "marked placeholder and keep the file private.",
        "opensmtpd/smtpd.conf": "OpenSMTPD's configuration: listeners, actions and the match "
        "rules that say which mail is accepted. Install as /etc/smtpd.conf.",
        "opensmtpd/virtuals": "An OpenSMTPD table of the addresses that exist and where they go.",
        "opensmtpd/relay_recipients": "An OpenSMTPD table of the addresses that exist behind "
        "this host, so it refuses unknown ones instead of bouncing them later.",
        "opensmtpd/passwords": "The submission logins and their password hashes: fill them "
        "in with smtpctl encrypt.",
        "opensmtpd/secrets": "The user name and password for the smarthost: fill in the "
        "marked placeholder and keep the file private.",
    }
)
PROGRAMS = {
    "postfix": "Postfix",
    "sendmail": "sendmail",
    "exim": "Exim",
    "opensmtpd": "OpenSMTPD",
    "dovecot": "Dovecot",
}


def count_words(errors: int, warnings: int, notes: int) -> str:
    """ "1 error, 3 warnings, 2 notes"."""
    words = [SEVERITY_WORDS[s] for s in ("error", "warning", "info")]
    counts = (errors, warnings, notes)
    return ", ".join(
        f"{n} {one if n == 1 else many}" for n, (one, many) in zip(counts, words, strict=True)
    )


@dataclass
class Explanation:
    text: str
    learn: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str
    items: list[Explanation] = field(default_factory=list)
    more: int = 0


@dataclass
class DnsRow:
    record: DnsRecord
    name: str  # relative to the zone: "@" for the apex
    priority: str = ""
    weight: str = ""
    port: str = ""
    value: str = ""


@dataclass
class Zone:
    name: str
    rows: list[DnsRow]
    text: str | None  # dns/<zone>.zone from the bundle
    url: str = ""
    more: int = 0


@dataclass
class BundleFile:
    path: str
    name: str
    text: str
    explanation: str
    slug: str
    url: str = ""


@dataclass
class HostFiles:
    host: str
    roles: tuple[str, ...]
    programs: list[tuple[str, list[BundleFile]]]


@dataclass
class ClientRow:
    name: str
    kind: str
    count: int
    domain: str
    send: str
    send_server: str
    send_port: str
    send_security: str
    read: str
    read_server: str
    read_port: str
    read_security: str
    username: str


def canonical_json(document: Any) -> str:
    """The document in a canonical form: sorted keys, no spaces."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def document_digest(document: Any) -> str:
    """The SHA-256 of a document in its canonical form (``canonical_json``).

    A design, its share link and an example with the same content have the same digest.
    """
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


@dataclass
class _Loaded:
    design: core_design.Design | None
    problems: list[core_design.Problem]
    plan: Plan | None
    size: int


class _Kept:
    """The loaded designs and plans of recent documents, by digest (least recent out)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Loaded] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> _Loaded | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, digest: str, entry: _Loaded) -> None:
        if entry.size > KEPT_DOCUMENT_BYTES:
            return
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            total = sum(e.size for e in self._entries.values())
            while len(self._entries) > KEPT_DESIGNS or total > KEPT_DOCUMENT_BYTES:
                _, dropped = self._entries.popitem(last=False)
                total -= dropped.size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


kept = _Kept()


def remember(document: Any, design: core_design.Design, plan: Plan | None = None) -> None:
    """Keep an already loaded (and maybe planned) design of ``document`` for later views.

    ``Design.commit`` has both in hand after a save: the designer page that follows it
    needs neither to load nor to plan again.
    """
    canonical = canonical_json(document)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    kept.put(digest, _Loaded(design, [], plan, len(canonical)))


class Analysis:
    """One design document and everything derived from it, computed on first use."""

    def __init__(self, document: Any, file_url: Callable[[str], str] | None = None) -> None:
        self.document = document
        self._file_url = file_url or (lambda path: "")

    # -- the design and its plan -------------------------------------------------

    @cached_property
    def _canonical_size(self) -> tuple[str, int]:
        canonical = canonical_json(self.document)
        return hashlib.sha256(canonical.encode()).hexdigest(), len(canonical)

    @property
    def digest(self) -> str:
        """The document's digest (``document_digest``), worked out once."""
        return self._canonical_size[0]

    @property
    def size(self) -> int:
        """The length of the document's canonical JSON, a measure of the work it takes."""
        return self._canonical_size[1]

    @cached_property
    def _loaded(self) -> _Loaded:
        entry = kept.get(self.digest)
        if entry is None:
            try:
                entry = _Loaded(core_design.load(self.document), [], None, self.size)
            except core_design.DesignError as exc:
                entry = _Loaded(None, list(exc.problems), None, self.size)
            kept.put(self.digest, entry)
        return entry

    @property
    def problems(self) -> list[core_design.Problem]:
        """Why the stored document is not a valid design (empty when it is)."""
        return self._loaded.problems

    @property
    def design(self) -> core_design.Design:
        """The loaded design; raises ``DesignError`` when the document is not valid."""
        loaded = self._loaded
        if loaded.design is None:
            raise core_design.DesignError(loaded.problems)
        return loaded.design

    @property
    def ok(self) -> bool:
        return not self.problems

    @cached_property
    def plan(self) -> Plan:
        loaded = self._loaded
        if loaded.plan is None:
            # Entries are shared between threads: a plan worked out twice at once is the
            # same plan, and the last one kept wins.
            loaded.plan = make_plan(self.design)
        return loaded.plan

    @cached_property
    def design_json(self) -> str:
        if self.ok:
            return core_design.dumps(self.design)
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"

    @cached_property
    def plan_text(self) -> str:
        return plan_text.to_text(self.plan)

    @cached_property
    def plan_json(self) -> str:
        return plan_model.dumps(self.plan)

    @cached_property
    def _bundle(self) -> tuple[dict[str, str], str | None]:
        try:
            return make_bundle(self.design, self.plan), None
        except Exception:
            # An exporter bug must not take the page down; the plan is still shown.
            log.exception("the export bundle of %r failed", self.design.name)
            return {}, "The configuration files could not be written for this design."

    @property
    def files(self) -> dict[str, str]:
        return self._bundle[0]

    @property
    def files_error(self) -> str | None:
        return self._bundle[1]

    # -- findings -------------------------------------------------------------------

    @cached_property
    def counts(self) -> dict[str, int]:
        findings = self.plan.findings
        return {
            "errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "notes": sum(f.severity == "info" for f in findings),
        }

    @property
    def findings_shown(self) -> tuple:
        return self.plan.findings[:SHOWN_FINDINGS]

    @property
    def findings_more(self) -> int:
        return max(0, len(self.plan.findings) - SHOWN_FINDINGS)

    @cached_property
    def senders(self) -> list[str]:
        """Who a trace may start from: the internet and each client (bounded)."""
        return ["internet"] + [c.name for c in self.plan.clients[:SHOWN_ITEMS]]

    @cached_property
    def findings_summary(self) -> str:
        return count_words(self.counts["errors"], self.counts["warnings"], self.counts["notes"])

    # -- "How mail moves here" ----------------------------------------------------

    @cached_property
    def sections(self) -> list[Section]:
        """ "How mail moves here": core.explain's sections, capped for the page."""
        out = []
        for part in explain(self.plan):
            section = Section(part.key, part.title, part.intro)
            section.items = [Explanation(p.text, p.learn) for p in part.points[:SHOWN_EXPLANATIONS]]
            section.more = max(0, len(part.points) - SHOWN_EXPLANATIONS)
            out.append(section)
        return out

    @cached_property
    def host_reasons(self) -> list[tuple[str, tuple[str, ...], list[Explanation]]]:
        """Per host: its roles, and why it has each of them."""
        return [
            (
                h.name,
                h.roles,
                [
                    Explanation(f"{r.subject.replace('_', ' ')}: {sentence(r.why)}", r.learn)
                    for r in h.reasons
                ],
            )
            for h in self.plan.hosts[:SHOWN_ITEMS]
        ]

    # -- DNS -----------------------------------------------------------------------

    @cached_property
    def zones(self) -> list[Zone]:
        by_zone: dict[str, list[DnsRow]] = {}
        # Required records first, as a DNS provider's form is filled in: then by name.
        rank = {level: i for i, level in enumerate(plan_model.LEVELS)}
        records = sorted(self.plan.dns, key=lambda r: (rank.get(r.level, 9), r.name, r.type))
        for record in records:
            if record.zone is None:
                continue
            by_zone.setdefault(record.zone, []).append(_dns_row(record, record.zone))
        out = []
        for name, rows in list(by_zone.items())[:SHOWN_ZONES]:
            path = f"dns/{name}.zone"
            text = None if self.large else self.files.get(path)
            url = self._file_url(path) if text is not None or self.large else ""
            more = max(0, len(rows) - SHOWN_ITEMS)
            out.append(Zone(name, rows[:SHOWN_ITEMS], text, url, more))
        return out

    @cached_property
    def zones_more(self) -> tuple[int, int]:
        """The zones the page leaves out (beyond SHOWN_ZONES), and their records."""
        shown = {zone.name for zone in self.zones}
        left = [r for r in self.plan.dns if r.zone is not None and r.zone not in shown]
        return len({r.zone for r in left}), len(left)

    @cached_property
    def elsewhere(self) -> list[DnsRow]:
        """Records outside the design's zones (PTR): asked of whoever holds the addresses."""
        return [_dns_row(r, None) for r in self.plan.dns if r.zone is None][:SHOWN_ITEMS]

    # -- files ---------------------------------------------------------------------

    @cached_property
    def large(self) -> bool:
        """Too many hosts to put every file on the page: they stay in the downloads."""
        return len(self.design.hosts) > LARGE_HOSTS

    @cached_property
    def host_files(self) -> list[HostFiles]:
        """The configuration files of each host, MTA first, then Dovecot."""
        if self.large:
            return []
        grouped: dict[str, dict[str, list[BundleFile]]] = {}
        for path, text in self.files.items():
            parts = path.split("/")
            if len(parts) >= 3 and parts[0] in PROGRAMS:
                programs = grouped.setdefault(parts[1], {})
                programs.setdefault(parts[0], []).append(self._bundle_file(path, text))
        order = list(PROGRAMS)
        out = []
        for host, programs in sorted(grouped.items()):
            roles = self.plan.host(host).roles if self.plan.has_host(host) else ()
            ordered = sorted(programs.items(), key=lambda kv: order.index(kv[0]))
            out.append(HostFiles(host, roles, [(PROGRAMS[k], files) for k, files in ordered]))
        return out

    @cached_property
    def all_files(self) -> list[BundleFile]:
        if self.large:
            return []
        return [self._bundle_file(path, text) for path, text in self.files.items()]

    def _bundle_file(self, path: str, text: str) -> BundleFile:
        name = path.rsplit("/", 1)[-1]
        program = path.split("/", 1)[0]
        explanation = (
            FILE_EXPLANATIONS.get(f"{program}/{name}")
            or (FILE_EXPLANATIONS.get(name) if program not in ("exim", "opensmtpd") else None)
            or _describe(path)
            or ""
        )
        slug = "file-" + "".join(ch if ch.isalnum() else "-" for ch in path)
        return BundleFile(path, name, text, explanation, slug, self._file_url(path))

    # -- client settings --------------------------------------------------------------

    @cached_property
    def clients_by_kind(self) -> list[tuple[str, list[ClientRow]]]:
        plan = self.plan
        kinds: dict[str, list[ClientRow]] = {}
        for c in plan.clients:
            if len(kinds.get(c.kind, ())) >= SHOWN_ITEMS:
                continue
            kinds.setdefault(c.kind, []).append(
                ClientRow(
                    name=c.name,
                    kind=c.kind,
                    count=c.count,
                    domain=c.domain,
                    send=_protocol_words(c.send_protocol) if c.send_via else "cannot send",
                    send_server=_server(plan, c.send_via),
                    send_port=str(c.send_port or ""),
                    send_security=_security(c.send_security, c.send_auth),
                    read=_protocol_words(c.read_protocol) if c.read_via else "does not read",
                    read_server=_server(plan, c.read_via),
                    read_port=str(c.read_port or ""),
                    read_security=c.read_security or "",
                    username=c.username or "",
                )
            )
        order = {k: i for i, k in enumerate(core_design.CLIENT_KINDS)}
        return sorted(kinds.items(), key=lambda kv: order.get(kv[0], 99))


KIND_TITLES = {
    "desktop": "Desktop mail programs",
    "mobile": "Phones and tablets",
    "webmail": "Webmail",
    "terminal": "Mail readers on a shell host",
    "application": "Programs that send mail",
    "device": "Printers, scanners and appliances",
}


def _describe(path: str) -> str | None:
    try:
        from architect.core.exporters.readme import describe
    except ImportError:
        return None
    text = describe(path)
    return text[:1].upper() + text[1:] + "." if text else None


def _relative(name: str, zone: str | None) -> str:
    if zone is None:
        return name
    apex = zone + "."
    if name == apex:
        return "@"
    if name.endswith("." + apex):
        return name[: -len(apex) - 1]
    return name


def _dns_row(record: DnsRecord, zone: str | None) -> DnsRow:
    row = DnsRow(record, _relative(record.name, zone), value=record.value)
    fields = record.value.split()
    if record.type == "MX" and len(fields) == 2:
        row.priority, row.value = fields
    elif record.type == "SRV" and len(fields) == 4:
        row.priority, row.weight, row.port, row.value = fields
    return row


def _server(plan: Plan, via: str | None) -> str:
    if not via:
        return ""
    provider = plan.provider(via)
    return provider.host if provider else via


def _protocol_words(protocol: str | None) -> str:
    return {
        "submission": "SMTP submission",
        "submissions": "SMTP submission over TLS",
        "smtp": "SMTP",
        "sendmail-command": "the sendmail command",
        "imap": "IMAP",
        "pop3": "POP3",
        "local": "local mailbox",
        "https": "web browser",
    }.get(protocol or "", protocol or "")


def _security(security: str | None, auth: bool) -> str:
    words = security or ""
    if auth:
        words = f"{words}, password" if words else "password"
    return words
