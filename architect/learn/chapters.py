"""The tutorial's chapters, in reading order, and the glossary's terms.

A chapter's text lives in ``templates/learn/chapters/<slug>.html``; this
module says what the page around it needs: the title and summary for the
index, the example designs whose live diagrams it shows (and which messages
it traces through them), and the RFCs it relies on. The section anchors that
plans link to are fixed in ``architect.core.learn.CHAPTERS``; a chapter may
add sections of its own but never drop one of those.
"""

from __future__ import annotations

from dataclasses import dataclass

from architect import examples

RFC_TITLES: dict[int, str] = {
    1912: "Common DNS Operational and Configuration Errors",
    1939: "Post Office Protocol, Version 3",
    2033: "Local Mail Transfer Protocol",
    2181: "Clarifications to the DNS Specification",
    3207: "SMTP Service Extension for Secure SMTP over Transport Layer Security",
    3464: "An Extensible Message Format for Delivery Status Notifications",
    4954: "SMTP Service Extension for Authentication",
    5068: "Email Submission Operations: Access and Accountability Requirements",
    5321: "Simple Mail Transfer Protocol",
    5322: "Internet Message Format",
    5598: "Internet Mail Architecture",
    6186: "Use of SRV Records for Locating Email Submission/Access Services",
    6376: "DomainKeys Identified Mail (DKIM) Signatures",
    6409: "Message Submission for Mail",
    6698: "The DNS-Based Authentication of Named Entities (DANE) TLSA Protocol",
    7208: "Sender Policy Framework (SPF), Version 1",
    7489: "Domain-based Message Authentication, Reporting, and Conformance (DMARC)",
    7505: 'A "Null MX" No Service Resource Record for Domains That Accept No Mail',
    7672: "SMTP Security via Opportunistic DANE TLS",
    8314: "Cleartext Considered Obsolete: Use of TLS for Email Submission and Access",
    8460: "SMTP TLS Reporting",
    8461: "SMTP MTA Strict Transport Security (MTA-STS)",
    8601: "Message Header Field for Indicating Message Authentication Status",
    9051: "Internet Message Access Protocol (IMAP), Version 4rev2",
}


@dataclass(frozen=True)
class Rfc:
    number: int
    title: str

    @property
    def url(self) -> str:
        return f"https://www.rfc-editor.org/rfc/rfc{self.number}"

    @property
    def name(self) -> str:
        return f"RFC {self.number}"


