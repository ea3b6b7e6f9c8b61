"""Adding, editing and removing parts of a design: each change is checked as a whole design."""

from __future__ import annotations

import json

import pytest
from django import forms as django_forms
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from architect.core import design as core_design
from architect.designs import forms
from architect.designs.parts import stored_form, with_item
from tests.designs.factory import Factory
from tests.strategies import design_docs

pytestmark = pytest.mark.django_db

HOST = {
    "name": "mx2.example.org",
    "network": "hosting",
    "addresses": "192.0.2.20, 2001:db8::20",
    "mta": "postfix",
    "accepts_internet_smtp": "",
    "always_on": "on",
    "services": ["submission"],
}


@pytest.fixture
def f():
    return Factory()


@pytest.fixture
def alice(f):
    return f.make_visitor()


@pytest.fixture
def design(f, alice):
    return f.make_design(alice)


def add(alice, design, part, data):
    return alice.post(reverse("designs:part_add", args=[design.pk, part]), data)


def edit(alice, design, part, name, data):
    return alice.post(reverse("designs:part_edit", args=[design.pk, part, name]), data)


def test_it_adds_a_host_and_redirects_back_to_the_designer(alice, design):
    r = add(alice, design, "hosts", HOST)

    assert r.status_code == 303
    assert r["Location"] == reverse("designs:detail", args=[design.pk]) + "#part-hosts"
    design.refresh_from_db()
    host = design.document["hosts"][1]
    assert host["name"] == "mx2.example.org"
    assert host["addresses"] == ["192.0.2.20", "2001:db8::20"]
    assert host["services"] == ["submission"]
    assert "accepts_internet_smtp" not in host  # the default follows the network
    assert design.revisions.latest("number").summary == "Added host mx2.example.org."
    page = alice.get(r["Location"]).text
    assert "Added host mx2.example.org." in page  # the message after the redirect


def test_it_shows_the_add_form_on_its_own_page_without_javascript(alice, design):
    r = alice.get(reverse("designs:part_add", args=[design.pk, "hosts"]))

    assert r.status_code == 200
    assert "<title>Add a host · Small office · Mail Architect</title>" in r.text
    assert '<label for="form-hosts-new-name">Host name</label>' in r.text
    assert "port 25 of this host is reachable from the internet" in r.text
    assert 'method="post" action="/designs/' in r.text


@pytest.mark.parametrize(
    "hostile",
    [
        "mail.example.org\nRCPT TO:<victim@example.net>",
        'mail"example.org',
        "<script>alert(1)</script>.example.org",
        "mail.example.org; rm -rf /",
        "mail example.org",
    ],
)
def test_it_refuses_a_hostile_host_name_beside_the_field_and_keeps_the_design(
    alice, design, hostile
):
    before = design.document

    r = add(alice, design, "hosts", {**HOST, "name": hostile})

    assert r.status_code == 422
    assert '<div class="field field--invalid">\n  <label for="form-hosts-new-name">' in r.text
    assert 'id="form-hosts-new-name_errors"' in r.text
    assert "<script>alert" not in r.text
    design.refresh_from_db()
    assert design.document == before
    assert design.revisions.count() == 1


def test_it_keeps_what_was_typed_when_a_change_is_refused(alice, design):
    r = add(alice, design, "hosts", {**HOST, "addresses": "192.0.2.20 300.1.2.3"})

    assert r.status_code == 422
    assert 'value="192.0.2.20 300.1.2.3"' in r.text
    assert "&quot;300.1.2.3&quot; is not an IPv4 or IPv6 address" in r.text
    assert (
        'aria-describedby="form-hosts-new-addresses_helptext form-hosts-new-addresses_errors"'
        in (r.text)
    )
    assert 'aria-invalid="true"' in r.text


def test_it_maps_a_problem_of_another_part_to_the_top_of_the_form(alice, design):
    # A client named like a provider: the problem is reported at "clients", not the item.
    add(
        alice,
        design,
        "providers",
        {"name": "relay", "kind": "smarthost", "host": "smtp.example.net"},
    )

    r = add(
        alice,
        design,
        "clients",
        {
            "name": "relay",
            "kind": "desktop",
            "count": "1",
            "network": "roaming",
            "domain": "example.org",
        },
    )

    assert r.status_code == 422
    assert "This change was not saved:" in r.text
    assert "client and provider share the name" in r.text


