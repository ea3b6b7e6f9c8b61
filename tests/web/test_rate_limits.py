"""Sign-in attempts and writes are limited per client: 429 with Retry-After past the limit.

Real requests through Django's test client (and one through a real HTTP server), counted
in the real cache; the limits are the defaults of settings.py unless a test says otherwise.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from architect.designs.models import Design, LiveCheck
from tests.designs.factory import Factory

# A fast hasher: these tests sign in hundreds of times, and the limits, not the hashing,
# are what they are about.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_hasher"),
]


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def window_start(seconds: int) -> None:
    """Wait for a fresh window of ``seconds``, so that a test's requests fall in one."""
    time.sleep(seconds - time.time() % seconds + 0.05)


@pytest.fixture(autouse=True)
def room_in_the_window():
    """Limits count in fixed windows (a minute, 15 minutes): should the current minute end
    within the next 15 s, start the test in the next one, so its requests share a window."""
    if 60 - time.time() % 60 < 15:
        window_start(60)


PASSWORD = "correct horse battery staple"
HX = {"HX-Request": "true"}


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def rates(**changes) -> dict:
    from django.conf import settings

    return {**settings.RATE_LIMITS, **changes}


# -- sign-in ---------------------------------------------------------------------------


def test_it_answers_429_to_the_31st_wrong_sign_in_from_one_address():
    f = Factory()
    f.make_user("alice", PASSWORD)
    client = Client()

    # Each guess tries another account name, so only the address limit (30) applies.
    answers = [sign_in(client, f"guess{i}", "wrong").status_code for i in range(31)]

    assert answers[:30] == [400] * 30
    assert answers[30] == 429
    r = sign_in(client, "alice", PASSWORD)  # the right password does not get through now
    assert r.status_code == 429
    assert "Too many sign-in attempts have come from your address" in r.text
    assert "Try again in" in r.text
    assert 0 < int(r["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_it_limits_one_account_name_from_every_address():
    f = Factory()
    f.make_user("alice", PASSWORD)

    # Ten addresses, one guess each, then an eleventh with the right password.
    answers = [
        sign_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), "alice", "wrong").status_code
        for i in range(10)
    ]
    r = sign_in(Client(REMOTE_ADDR="203.0.113.7"), "Alice", PASSWORD)

    assert answers == [400] * 10
    assert r.status_code == 429
    assert "for this account name" in r.text
    assert r["Retry-After"].isdigit()


def test_it_does_not_slow_a_sign_in_that_succeeds():
    f = Factory()
    f.make_user("alice", PASSWORD)

    # Forty sign-ins from one address are not forty guesses: the 31st is not refused, and
    # none waits (forty take well under a second each).
    started = time.monotonic()
    for _ in range(40):
        assert sign_in(Client(), "alice", PASSWORD).status_code == 303
    assert time.monotonic() - started < 40 * 0.5

    # Nine wrong, then right: the account name starts again from nothing.
    for _ in range(9):
        assert sign_in(Client(), "alice", "wrong").status_code == 400
    assert sign_in(Client(), "alice", PASSWORD).status_code == 303
    for _ in range(10):
        assert sign_in(Client(), "alice", "wrong").status_code == 400
    assert sign_in(Client(), "alice", "wrong").status_code == 429


def test_it_lets_sign_ins_through_again_once_the_window_ends():
    f = Factory()
    f.make_user("alice", PASSWORD)
    client = Client()

    with override_settings(RATE_LIMITS=rates(**{"login-address": (3, 3)})):
        window_start(3)
        assert [sign_in(client, f"x{i}", "wrong").status_code for i in range(3)] == [400] * 3
        refused = sign_in(client, "alice", PASSWORD)
        assert refused.status_code == 429
        time.sleep(int(refused["Retry-After"]) + 0.2)
        assert sign_in(client, "alice", PASSWORD).status_code == 303


