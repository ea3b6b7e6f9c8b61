"""Forms that edit one part of a design, and the forms around designs (import, start, rename).

A part form only parses what a person typed into the shape of a design item (text, lists,
numbers); whether the item makes sense is decided by ``core.design.load`` on the whole design
(views/editor.py), and each problem it reports is put back beside the field it is about with
``add_problems``. There is no second set of design rules here.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from architect.core import design as core_design

from . import parts

BLANK_DEFAULT = ""
YES, NO = "yes", "no"


def _names(document: dict[str, Any], part: str) -> list[str]:
    return [
        str(i["name"]) for i in parts.items(document, part) if isinstance(i, dict) and "name" in i
    ]


def _split(text: str) -> list[str]:
    """Entries typed one per line, or separated by commas or spaces."""
    return [t for t in re.split(r"[\s,]+", text) if t]


def _tristate(value: str) -> bool | None:
    return {YES: True, NO: False}.get(value)


def _from_tristate(value: Any) -> str:
    if value is True:
        return YES
    if value is False:
        return NO
    return BLANK_DEFAULT


class PartForm(forms.Form):
    """Base of the part forms: knows its part and turns problems into field errors."""

    part = ""

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self.top_problems: list[str] = []

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return dict(item)

    def to_item(self) -> dict[str, Any]:
        raise NotImplementedError

    def add_problems(self, problems: list[core_design.Problem], index: int) -> None:
        """Put each problem of the edited item beside its field; the rest above the form."""
        for problem in problems:
            where = parts.split_path(problem.path)
            if where and where[0] == self.part and where[1] == index:
                field = re.split(r"[\[.]", where[2])[0] if where[2] else ""
                if field in self.fields:
                    self.add_error(field, problem.message)
                    continue
                if not field:
                    self.add_error(None, problem.message)
                    continue
            self.add_error(None, str(problem))


def _item(data: dict[str, Any]) -> dict[str, Any]:
    """Drop keys left blank so that the design's defaults apply."""
    return {k: v for k, v in data.items() if v is not None and v != ""}


class DomainForm(PartForm):
    part = "domains"
    name = forms.CharField(
        label="Domain name",
        max_length=300,
        help_text="The part after the @ in your addresses, such as example.org. "
        "International names are fine; they are written out in their xn-- form.",
    )
    receives_mail = forms.BooleanField(
        label="Receives mail",
        required=False,
        initial=True,
        help_text="Untick for a domain that only sends, such as notifications from an app. "
        "It then publishes a null MX, which tells other servers not to try delivering to it.",
    )
    mailbox_host = forms.ChoiceField(
        label="Mailboxes live on",
        required=False,
        help_text="Where this domain's mailboxes are kept: one of your hosts, or a mailbox "
        "provider. Leave it to the planner when there is one obvious place; it says why it "
        "chose.",
    )
    alias_of = forms.ChoiceField(
        label="Alias of",
        required=False,
        help_text="Mail to someone@this-domain is delivered to someone@the-other-domain: "
        "a second name for the same people.",
    )
    users = forms.CharField(
        label="Mailbox users",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The part before the @ of each mailbox, such as alice: one per line or "
        "separated by commas. The exported configs accept mail for these people (and "
        "postmaster) and refuse everyone else. Leave empty on an alias domain: it has the "
        "users of the domain it aliases.",
    )

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        hosts = [(n, n) for n in _names(document, "hosts")]
        providers = [(n, f"{n} (provider)") for n in _names(document, "providers")]
        self.fields["mailbox_host"].choices = [
            (BLANK_DEFAULT, "Let the planner choose"),
            *hosts,
            *providers,
        ]
        self.fields["alias_of"].choices = [(BLANK_DEFAULT, "Not an alias")] + [
            (n, n) for n in _names(document, "domains")
        ]

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        users = item.get("users")
        shown = "\n".join(str(u) for u in users) if isinstance(users, list) else ""
        return {**item, "users": shown}

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        item = _item(
            {
                "name": d["name"],
                "receives_mail": d["receives_mail"],
                "mailbox_host": d["mailbox_host"],
                "alias_of": d["alias_of"],
            }
        )
        # Left out when empty, so the stored form of a design without users is unchanged.
        users = _split(d["users"])
        if users:
            item["users"] = users
        return item