def test_it_edits_a_host_in_place(alice, design):
    r = edit(
        alice,
        design,
        "hosts",
        "mail.example.org",
        {**HOST, "name": "mail.example.org", "services": ["imap", "submission", "webmail"]},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["hosts"][0]["services"] == ["imap", "submission", "webmail"]
    summary = design.revisions.latest("number").summary
    assert summary.startswith("Changed host mail.example.org: ")
    assert "services from imap, submission to imap, submission, webmail" in summary


def test_it_fills_the_edit_form_with_the_item(alice, design):
    r = alice.get(reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"]))

    assert r.status_code == 200
    assert 'value="mail.example.org"' in r.text
    assert 'value="192.0.2.10"' in r.text
    assert '<option value="hosting" selected>hosting</option>' in r.text
    assert 'value="imap"\n' in r.text or 'value="imap" ' in r.text


def test_it_carries_a_rename_to_everything_that_refers_to_it(alice, design):
    r = edit(alice, design, "networks", "roaming", {"name": "on-the-road", "zone": "remote"})

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["clients"][0]["network"] == "on-the-road"


def test_it_refuses_to_remove_a_network_that_hosts_sit_on_and_names_them(alice, design):
    r = alice.post(reverse("designs:part_remove", args=[design.pk, "networks", "hosting"]))

    assert r.status_code == 422
    assert (
        "Network hosting cannot be removed: it is used by host &quot;mail.example.org&quot;. "
        "Change or remove those first."
    ) in r.text
    design.refresh_from_db()
    assert len(design.document["networks"]) == 2


def test_it_removes_a_client(alice, design):
    r = alice.post(reverse("designs:part_remove", args=[design.pk, "clients", "laptops"]))

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["clients"] == []
    assert design.revisions.latest("number").summary == "Removed client laptops."


def test_it_refuses_to_remove_the_last_domain_and_says_why(alice, design):
    r = alice.post(reverse("designs:part_remove", args=[design.pk, "domains", "example.org"]))

    assert r.status_code == 422
    assert "cannot be removed" in r.text


def test_it_answers_404_for_an_unknown_part_or_item(alice, design):
    assert alice.get(reverse("designs:part_add", args=[design.pk, "printers"])).status_code == 404
    url = reverse("designs:part_edit", args=[design.pk, "hosts", "nope.example.org"])
    assert alice.get(url).status_code == 404
    assert alice.post(url, HOST).status_code == 404


def test_it_explains_the_fields_in_plain_words(alice, design):
    network = alice.get(reverse("designs:part_add", args=[design.pk, "networks"])).text
    client = alice.get(reverse("designs:part_add", args=[design.pk, "clients"])).text

    assert "Choose remote for laptops and phones that travel" in network
    assert "<legend>Where it is</legend>" in network
    assert "cannot give a user name and password when they send, as many printers" in client


def test_it_adds_a_provider_with_defaults_by_kind(alice, design):
    r = add(
        alice,
        design,
        "providers",
        {"name": "relay", "kind": "smarthost", "host": "smtp.example.net"},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["providers"] == [
        {"name": "relay", "kind": "smarthost", "host": "smtp.example.net"}
    ]


def test_it_edits_the_policy(alice, design):
    url = reverse("designs:policy", args=[design.pk])
    r = alice.post(
        url,
        {"dmarc": "reject", "mta_sts": "enforce", "dkim": "on", "reports_to": "dmarc@example.org"},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["policy"]["dmarc"] == "reject"
    assert design.document["policy"]["reports_to"] == "dmarc@example.org"


def test_it_refuses_a_bad_report_address_beside_its_field(alice, design):
    url = reverse("designs:policy", args=[design.pk])
    r = alice.post(url, {"dmarc": "reject", "mta_sts": "enforce", "reports_to": "not an address"})

    assert r.status_code == 422
    assert 'id="form-policy-reports_to_errors"' in r.text


def test_it_renames_the_design(alice, design):
    r = alice.post(
        reverse("designs:settings", args=[design.pk]),
        {"name": "Head office", "description": "Mail for HQ"},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.name == "Head office"
    assert design.document["description"] == "Mail for HQ"


def test_it_refuses_a_design_name_with_control_characters(alice, design):
    r = alice.post(reverse("designs:settings", args=[design.pk]), {"name": "Head\x07office"})

    assert r.status_code == 422
    assert "must not contain control characters" in r.text
    design.refresh_from_db()
    assert design.name == "Small office"


def test_it_saves_nothing_when_nothing_changed(alice, design):
    r = edit(
        alice,
        design,
        "clients",
        "laptops",
        {
            "name": "laptops",
            "kind": "desktop",
            "count": "3",
            "network": "roaming",
            "domain": "example.org",
            "can_authenticate": "on",
            "can_tls": "on",
        },
    )

    assert r.status_code == 303
    assert design.revisions.count() == 1


def _post_data(form) -> dict:
    """What a browser sends back for a form shown with its initial values."""
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, django_forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = list(value)
        else:
            data[name] = "" if value is None else str(value)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(design_docs())
def test_it_changes_nothing_when_a_form_is_sent_back_as_shown(document):
    # Every field of every item survives the trip through its form: opening an edit form
    # and saving it unchanged never alters a design.
    stored = stored_form(core_design.load(document))
    for part, form_class in forms.PART_FORMS.items():
        for index, item in enumerate(stored.get(part, [])):
            shown = form_class(initial=form_class.initial_from(item), document=stored)
            sent = form_class(_post_data(shown), document=stored)
            assert sent.is_valid(), (part, item, sent.errors)
            changed, _ = with_item(stored, part, index, sent.to_item())
            assert stored_form(core_design.load(changed)) == stored, (part, item)
    policy = stored.get("policy", {})
    shown = forms.PolicyForm(initial=forms.PolicyForm.initial_from(policy), document=stored)
    sent = forms.PolicyForm(_post_data(shown), document=stored)
    assert sent.is_valid(), sent.errors
    assert stored_form(core_design.load({**stored, "policy": sent.to_item()})) == stored


def test_it_saves_mailbox_users_typed_one_per_line_or_comma_separated(alice, design):
    r = edit(
        alice,
        design,
        "domains",
        "example.org",
        {"name": "example.org", "receives_mail": "on", "users": "Alice, bob\ncarol.d"},
    )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["domains"][0]["users"] == ["alice", "bob", "carol.d"]
    # Shown again one per line when the form is opened.
    page = alice.get(reverse("designs:part_edit", args=[design.pk, "domains", "example.org"]))
    assert '<label for="form-domains-0-users">Mailbox users' in page.text
    assert 'id="form-domains-0-users">\nalice\nbob\ncarol.d</textarea>' in page.text


def test_it_refuses_a_bad_mailbox_user_beside_the_field_and_keeps_the_design(alice, design):
    before = design.document

    r = edit(
        alice,
        design,
        "domains",
        "example.org",
        {"name": "example.org", "receives_mail": "on", "users": "alice\nbob@example.org"},
    )

    assert r.status_code == 422
    assert 'id="form-domains-0-users_errors"' in r.text
    assert "must be the part before the @ only" in r.text
    design.refresh_from_db()
    assert design.document == before


@pytest.mark.parametrize(
    "addresses", ["192.0.2.20 127.0.0.1", "::ffff:192.0.2.12", "fe80::1", "0.0.0.0"]
)
def test_it_refuses_an_unreachable_address_beside_the_field(alice, design, addresses):
    before = design.document

    r = add(alice, design, "hosts", {**HOST, "addresses": addresses})

    assert r.status_code == 422
    assert 'id="form-hosts-new-addresses_errors"' in r.text
    design.refresh_from_db()
    assert design.document == before


@pytest.mark.parametrize("route", ["settings", "hosts"])
def test_a_surrogate_sent_by_a_form_never_reaches_the_design(alice, design, route):
    # A form arrives as bytes: a surrogate encoded as if it were UTF-8 (ED A0 80) is not
    # UTF-8, and is read as U+FFFD, so what is stored is always writable.
    if route == "settings":
        url = reverse("designs:settings", args=[design.pk])
        body = "name=Small+office&description=Notes+%ED%A0%80"
    else:
        url = reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"])
        body = (
            "name=mail.example.org&network=hosting&addresses=192.0.2.10&mta=postfix"
            "&stores_mailboxes=on&always_on=on&services=imap%ED%A0%80"
        )

    r = alice.post(url, body, content_type="application/x-www-form-urlencoded")

    assert r.status_code in (303, 422)
    design.refresh_from_db()
    assert "\ud800" not in json.dumps(design.document)
    assert alice.get(reverse("designs:design_json", args=[design.pk])).status_code == 200


def test_two_tabs_a_stale_save_answers_409_with_what_changed(alice, design):
    # Both tabs open the host's edit form on the same revision.
    url = reverse("designs:part_edit", args=[design.pk, "hosts", "mail.example.org"])
    form_page = alice.get(url).text
    assert f'name="revision" value="{design.position}"' in form_page
    host = {**HOST, "name": "mail.example.org", "addresses": "192.0.2.10"}
    seen = str(design.position)

    # Tab 1 saves a new MTA; tab 2 then saves an address with the stale form.
    first = edit(
        alice, design, "hosts", "mail.example.org", {**host, "mta": "sendmail", "revision": seen}
    )
    second = edit(
        alice,
        design,
        "hosts",
        "mail.example.org",
        {**host, "addresses": "192.0.2.11", "revision": seen},
    )

    assert first.status_code == 303
    assert second.status_code == 409
    assert "your change was not saved" in second.text
    assert "Changed host mail.example.org: mta from postfix to sendmail" in second.text
    design.refresh_from_db()
    assert design.document["hosts"][0]["mta"] == "sendmail"
    assert design.document["hosts"][0]["addresses"] == ["192.0.2.10"]
