"""A design is its owner's alone: every address of it answers 404 to anyone else.

The addresses are read from the URLconf, so a route added later is walked too.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from architect.designs import urls as design_urls
from architect.designs.models import Design
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db

SAMPLE_KWARGS = {
    "part": "hosts",
    "name": "mail.example.org",
    "number": 1,
    "path": "plan.json",
}


def design_routes() -> list[URLPattern]:
    return [r for r in design_urls.urlpatterns if "pk" in r.pattern.converters]


def share_routes() -> list[URLPattern]:
    return list(design_urls.share_patterns)


def address(namespace: str, route: URLPattern, **key) -> str:
    kwargs = {k: v for k, v in SAMPLE_KWARGS.items() if k in route.pattern.converters}
    return reverse(f"{namespace}:{route.name}", kwargs={**kwargs, **key})


def every_address(design: Design) -> list[str]:
    return [address("designs", r, pk=design.pk) for r in design_routes()]


def strangers(f: Factory) -> dict[str, Client]:
    return {
        "another session": f.make_visitor(),
        "another user": f.make_user_client("mallory"),
        "no session at all": Client(),
    }


def test_it_walks_every_kind_of_design_address():
    # The walk below is only as good as this list: files, trace, parts, revisions, share.
    names = {r.name for r in design_routes()}

    assert {
        "detail",
        "design_json",
        "plan_json",
        "diagram_svg",
        "diagram_png",
        "diagram_dot",
        "export_zip",
        "file",
        "trace",
        "part_add",
        "part_edit",
        "part_remove",
        "policy",
        "settings",
        "undo",
        "redo",
        "history",
        "revision",
        "restore",
        "share",
        "unshare",
        "duplicate",
        "delete",
        "start",
    } <= names


def test_it_answers_the_owner_on_every_address():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)

    for url in every_address(design):
        assert alice.get(url).status_code != 404, url


@pytest.mark.parametrize("who", ["another session", "another user", "no session at all"])
def test_it_answers_404_to_anyone_else_on_every_address_and_method(who):
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    design.share()
    before = (design.document, design.position, design.share_token, design.revisions.count())
    stranger = strangers(f)[who]

    for url in every_address(design):
        for method in ("get", "post"):
            r = getattr(stranger, method)(url, {"name": "x", "design": "x"})
            assert r.status_code == 404, f"{method.upper()} {url} gave {r.status_code}"
        r = stranger.get(url, headers={"HX-Request": "true"})
        assert r.status_code == 404, f"htmx GET {url}"

    # Nothing the stranger sent changed, shared, duplicated or deleted the design.
    design.refresh_from_db()
    assert (design.document, design.position, design.share_token, design.revisions.count()) == (
        before
    )
    assert Design.objects.count() == 1


def test_it_answers_404_for_a_design_that_does_not_exist():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    design_id = design.pk
    design.delete()

    r = alice.get(reverse("designs:detail", args=[design_id]))

    assert r.status_code == 404
    assert "We could not find that page" in r.text


def test_it_keeps_a_signed_in_users_designs_from_their_old_session_and_other_users():
    f = Factory()
    alice = f.make_user_client("alice")
    design = f.make_design(alice)
    bob = f.make_user_client("bob")

    assert alice.get(reverse("designs:detail", args=[design.pk])).status_code == 200
    assert bob.get(reverse("designs:detail", args=[design.pk])).status_code == 404


def test_it_opens_a_share_link_for_anyone_and_404s_once_revoked():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    token = design.share()
    anyone = Client()
    urls = [address("share", r, token=token) for r in share_routes()]

    for url in urls:
        assert anyone.get(url).status_code == 200, url

    design.unshare()

    for url in urls:
        assert anyone.get(url).status_code == 404, url


def test_it_gives_a_new_link_when_shared_again_and_the_old_one_stays_dead():
    f = Factory()
    design = f.make_design(f.make_visitor())
    old = design.share()
    design.unshare()
    new = design.share()

    assert new != old
    assert Client().get(reverse("share:detail", args=[old])).status_code == 404
    assert Client().get(reverse("share:detail", args=[new])).status_code == 200


@pytest.mark.parametrize("token", ["x", "short-token", "A" * 43])
def test_it_answers_404_for_a_token_that_was_never_given(token):
    f = Factory()
    f.make_design(f.make_visitor()).share()

    assert Client().get(f"/s/{token}/").status_code == 404


def test_it_refuses_a_share_link_from_changing_anything():
    f = Factory()
    design = f.make_design(f.make_visitor())
    token = design.share()
    anyone = Client()

    # The share namespace has no address that changes a design, and the designer's own
    # addresses answer 404 to the link's holder.
    for route in share_routes():
        r = anyone.post(address("share", route, token=token))
        assert r.status_code == 405, route.name
    assert anyone.post(reverse("designs:undo", args=[design.pk])).status_code == 404
