"""The bundle README: the deployment steps in order, written from the files of the bundle."""

from __future__ import annotations

import re
import subprocess

from architect import examples
from architect.core import design as model
from architect.core.exporters import bundle
from architect.core.exporters.readme import md, readme_text
from architect.core.planner import plan as make_plan

STEPS = [
    "## 1. DNS",
    "## 2. The mailbox store (Dovecot)",
    "## 3. The mail transfer agents",
    "## 4. Mail clients",
    "## 5. MTA-STS",
    "## 6. The diagram and the findings",
]


def readme_of(design) -> str:
    return bundle(design, make_plan(design))["README.md"]


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_it_walks_through_the_steps_in_order(example):
    _, design, plan = example
    text = bundle(design, plan)["README.md"]
    positions = [text.index(step + "\n") for step in STEPS]
    assert positions == sorted(positions)


def test_it_describes_every_file_of_the_bundle(example):
    _, design, plan = example
    files = bundle(design, plan)
    contents = files["README.md"].split("## Contents", 1)[1].split("\n## ", 1)[0]
    for path in files:
        assert f"| `{path}` |" in contents, path


def test_it_keeps_text_typed_into_the_design_from_becoming_markup(evil_design):
    text = readme_of(evil_design)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    # The name stays on the title line; the description is quoted, line by line.
    assert text.splitlines()[0].startswith("# Mail setup: evil @ IN A 6.6.6.6 ; ")
    assert "> $INCLUDE /etc/passwd" in text.splitlines()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert all("6.6.6.6" not in h for h in headings[1:]), headings


def test_it_escapes_markdown_and_html_in_free_text():
    assert md("a *b* _c_ `d` [e](f) <g> & h|i") == (
        r"a \*b\* \_c\_ \`d\` \[e\](f) &lt;g&gt; &amp; h\|i"
    )
    assert md("# not a heading\nline two") == r"\# not a heading line two"
    assert md("1. not a list") == r"1\. not a list"
    assert md("- not an item") == r"\- not an item"


def test_it_gives_the_checkzone_command_that_passes_for_each_zone(export, program):
    program("named-checkzone", "bind9-utils")
    directory, files = export(examples.load("hosted-mailboxes"))
    commands = [
        line
        for block in code_blocks(files["README.md"])
        for line in block.splitlines()
        if line.startswith("named-checkzone")
    ]
    assert len(commands) == 2
    for command in commands:
        result = subprocess.run(
            command.split(), cwd=directory, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result


def test_it_gives_the_table_building_commands_for_postfix_and_sendmail():
    design = examples.load("dmz-gateway")
    files = {
        "postfix/gw.example.com/main.cf": (
            "transport_maps = hash:/etc/postfix/transport\n"
            "relay_recipient_maps =\n"
            "    hash:/etc/postfix/relay_recipients\n"
            "alias_maps = hash:/etc/aliases\n"
            "header_checks = regexp:/etc/postfix/header_checks\n"
        ),
        "postfix/gw.example.com/master.cf": "",
        "postfix/gw.example.com/transport": "example.com relay:[store.example.com]\n",
        "postfix/gw.example.com/relay_recipients": "",
        "postfix/gw.example.com/aliases": "postmaster: root\n",
        "postfix/gw.example.com/header_checks": "",
        "postfix/gw.example.com/sender_login.map": "",
        "sendmail/store.example.com/sendmail.mc": "",
        "sendmail/store.example.com/mailertable": "",
        "sendmail/store.example.com/local-host-names": "",
    }
    text = readme_text(design, make_plan(design), files)
    commands = "\n".join(code_blocks(text))
    assert "postmap hash:/etc/postfix/transport" in commands
    assert "postmap hash:/etc/postfix/relay_recipients" in commands
    assert "postalias hash:/etc/aliases" in commands
    assert "postmap /etc/postfix/sender_login.map" in commands
    assert "header_checks" not in commands  # a regexp table is read as it is
    assert "- `postfix/gw.example.com/aliases` to `/etc/aliases`" in text
    assert (
        "m4 /usr/share/sendmail/cf/m4/cf.m4 /etc/mail/sendmail.mc > /etc/mail/sendmail.cf"
        in commands
    )
    assert "makemap hash /etc/mail/mailertable < /etc/mail/mailertable" in commands
    assert "local-host-names <" not in commands


def test_it_names_files_it_has_no_step_for():
    design = examples.load("solo-server")
    text = readme_text(design, make_plan(design), {"spam/mail.example.org/rspamd.conf": ""})
    assert "## Other files\n\nNo step above covers these yet" in text
    assert "- `spam/mail.example.org/rspamd.conf`" in text


def test_it_shows_the_settings_for_each_kind_of_client():
    text = readme_of(examples.load("hosted-mailboxes"))
    assert "#### Desktop mail programs" in text
    assert (
        "| team | 10 | `example-startup.com` | `mx.mailhost.example` (provider mailhost) "
        "| 587 STARTTLS, password | IMAP on `mx.mailhost.example` (provider mailhost) "
        "| 993 TLS | the full address (user@example-startup.com) |"
    ) in text
    assert "#### Applications and scripts that send mail" in text
    assert "the `sendmail` command on `app.example-startup.com`" in text


def test_it_says_where_to_serve_the_autoconfig_and_mta_sts_files():
    text = readme_of(examples.load("solo-server"))
    assert "`https://autoconfig.example.org/mail/config-v1.1.xml`" in text
    assert "`https://mta-sts.example.org/.well-known/mta-sts.txt`" in text
    assert "The policy is in **testing** mode." in text


def test_it_lists_the_errors_and_warnings_with_their_messages(doc_without_mx_address):
    design = model.load(doc_without_mx_address)
    plan = make_plan(design)
    text = readme_of(design)
    assert "**Before you start:** the plan reports" in text
    for severity, heading in (("error", "Errors: fix these first"), ("warning", "Warnings")):
        section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
        found = [f for f in plan.findings if f.severity == severity]
        assert found, severity
        for finding in found:
            assert f"- **{md(finding.code)}**: {md(finding.message)}" in section


def test_it_says_when_mta_sts_is_off():
    text = readme_of(examples.load("hosted-mailboxes"))
    assert "## 5. MTA-STS\n\nMTA-STS is off in the design's policy." in text


def test_it_says_where_each_domains_mailboxes_live():
    text = readme_of(examples.load("multi-domain"))
    assert "- `example.com`: on `mx.example.com`" in text
    assert "- `example-shop.com`: an alias of `example.com`, delivered to its mailboxes" in text
    assert "parked-example.org`:" not in text.split("## 2.", 1)[1].split("## 3.", 1)[0]


def test_it_names_each_certificate_where_the_configs_read_it():
    from architect.core.exporters.deploy import certificate_paths

    design = examples.load("dmz-gateway")
    files = bundle(design, make_plan(design))
    text = files["README.md"]
    section = text[text.index("### Certificates") : text.index("## 2.")]
    for host in ("gw.example.com", "store.example.com"):
        for path in certificate_paths(files, host):
            assert path in section
    # The gateway in the DMZ proves its name over HTTP; the inside store only through DNS.
    assert "--preferred-challenges http -d gw.example.com" in section
    assert "--preferred-challenges dns -d store.example.com" in section
    assert "--deploy-hook 'systemctl reload postfix dovecot'" in section