ZONE_CHOICES = [
    ("internet", "Internet: public addresses that anyone can reach, such as a rented server"),
    ("dmz", "DMZ: behind your firewall, with the ports you publish reachable from the internet"),
    ("internal", "Internal: private addresses that the internet cannot reach, such as the office"),
    ("remote", "Remote: wherever travelling people are: at home, on a phone, in a café"),
]


class NetworkForm(PartForm):
    part = "networks"
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="A short name of your own, such as office-lan: lower-case letters, digits "
        "and hyphens.",
    )
    zone = forms.ChoiceField(
        label="Where it is",
        choices=ZONE_CHOICES,
        widget=forms.RadioSelect,
        help_text="Choose remote for laptops and phones that travel: they are never trusted, "
        "so they must log in to send, wherever they are.",
    )
    cidrs = forms.CharField(
        label="Address ranges",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, such as 192.0.2.0/24 or 2001:db8::/48. The planner trusts "
        "internal ranges for devices that cannot log in. Leave empty if unknown.",
    )
    port25_outbound = forms.BooleanField(
        label="Outgoing port 25 is open",
        required=False,
        initial=True,
        help_text="Untick if the provider of this network blocks outgoing connections to "
        "port 25, as many home connections and cloud platforms do: mail must then leave "
        "through a smarthost.",
    )

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "cidrs": "\n".join(item.get("cidrs") or [])}

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "zone": d["zone"],
            "cidrs": _split(d["cidrs"]),
            "port25_outbound": d["port25_outbound"],
        }


MTA_CHOICES = [
    ("postfix", "Postfix"),
    ("sendmail", "sendmail"),
    ("exim", "Exim"),
    ("opensmtpd", "OpenSMTPD"),
    ("none", "None: this host runs no mail server"),
]
SERVICE_CHOICES = [
    ("imap", "IMAP: people read mail here and their folders stay on the server"),
    ("pop3", "POP3: people download their mail from here"),
    ("submission", "Submission: people's mail programs send through here, with a password"),
    ("webmail", "Webmail: people read and write mail in a browser"),
    ("filtering", "Filtering: spam and virus checks on arriving mail"),
    (
        "web",
        "Web: serves the MTA-STS policy and client autoconfiguration (mta-sts. and "
        "autoconfig. names) over HTTPS",
    ),
]


class HostForm(PartForm):
    part = "hosts"
    name = forms.CharField(
        label="Host name", max_length=300, help_text="Its full name, such as mail.example.org."
    )
    network = forms.ChoiceField(label="Network", help_text="The network the host sits on.")
    addresses = forms.CharField(
        label="Addresses",
        required=False,
        help_text="Its IPv4 and IPv6 addresses, separated by spaces or commas. Public ones "
        "go into DNS (A and AAAA records) and SPF.",
    )
    mta = forms.ChoiceField(
        label="Mail software",
        choices=MTA_CHOICES,
        initial="postfix",
        help_text="The program that moves mail on this host. Postfix, sendmail, Exim and "
        "OpenSMTPD each get ready-made configuration files; switch it to see the same "
        "decisions in the other program's words.",
    )
    accepts_internet_smtp = forms.ChoiceField(
        label="Accepts mail from the internet",
        required=False,
        choices=[
            (BLANK_DEFAULT, "As its network (the usual)"),
            (YES, "Yes"),
            (NO, "No"),
        ],
        help_text="Yes means port 25 of this host is reachable from the internet: other "
        "organisations' servers can hand it mail, so it can be an MX. The usual follows the "
        "network: yes on internet and DMZ networks, no elsewhere.",
    )
    stores_mailboxes = forms.BooleanField(
        label="Stores mailboxes",
        required=False,
        help_text="People's mailboxes may live on this host.",
    )
    shell_users = forms.BooleanField(
        label="People log in here",
        required=False,
        help_text="A multi-user host where people log in (with ssh) and read mail with a "
        "program on the host itself, such as mutt.",
    )
    always_on = forms.BooleanField(
        label="Always on",
        required=False,
        initial=True,
        help_text="Untick for a laptop or desktop that is often switched off: it is never "
        "chosen to receive mail.",
    )
    services = forms.MultipleChoiceField(
        label="Services wanted here",
        required=False,
        choices=SERVICE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="What you would like this host to offer. The planner may add a service or "
        "refuse one, and says why.",
    )

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        self.fields["network"].choices = [(n, n) for n in _names(document, "networks")]

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {
            **item,
            "addresses": " ".join(item.get("addresses") or []),
            "accepts_internet_smtp": _from_tristate(item.get("accepts_internet_smtp")),
        }

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        item = {
            "name": d["name"],
            "network": d["network"],
            "addresses": _split(d["addresses"]),
            "mta": d["mta"],
            "stores_mailboxes": d["stores_mailboxes"],
            "shell_users": d["shell_users"],
            "always_on": d["always_on"],
            "services": list(d["services"]),
        }
        accepts = _tristate(d["accepts_internet_smtp"])
        if accepts is not None:
            item["accepts_internet_smtp"] = accepts
        return item