def test_it_counts_an_ipv6_client_by_its_64_and_ignores_forwarded_for_unless_told():
    f = Factory()
    f.make_user("alice", PASSWORD)

    with override_settings(RATE_LIMITS=rates(**{"login-address": (2, 900)})):
        for i in range(2):
            r = sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1}"), f"a{i}", "wrong")
            assert r.status_code == 400
        # Another address of the same /64, and a made-up X-Forwarded-For: still refused.
        r = sign_in(
            Client(REMOTE_ADDR="2001:db8:1:2:ffff::9"),
            "alice",
            PASSWORD,
            headers={"X-Forwarded-For": "192.0.2.99"},
        )
        assert r.status_code == 429
        # Another /64 is another client.
        assert sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), "alice", PASSWORD).status_code == 303


def test_it_takes_the_proxys_address_from_the_header_the_settings_name():
    f = Factory()
    f.make_user("alice", PASSWORD)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    with override_settings(
        CLIENT_IP_HEADER="X-Forwarded-For", RATE_LIMITS=rates(**{"login-address": (2, 900)})
    ):
        for i in range(2):
            # What the client wrote comes first; the proxy appends the address it saw.
            headers = {"X-Forwarded-For": f"10.9.9.{i}, 192.0.2.1"}
            assert sign_in(Client(**proxy), f"b{i}", "wrong", headers=headers).status_code == 400
        spoofed = {"X-Forwarded-For": "10.1.1.1, 192.0.2.1"}
        assert sign_in(Client(**proxy), "alice", PASSWORD, headers=spoofed).status_code == 429
        # Another client behind the same proxy is not held up by the first one.
        other = {"X-Forwarded-For": "192.0.2.2"}
        assert sign_in(Client(**proxy), "alice", PASSWORD, headers=other).status_code == 303