@dataclass(frozen=True)
class Figure:
    """A live diagram of one example design, optionally with one message traced through it.

    ``key`` names the figure in its chapter's template (``figures.<key>``);
    ``caption`` tells the reader what to look at.
    """

    key: str  # a template variable name: letters, digits and underscores
    example: str
    caption: str
    sender: str | None = None  # a client of the example, or "internet"
    recipient: str | None = None

    @property
    def traced(self) -> bool:
        return self.sender is not None and self.recipient is not None


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    summary: str
    figures: tuple[Figure, ...]
    rfc_numbers: tuple[int, ...]

    @property
    def template(self) -> str:
        return f"learn/chapters/{self.slug}.html"

    @property
    def examples(self) -> tuple[str, ...]:
        """The example designs this chapter draws, each once, in order of appearance."""
        return tuple(dict.fromkeys(f.example for f in self.figures))

    @property
    def rfcs(self) -> tuple[Rfc, ...]:
        return tuple(Rfc(n, RFC_TITLES[n]) for n in self.rfc_numbers)


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        "journey",
        "The journey of a message",
        "From the person who writes a message to the person who reads it: the five stages, "
        "and the programs that do each one.",
        (
            Figure(
                "leaving",
                "solo-server",
                "A message leaving. Follow the numbered hops: a laptop hands the message to "
                "its own server by submission on port 587 (1), and that server looks up the "
                "recipient's MX and hands it over on port 25 (2). Everything not on this "
                "message's path is faded.",
                "laptops",
                "friend@example.net",
            ),
            Figure(
                "arriving",
                "solo-server",
                "A message arriving at the same server. The sender's MTA found "
                "mail.example.org in the MX record of example.org (1); the server keeps it and "
                "files it in the mailbox store (2). The dotted lines are reading, which happens "
                "later, whenever the person opens their mail program.",
                "internet",
                "alice@example.org",
            ),
        ),
        (5598, 5321, 5322, 6409, 9051, 1939),
    ),
    Chapter(
        "injection",
        "Injection: handing over a new message",
        "How a new message enters the mail system: the local sendmail command, "
        "authenticated submission on 587 and 465, and devices that cannot log in.",
        (
            Figure(
                "local",
                "timesharing",
                "Injection without a network. A terminal mail reader on the shell host runs "
                "the sendmail command (1); the MTA on the same machine takes the message and, "
                "because the recipient is local, files it straight into /var/mail (2).",
                "mail-readers",
                "bob@example.edu",
            ),
            Figure(
                "device",
                "department-hub",
                "Three ways in, on one diagram. Dashed orange lines are injection: the "
                "terminal users and the build server use the sendmail command on their own "
                "hosts, desktops and laptops submit on 587 with a password, and the printers, "
                "which cannot log in, hand mail to the hub on port 25 from a trusted internal "
                "network. The numbers follow a printer's scan to a colleague.",
                "printers",
                "alice@cs.example.edu",
            ),
        ),
        (6409, 8314, 4954, 3207, 5068, 5321),
    ),
    Chapter(
        "transport",
        "Transport: from server to server",
        "SMTP between MTAs: who takes responsibility when, queues and retries, the envelope, "
        "MX records, relaying through several hops, and smarthosts.",
        (
            Figure(
                "outward",
                "department-hub",
                "A message travelling through three programs. A user on the shell host hands "
                "it to the local MTA (1); that host is a null client, so it passes everything "
                "to the hub (2); the hub looks up the recipient's MX and delivers across the "
                "internet (3). Each arrow is one hand-over of responsibility.",
                "mutt-users",
                "friend@example.net",
            ),
            Figure(
                "inward",
                "dmz-gateway",
                "Inbound through a gateway. Senders find gw.example.com in the MX record (1); "
                "the gateway does not store mail but relays it to the inside server (2), which "
                "delivers it into the mailbox store (3). The inside server is never reached "
                "from the internet directly.",
                "internet",
                "alice@example.com",
            ),
            Figure(
                "smarthost",
                "smarthost",
                "Port 25 blocked. The server receives directly, but outgoing mail goes to the "
                "provider's relay on port 587 with a password (2), and the provider delivers "
                "it (3).",
                "family-laptops",
                "friend@example.com",
            ),
        ),
        (5321, 5322, 7505, 3464, 2181, 5068),
    ),
    Chapter(
        "delivery",
        "Delivery: into the mailbox",
        "The last step: the MDA, mbox files and Maildir folders, LMTP into a mailbox store, "
        "aliases and forwarding.",
        (
            Figure(
                "lmtp",
                "filtering-edge",
                "Delivery over the network. The filtering gateway that accepted the message "
                "(1) hands it over LMTP to the mailbox store inside (2), which files it in "
                "Maildir folders and answers for each recipient. The store runs no MTA at all.",
                "internet",
                "alice@example.org",
            ),
            Figure(
                "mbox",
                "timesharing",
                "Delivery on the same host. Mail arriving for example.edu (1) is appended to "
                "the user's file in /var/mail (2), where the terminal mail readers look.",
                "internet",
                "bob@example.edu",
            ),
        ),
        (5321, 2033, 5598),
    ),
    Chapter(
        "reading",
        "Reading: POP3, IMAP and webmail",
        "How people get at the mail that was delivered: downloading with POP3, working on "
        "the server with IMAP, or a browser; and why none of that is transport.",
        (
            Figure(
                "readers",
                "multi-domain",
                "Pink dotted lines are access: one group reads over IMAP on 993, the other "
                "downloads with POP3 on 995, and the server also offers webmail on 443. None "
                "of these lines moves mail between servers; they only show people what has "
                "already been delivered.",
            ),
        ),
        (9051, 1939, 8314, 6186),
    ),
    Chapter(
        "relaying",
        "Relaying, and who may do it",
        "Open relays and why they were abused; how an MTA decides whom to relay for: "
        "trusted networks, relay domains, authentication; and backscatter.",
        (
            Figure(
                "refused",
                "dmz-gateway",
                "A relay attempt refused. A stranger on the internet asks the gateway to take "
                "mail for a domain the organisation does not serve; the stranger is neither on "
                "a trusted network nor logged in, so the gateway refuses at once (1). The same "
                "gateway relays freely for the inside network, whose address range it trusts.",
                "internet",
                "someone@elsewhere.example",
            ),
            Figure(
                "backup",
                "backup-mx",
                "A backup MX relays for one domain only. mx2 accepts mail for example.net "
                "while mx1 is down and forwards it when mx1 is back; it checks each recipient "
                "against a list first, so it never accepts mail it would later have to bounce.",
            ),
        ),
        (5321, 6409, 4954, 5068, 3464),
    ),
    Chapter(
        "topologies",
        "Standard layouts",
        "The layouts most organisations use, from one server to a filtering edge in front of a "
        "mailbox store, each drawn live from an example you can open in the designer.",
        (
            Figure(
                "solo_server",
                "solo-server",
                "One host does everything: it is the MX, the submission server, the mailbox "
                "store and the IMAP server.",
            ),
            Figure(
                "department_hub",
                "department-hub",
                "One hub, several null clients. Every host on the internal network sends "
                "through the hub; only the hub talks to the internet and only the hub stores "
                "mail.",
            ),
            Figure(
                "hub_trace",
                "department-hub",
                "The same design with one message followed: from the shell host to the hub "
                "(2), and from the hub out to the recipient's MX (3).",
                "mutt-users",
                "friend@example.net",
            ),
            Figure(
                "dmz_gateway",
                "dmz-gateway",
                "The gateway in the DMZ is the only host the internet can reach; it relays "
                "inward to the store and outward for the store.",
            ),
            Figure(
                "backup_mx",
                "backup-mx",
                "Two MX records with different preferences, on two different networks. The "
                "backup only queues and forwards.",
            ),
            Figure(
                "smarthost",
                "smarthost",
                "Inbound mail arrives directly on port 25; outbound mail leaves through the "
                "provider's relay on port 587.",
            ),
            Figure(
                "multi_domain",
                "multi-domain",
                "Three domains point their MX at one host; a fourth, parked, publishes a null "
                "MX and takes no mail at all.",
            ),
            Figure(
                "filtering_edge",
                "filtering-edge",
                "Two gateways at equal preference share the inbound load and hand clean mail "
                "to the store over LMTP on port 24.",
            ),
            Figure(
                "timesharing",
                "timesharing",
                "Users log in and read /var/mail directly: no submission server and no IMAP.",
            ),
            Figure(
                "null_mx",
                "multi-domain",
                "A message to the parked domain. The sender's server looks up the MX of "
                "parked-example.org, finds the null MX, and gives up at once (1), without "
                "connecting anywhere and without days of retries.",
                "internet",
                "someone@parked-example.org",
            ),
            Figure(
                "hosted_mailboxes",
                "hosted-mailboxes",
                "The mailboxes live at a provider, which is therefore the MX. The company's "
                "own server only sends, through the provider's relay, and its notification "
                "domain publishes a null MX.",
            ),
        ),
        (5321, 7505, 6409, 2033, 5068, 8314),
    ),
    Chapter(
        "trust",
        "Trust: why a receiver believes you",
        "What a receiving server checks, in the order it meets it: reverse DNS, SPF, DKIM, "
        "DMARC, and encryption with STARTTLS, MTA-STS, TLS reports and DANE; then how mail "
        "programs find their servers.",
        (
            Figure(
                "records",
                "solo-server",
                "The server whose DNS records are listed below. Every record the planner wrote "
                "for it exists because of one of the arrows: port 25 in and out needs MX, A, "
                "PTR and SPF; submission and IMAP are what the SRV and autoconfig records "
                "advertise.",
            ),
        ),
        (1912, 7208, 6376, 7489, 8601, 3207, 8461, 8460, 7672, 6698, 6186, 8314),
    ),
    Chapter(
        "mta",
        "Choosing and running an MTA",
        "Sendmail, Postfix, Exim and OpenSMTPD: where each came from, what their security "
        "records teach, what a safe default looks like, and how to stay current.",
        (
            Figure(
                "sendmail",
                "timesharing",
                "A host that still runs sendmail, the oldest of the four. Whatever program "
                "you choose, the picture is the same: the MTA is the box every arrow touches.",
            ),
        ),
        (5321, 6409, 8314, 3207),
    ),
    Chapter(
        "glossary",
        "Glossary",
        "Every term the tutorial and the designer use, each defined in a paragraph with a "
        "link to where it is explained.",
        (
            Figure(
                "roles",
                "department-hub",
                "Many of the glossary's roles on one design: an MX that is also the hub, "
                "null clients, a submission server, a mailbox store, IMAP, local injection "
                "and a device that cannot authenticate.",
            ),
        ),
        (5598, 5321, 5322),
    ),
)