KIND_CHOICES = [
    ("desktop", "Desktop mail program"),
    ("mobile", "Phone or tablet"),
    ("webmail", "Webmail"),
    ("terminal", "Mail reader on a shell host"),
    ("application", "Program or scheduled job"),
    ("device", "Printer, scanner or appliance"),
]
READS_CHOICES = [
    (BLANK_DEFAULT, "The usual way for its kind"),
    ("imap", "IMAP"),
    ("pop3", "POP3"),
    ("local", "Local: straight from the mailbox on the host it runs on"),
    ("none", "It does not read mail"),
]


class ClientForm(PartForm):
    part = "clients"
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="A short name for this group, such as staff-laptops: lower-case letters, "
        "digits and hyphens.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=KIND_CHOICES,
        help_text="A desktop mail program is Thunderbird, Outlook or Apple Mail; webmail runs "
        "on one of your hosts; a mail reader on a shell host is mutt or alpine; a program is a "
        "web shop, a script or a scheduled job that sends mail.",
    )
    count = forms.IntegerField(
        label="How many",
        initial=1,
        help_text="How many people or devices this group stands for.",
    )
    network = forms.ChoiceField(
        label="Sits on network",
        required=False,
        help_text="For desktops, phones and devices: the network they are on.",
    )
    host = forms.ChoiceField(
        label="Runs on host",
        required=False,
        help_text="For webmail, shell readers and programs: the host they run on.",
    )
    reads = forms.ChoiceField(
        label="Reads mail with",
        required=False,
        choices=READS_CHOICES,
        help_text="The usual way: IMAP for mail programs and phones, local for shell "
        "readers, none for programs and devices.",
    )
    can_authenticate = forms.BooleanField(
        label="Can log in to send (SMTP AUTH)",
        required=False,
        initial=True,
        help_text="Untick for devices that cannot give a user name and password when they "
        "send, as many printers and scanners cannot. A server then has to trust the network "
        "they sit on instead, so such devices belong on an internal network.",
    )
    can_tls = forms.BooleanField(
        label="Can encrypt the connection (TLS)",
        required=False,
        initial=True,
        help_text="Untick for old devices that cannot use TLS.",
    )
    domain = forms.ChoiceField(
        label="Sends as", help_text="The domain of the From address it sends with."
    )

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        self.fields["network"].choices = [(BLANK_DEFAULT, "None (runs on a host)")] + [
            (n, n) for n in _names(document, "networks")
        ]
        self.fields["host"].choices = [(BLANK_DEFAULT, "None (sits on a network)")] + [
            (n, n) for n in _names(document, "hosts")
        ]
        self.fields["domain"].choices = [(n, n) for n in _names(document, "domains")]

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return _item(
            {
                "name": d["name"],
                "kind": d["kind"],
                "count": d["count"],
                "network": d["network"],
                "host": d["host"],
                "reads": d["reads"],
                "can_authenticate": d["can_authenticate"],
                "can_tls": d["can_tls"],
                "domain": d["domain"],
            }
        )


PROVIDER_KIND_CHOICES = [
    ("smarthost", "Smarthost (outgoing relay)"),
    ("inbound_filter", "Inbound filter"),
    ("backup_mx", "Backup MX"),
    ("mailbox_hosting", "Mailbox hosting"),
]