def test_it_limits_sign_ins_through_a_real_http_server(live_server):
    # A real server and real HTTP. The CSRF cookie is marked Secure (debug is off), so a
    # cookie jar would not send it back over plain HTTP: it is sent by hand.
    url = live_server.url + reverse("accounts:login")
    with urllib.request.urlopen(url) as first:
        page = first.read().decode()
        cookie = first.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def attempt(i: int) -> urllib.error.HTTPError:
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": f"nobody{i}", "password": "wrong"}
        ).encode()
        request = urllib.request.Request(url, data=data, headers={"Cookie": cookie, "Referer": url})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request)
        return caught.value

    answers = [attempt(i).code for i in range(30)]
    last = attempt(30)

    assert answers == [400] * 30
    assert last.code == 429
    assert int(last.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in last.read().decode()


# -- writes ----------------------------------------------------------------------------


def add_client(visitor: Client, design: Design, name: str, **extra):
    return visitor.post(
        reverse("designs:part_add", args=[design.pk, "clients"]),
        {
            "name": name,
            "kind": "device",
            "count": "1",
            "network": "roaming",
            "domain": "example.org",
            "revision": str(Design.objects.get(pk=design.pk).position),
        },
        **extra,
    )


def test_it_answers_the_61st_save_in_a_minute_with_429_and_saves_nothing():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    answers = [add_client(alice, design, f"printer-{i}").status_code for i in range(60)]
    before = Design.objects.get(pk=design.pk).position
    r = add_client(alice, design, "one-too-many")

    assert answers == [303] * 60
    assert r.status_code == 429
    assert 0 < int(r["Retry-After"]) <= 60
    assert "You have sent 60 changes in the last minute" in r.text
    assert "<h1>Too many requests</h1>" in r.text
    design.refresh_from_db()
    assert design.position == before
    assert "one-too-many" not in str(design.document)


@override_settings(RATE_LIMITS=rates(writes=(2, 60)))
def test_it_puts_the_message_in_place_of_an_htmx_form():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    form = {"HX-Request": "true", "HX-Trigger": "form-clients-new"}
    add_client(alice, design, "one", headers=form)
    add_client(alice, design, "two", headers=form)

    r = add_client(alice, design, "three", headers=form)

    assert r.status_code == 429
    # At the top of the form that was sent, which keeps what was typed (designer.js swaps
    # 429 answers in): not a blank, not a whole page.
    assert r["HX-Retarget"] == "#form-clients-new"
    assert r["HX-Reswap"] == "afterbegin"
    assert r.text.lstrip().startswith('<div class="notice notice--error" role="alert"')
    assert "<html" not in r.text
    assert "Nothing was saved; what you typed is still here." in r.text
    # A form without an id (undo, remove) gets the notice at the top of the plan panel.
    r = alice.post(reverse("designs:undo", args=[design.pk]), headers=HX)
    assert r.status_code == 429
    assert r["HX-Retarget"] == "#result"


def test_the_designer_script_swaps_429_and_413_answers_in():
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "static/js/designer.js"
    rule = re.search(r'code: "\(([0-9|]+)\)", swap: true, error: false', script.read_text())

    assert rule is not None
    assert {"413", "429"} <= set(rule.group(1).split("|"))


WRITES = [
    ("designs:new", lambda d: []),
    ("designs:part_add", lambda d: [d.pk, "clients"]),
    ("designs:dkim_generate", lambda d: [d.pk]),
    ("designs:share", lambda d: [d.pk]),
    ("designs:live", lambda d: [d.pk]),
    ("designs:duplicate", lambda d: [d.pk]),
    ("examples:copy", lambda d: ["small-office"]),
]


@pytest.mark.parametrize("name,args", WRITES, ids=[w[0] for w in WRITES])
@override_settings(RATE_LIMITS=rates(writes=(3, 60)))
def test_it_refuses_every_kind_of_write_past_the_limit(name, args):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    url = reverse(name, args=args(design))
    for _ in range(3):
        alice.post(reverse("designs:share", args=[design.pk]))
    before = (Design.objects.count(), LiveCheck.objects.count(), design.revisions.count())
    token = Design.objects.get(pk=design.pk).share_token

    r = alice.post(url, {"domain": "example.org", "kind": "ed25519"})

    assert r.status_code == 429, r.status_code
    assert r["Retry-After"].isdigit()
    assert (Design.objects.count(), LiveCheck.objects.count(), design.revisions.count()) == (before)
    assert Design.objects.get(pk=design.pk).share_token == token
    # Reading is never limited.
    assert alice.get(reverse("designs:detail", args=[design.pk])).status_code == 200


@override_settings(RATE_LIMITS=rates(creates=(2, 3600)))
def test_it_limits_imports_and_new_designs_more_tightly_than_saves():
    f = Factory()
    alice = f.make_visitor()
    upload = f.make_document()
    import io
    import json

    def import_one():
        file = io.BytesIO(json.dumps(upload).encode())
        file.name = "design.json"
        return alice.post(reverse("designs:import"), {"design": file})

    assert [import_one().status_code for _ in range(2)] == [303, 303]
    r = import_one()
    assert r.status_code == 429
    assert "You have made 2 new designs, copies, imports or keys in the last hour" in r.text
    assert alice.post(reverse("designs:new")).status_code == 429
    assert Design.objects.count() == 2


@override_settings(RATE_LIMITS=rates(writes=(2, 60)))
def test_it_counts_a_signed_in_visitor_as_their_account():
    f = Factory()
    alice = f.make_user_client("alice")
    bob = f.make_user_client("bob")  # same address (127.0.0.1) as alice
    design_a, design_b = f.make_design(alice), f.make_design(bob)
    for i in range(2):
        assert add_client(alice, design_a, f"a{i}").status_code == 303

    assert add_client(alice, design_a, "a2").status_code == 429
    assert add_client(bob, design_b, "b0").status_code == 303


@override_settings(RATE_LIMITS=rates(creates=(1, 3600)))
def test_it_counts_new_accounts_among_what_makes_something_new():
    def sign_up(name: str):
        return Client().post(
            reverse("accounts:signup"),
            {"username": name, "password1": PASSWORD, "password2": PASSWORD},
        )

    assert sign_up("first").status_code == 303
    r = sign_up("second")

    assert r.status_code == 429
    assert "Nothing was made." in r.text
    from django.contrib.auth import get_user_model

    assert list(get_user_model().objects.values_list("username", flat=True)) == ["first"]