_BY_SLUG = {c.slug: c for c in CHAPTERS}


def get(slug: str) -> Chapter | None:
    return _BY_SLUG.get(slug)


def neighbours(slug: str) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after ``slug`` in reading order."""
    i = [c.slug for c in CHAPTERS].index(slug)
    before = CHAPTERS[i - 1] if i > 0 else None
    after = CHAPTERS[i + 1] if i + 1 < len(CHAPTERS) else None
    return before, after


def example_title(slug: str) -> str:
    """The example design's own name, as the gallery shows it."""
    return examples.load(slug).name


# -- glossary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    anchor: str  # the id on the glossary page: /learn/glossary/#<anchor>
    term: str
    definition: str
    explained: str  # where the tutorial explains it: /learn/<chapter>/#<section>
    expansion: str = ""

    @property
    def chapter_title(self) -> str:
        """The title of the chapter that ``explained`` points into."""
        slug = self.explained.split("/")[2]
        chapter = get(slug)
        return chapter.title if chapter else slug


GLOSSARY: tuple[Term, ...] = (
    Term(
        "alias",
        "Alias",
        "A local name that stands for one or more other addresses. When mail arrives for an "
        "alias, the delivering MTA replaces it with the addresses it stands for, which may be "
        "local users, files, programs or addresses elsewhere. postmaster and abuse are "
        "usually aliases for a real person.",
        "/learn/delivery/#aliases",
    ),
    Term(
        "alignment",
        "Alignment",
        "The DMARC test that a domain SPF or DKIM vouched for is the same as, or in the same "
        "organisation as, the domain in the From line the reader sees. A pass that does not "
        "align does not count.",
        "/learn/trust/#dmarc",
    ),
    Term(
        "autoconfig",
        "Autoconfig",
        "A small XML file, served over HTTPS at a well-known address under the mail domain, "
        "that tells a mail program which servers, ports and kinds of security to use, so a "
        "person only has to type an address and a password.",
        "/learn/trust/#autoconfig",
    ),
    Term(
        "backscatter",
        "Backscatter",
        "Bounce messages sent to innocent people whose addresses were forged as the sender "
        "of spam. A server produces it when it accepts mail for recipients that do not exist "
        "and only later discovers that it cannot deliver.",
        "/learn/relaying/#backscatter",
    ),
    Term(
        "backup-mx",
        "Backup MX",
        "An MX host with a higher preference number than the primary. It accepts mail for "
        "the domain while the primary is unreachable, keeps it in its queue and forwards it "
        "when the primary returns. It never stores mailboxes itself.",
        "/learn/topologies/#backup-mx",
    ),
    Term(
        "bounce",
        "Bounce",
        "A delivery status notification: a message an MTA sends to the envelope sender to "
        "say that a message could not be delivered, and why. It is sent with an empty "
        "envelope sender so that a bounce can never cause another bounce.",
        "/learn/transport/#bounces",
        "delivery status notification (DSN)",
    ),
    Term(
        "dane",
        "DANE",
        "A way to publish, in DNSSEC-signed DNS, which certificate or key a mail server "
        "uses (TLSA records). A sending MTA that validates DNSSEC can then insist on an "
        "encrypted connection to exactly that server, with no certificate authority involved.",
        "/learn/trust/#dane",
        "DNS-based Authentication of Named Entities",
    ),
    Term(
        "dkim",
        "DKIM",
        "A signature over a message's body and chosen header fields, made by a server that "
        "handles the message and checked with a public key published in DNS under the "
        "signing domain. It survives forwarding as long as the signed parts are unchanged.",
        "/learn/trust/#dkim",
        "DomainKeys Identified Mail",
    ),
    Term(
        "dmarc",
        "DMARC",
        "A policy a domain publishes at _dmarc.<domain> that ties SPF and DKIM to the From "
        "line: mail must pass one of them for an aligned domain. It says what receivers "
        "should do with mail that fails (nothing, quarantine or reject) and where to send "
        "reports.",
        "/learn/trust/#dmarc",
        "Domain-based Message Authentication, Reporting and Conformance",
    ),
    Term(
        "dmz",
        "DMZ",
        "A network segment between the internet and the inside network, behind a firewall "
        "that lets the internet reach only the ports published there, such as port 25 of a "
        "mail gateway.",
        "/learn/topologies/#dmz-gateway",
        "demilitarised zone",
    ),
    Term(
        "envelope",
        "Envelope",
        "The sender and recipient addresses that SMTP itself carries (MAIL FROM and RCPT TO), "
        "apart from the message. Servers route and bounce by the envelope; the From and To "
        "lines inside the message may say something quite different.",
        "/learn/transport/#envelope",
    ),
    Term(
        "fcrdns",
        "FCrDNS",
        "Forward-confirmed reverse DNS: the address's PTR record gives a name, and that name's "
        "A or AAAA records give the address back. Receivers treat a sending server without "
        "it as suspect.",
        "/learn/trust/#ptr",
        "forward-confirmed reverse DNS",
    ),
    Term(
        "final-destination",
        "Final destination",
        "A domain an MTA delivers itself, into its own mailboxes or users, rather than "
        "passing it on. Postfix lists these in mydestination or its virtual domain settings; "
        "sendmail in class w.",
        "/learn/delivery/#local-delivery",
    ),
    Term(
        "filter",
        "Filter",
        "A program that inspects mail as it passes (for spam, viruses or policy) and accepts, "
        "marks or refuses it. MTAs call filters through a milter connection or a content "
        "filter that takes the message and hands it back.",
        "/learn/topologies/#filtering-edge",
    ),
    Term(
        "forwarding",
        "Forwarding",
        "Sending a delivered address's mail on to another address, through an alias or a "
        "user's .forward file. The forwarding server becomes a new sender and needs SPF-"
        "friendly handling, since it sends from its own address.",
        "/learn/delivery/#aliases",
    ),
    Term(
        "gateway",
        "Gateway",
        "An MX that accepts mail for a domain but does not store it: it checks and filters "
        "the mail, then relays it to the mailbox server inside. It is usually also the way out "
        "for the inside network's mail.",
        "/learn/topologies/#dmz-gateway",
    ),
    Term(
        "headers",
        "Header fields",
        "The lines at the top of a message (From, To, Subject, Date, Message-ID, Received "
        "and others), defined by RFC 5322. They are part of the message, written by programs "
        "and people, and are not what servers route by.",
        "/learn/transport/#envelope",
    ),
    Term(
        "helo",
        "HELO / EHLO",
        "The greeting in which an SMTP client names itself. EHLO also asks the server to "
        "list the extensions it supports, such as STARTTLS, AUTH and SIZE. The name should "
        "be the host's real name, with matching DNS.",
        "/learn/transport/#smtp",
    ),
    Term(
        "hub",
        "Hub",
        "The internal relay that the organisation's other hosts send through. It is often "
        "also the MX and the mailbox server, and it is the one host that speaks to the "
        "internet.",
        "/learn/topologies/#hub",
    ),
    Term(
        "imap",
        "IMAP",
        "The protocol a mail program uses to work on mail that stays on the server: folders, "
        "flags, searching, several devices at once. Port 993 with TLS from the start.",
        "/learn/reading/#imap",
        "Internet Message Access Protocol",
    ),
    Term(
        "implicit-mx",
        "Implicit MX",
        "When a domain has no MX records at all, senders use its A or AAAA address as if it "
        "were an MX of preference 0. Once any MX record exists, the address records are no "
        "longer used for mail.",
        "/learn/transport/#implicit-mx",
    ),
    Term(
        "implicit-tls",
        "Implicit TLS",
        "TLS that starts the moment the connection opens, before any protocol words are "
        "exchanged, as on ports 465 (submission), 993 (IMAP) and 995 (POP3). There is no "
        "unencrypted moment to attack.",
        "/learn/injection/#submission",
    ),
    Term(
        "injection",
        "Injection",
        "Handing a new message to the mail system for the first time: through the local "
        "sendmail command, or over the network by submission.",
        "/learn/journey/#stages",
    ),
    Term(
        "lmtp",
        "LMTP",
        "A variant of SMTP for the last hop into a mailbox store. The store answers for each "
        "recipient separately after the message is sent, and keeps no queue of its own. It "
        "is for trusted hops only and never runs on port 25.",
        "/learn/delivery/#lmtp",
        "Local Mail Transfer Protocol",
    ),
    Term(
        "maildir",
        "Maildir",
        "A mailbox stored as a directory with one file per message, in the subdirectories "
        "tmp, new and cur. Writers never need to lock it, so it suits many simultaneous "
        "readers and NFS.",
        "/learn/delivery/#mbox-maildir",
    ),
    Term(
        "mbox",
        "mbox",
        "A mailbox stored as one file with the messages one after another, each starting "
        'with a line beginning "From ". The classic form of /var/mail/<user>.',
        "/learn/delivery/#mbox-maildir",
    ),
    Term(
        "mda",
        "MDA",
        "The program that puts a message into a mailbox: local(8), procmail, mail.local, or "
        "the LMTP service of an IMAP server. It may also run the user's filter rules.",
        "/learn/journey/#roles",
        "mail delivery agent",
    ),
    Term(
        "message-store",
        "Message store",
        "Where delivered mail waits to be read: files in /var/mail, Maildir folders, or an "
        "IMAP server's own storage.",
        "/learn/journey/#roles",
    ),
    Term(
        "msa",
        "MSA",
        "The server that takes new mail from mail programs, on port 587 or 465, after they "
        "log in. It may fix up an incomplete message before passing it to the MTA.",
        "/learn/journey/#roles",
        "mail submission agent",
    ),
    Term(
        "mta",
        "MTA",
        "The program that moves mail between servers over SMTP, keeps a queue, retries, and "
        "bounces what it cannot deliver: Postfix, sendmail, Exim, OpenSMTPD.",
        "/learn/journey/#roles",
        "mail transfer agent",
    ),
    Term(
        "mta-sts",
        "MTA-STS",
        "A policy a domain publishes over HTTPS, announced by a DNS record, saying that its "
        "MX hosts support TLS with valid certificates and which names they have, so that "
        "senders refuse to fall back to an unencrypted or impostor connection.",
        "/learn/trust/#mta-sts",
        "SMTP MTA Strict Transport Security",
    ),
    Term(
        "mua",
        "MUA",
        "The mail program a person uses to write and read mail: Thunderbird, Outlook, mutt, "
        "a phone's mail app, or a webmail page.",
        "/learn/journey/#roles",
        "mail user agent",
    ),
    Term(
        "mx",
        "MX record",
        "A DNS record that names a host accepting mail for a domain, with a preference "
        "number. Senders try the lowest number first.",
        "/learn/transport/#mx-records",
        "mail exchanger",
    ),
    Term(
        "null-client",
        "Null client",
        "A host that sends mail but never receives any from the network: its MTA listens "
        "only on the loopback address, delivers nothing locally and passes every message to a "
        "hub or smarthost.",
        "/learn/topologies/#null-client",
    ),
    Term(
        "null-mx",
        "Null MX",
        'The single record "MX 0 ." that says a domain accepts no mail at all. Senders fail '
        "at once instead of trying the domain's address or retrying for days.",
        "/learn/topologies/#null-mx",
    ),
    Term(
        "open-relay",
        "Open relay",
        "A server that accepts mail from anyone for any destination and passes it on. Spammers "
        "find such servers within hours, and blocklists follow soon after.",
        "/learn/relaying/#open-relay",
    ),
    Term(
        "pop3",
        "POP3",
        "A simple protocol that lets a mail program download the messages in the inbox and, "
        "usually, delete them from the server. Port 995 with TLS from the start.",
        "/learn/reading/#pop3",
        "Post Office Protocol, version 3",
    ),
    Term(
        "port-25",
        "Port 25",
        "The port where MTAs accept mail from other MTAs. Many home, mobile and cloud networks "
        "block outgoing connections to it, which is why mail programs submit on 587 or 465.",
        "/learn/transport/#port-25-blocked",
    ),
    Term(
        "postmaster",
        "postmaster",
        "The address every mail domain must accept, reaching a person responsible for its "
        "mail service. Usually an alias.",
        "/learn/delivery/#aliases",
    ),
    Term(
        "preference",
        "MX preference",
        "The number in an MX record. Lower numbers are tried first; records with equal "
        "numbers share the load in random order.",
        "/learn/transport/#mx-preference",
    ),
    Term(
        "ptr",
        "PTR record",
        "A reverse DNS record that maps an IP address back to a host name, in the "
        "in-addr.arpa or ip6.arpa tree. It is set by whoever holds the address block, which is "
        "usually the network provider.",
        "/learn/trust/#ptr",
        "pointer record",
    ),
    Term(
        "queue",
        "Queue",
        "The MTA's store of messages it has accepted but not yet passed on. A message waits "
        "there while the next server is unreachable and is retried for several days before "
        "it bounces.",
        "/learn/transport/#queues",
    ),
    Term(
        "received",
        "Received line",
        "A header field each MTA adds at the top of a message as it accepts it, saying from "
        "where, by whom and when. Read from the bottom up, they record the message's path.",
        "/learn/transport/#received",
    ),
    Term(
        "relay",
        "Relay",
        "To accept a message for a domain that is not your own and pass it on towards its "
        "destination. Also the server that does so.",
        "/learn/transport/#relaying",
    ),
    Term(
        "relay-domains",
        "Relay domains",
        "Domains a server accepts mail for from anyone, without storing it, because it is "
        "their gateway or backup MX.",
        "/learn/relaying/#relay-domains",
    ),
    Term(
        "sendmail-command",
        "sendmail command",
        "The local program (/usr/sbin/sendmail) through which any program on a Unix host hands "
        "a message to the MTA, with no network involved. Every MTA provides one under this "
        "name.",
        "/learn/injection/#sendmail-command",
    ),
    Term(
        "smarthost",
        "Smarthost",
        "A relay that a server sends all its outgoing mail through instead of delivering to "
        "each recipient's MX itself, often a provider's server on port 587 with a password. "
        "In Postfix, the relayhost setting.",
        "/learn/transport/#smarthost",
    ),
    Term(
        "smtp",
        "SMTP",
        "The protocol mail moves in between servers, and from programs to submission servers: "
        "a short conversation of commands and numbered replies.",
        "/learn/transport/#smtp",
        "Simple Mail Transfer Protocol",
    ),
    Term(
        "smtp-auth",
        "SMTP AUTH",
        "The SMTP extension with which a client logs in (with SASL, most often a user name "
        "and password inside TLS) so the server can let it send anywhere.",
        "/learn/relaying/#authentication",
    ),
    Term(
        "spf",
        "SPF",
        "A TXT record listing the hosts allowed to send mail with a domain in the envelope "
        "sender (and the HELO name). The receiver checks the connecting address against it.",
        "/learn/trust/#spf",
        "Sender Policy Framework",
    ),
    Term(
        "srv",
        "SRV records",
        "DNS records such as _submission._tcp and _imaps._tcp that tell mail programs which "
        "host and port offer a service for a domain; a target of a single dot says the "
        "service is not offered.",
        "/learn/trust/#autoconfig",
    ),
    Term(
        "starttls",
        "STARTTLS",
        "A command that turns an open, unencrypted connection into a TLS one before anything "
        "private is sent. Between MTAs it is usually opportunistic: used when offered.",
        "/learn/trust/#starttls",
    ),
    Term(
        "submission",
        "Submission",
        "Handing a new message from a mail program to its own server, on port 587 with "
        "STARTTLS or 465 with implicit TLS, after logging in. It is not relaying.",
        "/learn/injection/#submission",
    ),
    Term(
        "tls-rpt",
        "TLS-RPT",
        "A DNS record at _smtp._tls.<domain> asking senders to send daily reports of "
        "the TLS connections they made, or failed to make, to the domain's MX hosts.",
        "/learn/trust/#tls-rpt",
        "SMTP TLS Reporting",
    ),
    Term(
        "trusted-networks",
        "Trusted networks",
        "Address ranges whose hosts may relay through a server without logging in "
        "(Postfix's mynetworks, sendmail's Connect: RELAY entries). Keep them to networks you "
        "control.",
        "/learn/relaying/#trusted-networks",
    ),
    Term(
        "webmail",
        "Webmail",
        "A mail program that runs on a web server and is used through a browser. On the "
        "server side it is an ordinary IMAP client and submits through the local MTA.",
        "/learn/reading/#webmail",
    ),
)