class ProviderForm(PartForm):
    part = "providers"
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="A short name of your own for the service, such as relay-provider.",
    )
    kind = forms.ChoiceField(
        label="What it does",
        choices=PROVIDER_KIND_CHOICES,
        help_text="A smarthost is a relay your outgoing mail leaves through (needed when port "
        "25 is blocked); an inbound filter receives your mail first, filters it and passes it "
        "on; a backup MX queues your mail while your own server is down; mailbox hosting keeps "
        "your mailboxes for you.",
    )
    host = forms.CharField(
        label="Server name",
        max_length=300,
        help_text="The provider's server, from its documentation, such as smtp.provider.example.",
    )
    port = forms.IntegerField(
        label="Port",
        required=False,
        help_text="Leave empty for the usual port: 587 for a smarthost, 25 otherwise.",
    )
    auth = forms.ChoiceField(
        label="Log in with a password",
        required=False,
        help_text="The usual: yes for a smarthost, which only relays for its customers; no "
        "for the others.",
        choices=[
            (BLANK_DEFAULT, "The usual for its kind"),
            (YES, "Yes"),
            (NO, "No"),
        ],
    )
    domains = forms.MultipleChoiceField(
        label="Serves the domains",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Which of your domains it serves. None ticked means all of them.",
    )
    spf_include = forms.CharField(
        label="SPF include",
        required=False,
        max_length=300,
        help_text="The name the provider documents for SPF, such as _spf.provider.example "
        "(from include:_spf.provider.example). Without it your SPF record cannot allow the "
        "provider's servers to send as you.",
    )

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, document=document, **kwargs)
        self.fields["domains"].choices = [(n, n) for n in _names(document, "domains")]

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "auth": _from_tristate(item.get("auth"))}

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        item = _item(
            {
                "name": d["name"],
                "kind": d["kind"],
                "host": d["host"],
                "port": d["port"],
                "spf_include": d["spf_include"],
            }
        )
        auth = _tristate(d["auth"])
        if auth is not None:
            item["auth"] = auth
        if d["domains"]:
            item["domains"] = list(d["domains"])
        return item


class PolicyForm(forms.Form):
    part = "policy"
    backup_mx = forms.BooleanField(
        label="Wants a backup MX",
        required=False,
        help_text="Ask for a second host to queue mail while the main one is down.",
    )
    dmarc = forms.ChoiceField(
        label="DMARC policy",
        choices=[
            ("none", "none: only send reports; start here"),
            ("quarantine", "quarantine: failing mail goes to spam"),
            ("reject", "reject: failing mail is refused"),
        ],
        help_text="What receivers should do with mail that claims to be from you but fails "
        "SPF and DKIM. Move from none to quarantine to reject as the reports come back clean.",
    )
    mta_sts = forms.ChoiceField(
        label="MTA-STS",
        choices=[
            ("none", "none: not published"),
            ("testing", "testing: senders report problems but still deliver"),
            ("enforce", "enforce: senders only deliver over verified TLS"),
        ],
        help_text="Asks other servers to use verified TLS when they send to you.",
    )
    dkim = forms.BooleanField(
        label="Sign outgoing mail with DKIM",
        required=False,
        help_text="Adds a signature that receivers check against a key in your DNS.",
    )
    reports_to = forms.CharField(
        label="Send reports to",
        required=False,
        max_length=200,
        help_text="An address for DMARC and TLS reports, such as postmaster@example.org.",
    )

    def __init__(self, *args: Any, document: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "backup_mx": False,
            "dmarc": "quarantine",
            "mta_sts": "testing",
            "dkim": True,
            **item,
        }

    def to_item(self) -> dict[str, Any]:
        return _item(dict(self.cleaned_data))

    def add_problems(self, problems: list[core_design.Problem], index: int) -> None:
        for problem in problems:
            field = problem.path.removeprefix("policy.").split("[")[0]
            if problem.path.startswith("policy.") and field in self.fields:
                self.add_error(field, problem.message)
            else:
                self.add_error(None, str(problem))


