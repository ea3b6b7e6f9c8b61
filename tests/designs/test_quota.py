"""What a visitor without an account, and an account, may store: refused whole past the cap."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse

from architect.core import design as core_design
from architect.designs import quota
from architect.designs.models import Design, Revision
from architect.designs.parts import stored_form
from tests.designs.factory import Factory

pytestmark = pytest.mark.django_db


def quotas(anonymous=None, account=None) -> dict:
    current = django_settings.DESIGN_QUOTAS
    return {
        "anonymous": {**current["anonymous"], **(anonymous or {})},
        "account": {**current["account"], **(account or {})},
    }


def upload(document: dict, name: str = "design.json") -> io.BytesIO:
    file = io.BytesIO(json.dumps(document).encode())
    file.name = name
    return file


def stored_bytes(document: dict) -> int:
    """What the document takes once stored (its canonical form, as the JSONField keeps it)."""
    return quota.stored_size(stored_form(core_design.load(document)))


def test_it_refuses_an_import_over_the_anonymous_byte_cap_and_saves_nothing():
    f = Factory()
    alice = f.make_visitor()
    first = f.make_design(alice)  # one document and its revision
    used = quota.usage(first).bytes
    big = f.make_document(name="Big office", description="x" * 1900)
    # The design and its first revision: one byte short of room for both.
    cap = used + 2 * stored_bytes(big) - 1

    with override_settings(DESIGN_QUOTAS=quotas(anonymous={"bytes": cap})):
        before = (Design.objects.count(), Revision.objects.count())
        r = alice.post(reverse("designs:import"), {"design": upload(big)})

    assert r.status_code == 413
    assert "The file was not imported" in r.text
    assert "over the" in r.text and "a visitor without an account may store" in r.text
    assert "sign in: an account may keep 200 designs" in r.text
    assert (Design.objects.count(), Revision.objects.count()) == before
    assert not Design.objects.filter(name="Big office").exists()

    # The same file fits once there is room.
    with override_settings(DESIGN_QUOTAS=quotas(anonymous={"bytes": cap + 1})):
        r = alice.post(reverse("designs:import"), {"design": upload(big)})
    assert r.status_code == 303
    assert Design.objects.filter(name="Big office").count() == 1


@override_settings(DESIGN_QUOTAS=quotas(anonymous={"designs": 2}))
def test_it_refuses_a_third_design_past_a_count_cap_of_two():
    f = Factory()
    alice = f.make_visitor()
    assert alice.post(reverse("designs:new")).status_code == 303
    assert alice.post(reverse("examples:copy", args=["solo-server"])).status_code == 303

    for refused in (
        alice.post(reverse("designs:new")),
        alice.post(reverse("examples:copy", args=["solo-server"])),
        alice.post(reverse("designs:import"), {"design": upload(f.make_document())}),
    ):
        assert refused.status_code == 413
        assert "may keep 2 designs, and you have 2" in refused.text
    assert Design.objects.count() == 2
    # Another browser has a cap of its own.
    assert f.make_visitor().post(reverse("designs:new")).status_code == 303


def test_it_puts_the_cap_message_in_place_of_an_htmx_form_and_lets_a_smaller_save_through():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    cap = quota.usage(design).bytes + 10  # full
    form = {"HX-Request": "true", "HX-Trigger": "form-clients-new"}
    add = reverse("designs:part_add", args=[design.pk, "clients"])
    data = {"name": "printers", "kind": "device", "count": "1", "network": "roaming"}
    data |= {"domain": "example.org", "revision": str(design.position)}

    with override_settings(DESIGN_QUOTAS=quotas(anonymous={"bytes": cap})):
        r = alice.post(add, data, headers=form)
        assert r.status_code == 413
        assert r["HX-Retarget"] == "#form-clients-new"
        assert r["HX-Reswap"] == "afterbegin"
        assert "Nothing was saved." in r.text
        assert "delete designs you no longer need" in r.text
        design.refresh_from_db()
        assert "printers" not in json.dumps(design.document)
        # Removing something makes the design smaller: allowed, even at the cap.
        remove = reverse("designs:part_remove", args=[design.pk, "clients", "laptops"])
        assert alice.post(remove).status_code == 303
    design.refresh_from_db()
    assert design.document["clients"] == []


def test_it_gives_an_account_its_own_cap():
    f = Factory()
    alice = f.make_user_client("alice")
    with override_settings(DESIGN_QUOTAS=quotas(anonymous={"designs": 1}, account={"designs": 3})):
        answers = [alice.post(reverse("designs:new")).status_code for _ in range(4)]
        r = alice.post(reverse("designs:new"))

    assert answers == [303, 303, 303, 413]
    assert "An account may keep 3 designs, and you have 3" in r.text
    assert "sign in" not in r.text
    assert Design.objects.filter(owner=alice.user).count() == 3


def test_it_counts_the_undo_history_and_the_default_caps_hold_a_normal_design():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    size = len(json.dumps(design.document))
    for i in range(3):
        document = {**design.document, "description": f"version {i}"}
        design.commit(document, f"Edit {i}.")

    used = quota.usage(design)

    assert used.designs == 1
    assert used.bytes == len(json.dumps(design.document)) * (1 + design.revisions.count())
    assert size * 4 < used.bytes < size * 6
    assert used.bytes < django_settings.DESIGN_QUOTAS["anonymous"]["bytes"]


def test_at_the_cap_a_save_drops_the_designs_oldest_undo_steps_to_make_room():
    f = Factory()
    alice = f.make_visitor()
    design = f.make_design(alice)
    for i in range(3):
        design.commit({**design.document, "description": f"version {i}"}, f"Edit {i}.")
    full = quota.usage(design).bytes  # the document and four revisions of one size
    assert list(design.revisions.values_list("number", flat=True)) == [1, 2, 3, 4]

    with override_settings(DESIGN_QUOTAS=quotas(anonymous={"bytes": full})):
        r = alice.post(
            reverse("designs:settings", args=[design.pk]),
            {"name": "Small office", "description": "version 9"},
        )

    assert r.status_code == 303
    design.refresh_from_db()
    assert design.document["description"] == "version 9"
    # Five revisions would not fit: the oldest went, so the designs stay within the cap.
    assert list(design.revisions.values_list("number", flat=True)) == [2, 3, 4, 5]
    assert quota.usage(design).bytes <= full
    assert design.can_undo()