class SettingsForm(forms.Form):
    """The design's name and description."""

    part = "settings"
    name = forms.CharField(
        label="Name of the design",
        max_length=core_design.LIMITS["name_chars"],
        help_text="Shown in your list of designs and at the top of the plan.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=core_design.LIMITS["description_chars"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words for yourself or a colleague: what this design is for.",
    )

    def __init__(self, *args: Any, document: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.document = document or {}

    @classmethod
    def initial_from(cls, item: dict[str, Any]) -> dict[str, Any]:
        return {"name": item.get("name", ""), "description": item.get("description", "")}

    def add_problems(self, problems: list[core_design.Problem], index: int) -> None:
        for problem in problems:
            if problem.path in self.fields:
                self.add_error(problem.path, problem.message)
            else:
                self.add_error(None, str(problem))


PART_FORMS: dict[str, type[PartForm]] = {
    "domains": DomainForm,
    "networks": NetworkForm,
    "hosts": HostForm,
    "clients": ClientForm,
    "providers": ProviderForm,
}


class ImportForm(forms.Form):
    design = forms.FileField(
        label="Design file",
        help_text="A design file (JSON), such as one downloaded from Mail Architect as "
        "design.json.",
    )


WHERE_CHOICES = [
    ("hosting", "At a hosting provider, on a server with a public address"),
    ("office", "In our office, behind a firewall"),
    ("provider", "At a mailbox provider: we do not run a mail server ourselves"),
]
WHO_CHOICES = [
    ("roaming", "Laptops and phones, from anywhere"),
    ("office", "Desktops in the office"),
    ("devices", "Printers and scanners that send mail"),
    ("programs", "Programs on servers: web shops, scheduled jobs, notifications"),
]


class StartForm(forms.Form):
    """The guided first step: three questions that make a sensible first design."""

    domain = forms.CharField(
        label="Your domain",
        max_length=300,
        help_text="The part after the @ in your addresses, such as example.org.",
    )
    where = forms.ChoiceField(
        label="Where will your mail server live?",
        choices=WHERE_CHOICES,
        widget=forms.RadioSelect,
        initial="hosting",
    )
    address = forms.CharField(
        label="Its public address",
        required=False,
        max_length=60,
        help_text="The server's public IPv4 or IPv6 address, if you know it. It goes into "
        "your DNS records; you can add it later.",
    )
    who = forms.MultipleChoiceField(
        label="Who sends and reads mail?",
        choices=WHO_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["roaming"],
        help_text="Tick every kind you have; you can change it all later.",
    )


DKIM_KINDS = [
    ("rsa", "RSA, 2048 bits: every receiver can check it"),
    (
        "ed25519",
        "Ed25519 (RFC 8463): short and modern, but many receivers cannot check it yet, so "
        "their DMARC sees the mail as unsigned",
    ),
]


class DkimKeyForm(PartForm):
    """A domain's DKIM selector and a pasted public key; ``core.design.load`` checks them.

    The field names are the design's keys, so ``add_problems`` puts the validator's
    ``domains[i].dkim_selector`` and ``domains[i].dkim_public_key`` beside them.
    """

    part = "domains"
    dkim_selector = forms.CharField(
        label="Selector",
        max_length=200,
        help_text="The name the key is published under, at <selector>._domainkey.<domain>: "
        "DNS labels of lower-case letters, digits and hyphens. A dated one, such as s2026a, "
        "makes rotation plain.",
    )
    dkim_public_key = forms.CharField(
        label="Public key",
        # A PEM of an RSA-4096 key is about 800 characters; anything far longer is not a key.
        max_length=4000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text="The base64 p= value of an existing DKIM record, or a PEM public key "
        "(-----BEGIN PUBLIC KEY-----). RSA of 1024 to 4096 bits, or Ed25519. Never the "
        "private key.",
    )

    def clean_dkim_public_key(self) -> str:
        value = self.cleaned_data["dkim_public_key"]
        if "PRIVATE KEY" in value:
            # Not shown back in the form either: the page would echo the secret.
            self.data = self.data.copy()
            self.data[self.add_prefix("dkim_public_key")] = ""
            raise forms.ValidationError(
                "This is a private key: keep it on the signing server and paste only the "
                "public key (openssl pkey -in key.private -pubout)."
            )
        return value

    def to_item(self) -> dict[str, Any]:
        return {
            "dkim_selector": self.cleaned_data["dkim_selector"],
            "dkim_public_key": self.cleaned_data["dkim_public_key"],
        }


class DkimGenerateForm(forms.Form):
    """Which kind of key pair to make for a domain; the server makes it."""

    kind = forms.ChoiceField(
        label="Kind of key",
        choices=DKIM_KINDS,
        widget=forms.RadioSelect,
        initial="rsa",
    )
