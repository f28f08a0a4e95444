"""Releasing an assignment asks first and then offers Undo, like a plan (issue 15:
"Frigi" released 15 persons in one click, with no question and no Undo, and the reply
began "Angret:")."""

from __future__ import annotations

import json

import pytest

from bot.batch_blocks import BATCH_PAGE_ACTION
from bot.i18n import Texts
from bot.release_blocks import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    UNDO_ACTION,
    release_done,
    release_preview,
    release_undone,
)
from capacity import Actor, errors
from tests.conftest import ADMIN, CLI

OTHER = Actor(id="U_BRG", name="bergen")


@pytest.fixture
def assigned(fresh):
    """Trondheim has 15 of the Moria 50 (households 5, 5, 5): allocation and service."""
    fresh.create_batch("Moria 2020", 50, ADMIN, households=(5,) * 6 + (4, 6, 5, 5), year=2020)
    result = fresh.allocate("Moria 2020", "Trondheim", 15, ADMIN, households=(5, 5, 5))
    return result.allocation, fresh


def room(service, name: str = "Trondheim") -> int:
    return service.capacity(name).remaining


def buttons(message) -> dict[str, dict]:
    return {e["action_id"].split(":")[0]: e for b in message.blocks if b["type"] == "actions"
            for e in b["elements"]}  # fmt: skip


def test_release_says_what_it_would_release_and_releases_nothing_yet(assigned):
    allocation, service = assigned
    found = service.preview_release(allocation.id, ADMIN)
    assert room(service) == 100 and service.batch("Moria 2020").allocated == 15
    message = release_preview(found, Texts("nb"))
    text = message.blocks[0]["text"]["text"]
    assert text == (
        f"Frigi tildeling `#{allocation.id}`: *15* personer fra *Moria 2020* i *Trondheim* "
        "(husholdninger 5,5,5)? Plassene går tilbake til Trondheim, som da har 115 ledige. "
        "*Moria 2020* får 50 personer uten plass."
    )
    found_buttons = buttons(message)
    assert set(found_buttons) == {CONFIRM_ACTION, CANCEL_ACTION}
    assert found_buttons[CONFIRM_ACTION]["style"] == "danger"
    assert json.loads(found_buttons[CONFIRM_ACTION]["value"]) == {"k": found.key}


def test_from_a_batchs_page_cancel_goes_back_to_the_page(assigned):
    allocation, service = assigned
    found = service.preview_release(allocation.id, ADMIN)
    message = release_preview(found, Texts("nn"), page=1)
    assert message.blocks[0]["text"]["text"].startswith("Frigjere tildeling")
    back = buttons(message)[BATCH_PAGE_ACTION]
    assert back["text"]["text"] == "Avbryt"
    assert json.loads(back["value"]) == {"b": found.batch.id, "p": 1}


def test_confirm_releases_once_and_offers_undo_never_saying_undone(assigned):
    allocation, service = assigned
    key = service.preview_release(allocation.id, ADMIN).key
    done = service.confirm_release(key, ADMIN)
    assert room(service) == 115 and done.batch.unallocated == 50 and done.remaining == 115
    for language, begins in (("nb", "Frigitt av <@U_ADMIN>"), ("nn", "Frigjort av <@U_ADMIN>")):
        message = release_done(done, Texts(language), ADMIN.id)
        text = message.blocks[0]["text"]["text"]
        assert text.startswith(begins) and "Angret" not in text and "Angra" not in text
        assert "(husholdninger 5,5,5)" in text or "(hushald 5,5,5)" in text
        assert json.loads(buttons(message)[UNDO_ACTION]["value"]) == {"k": key}
    again = service.confirm_release(key, ADMIN)
    assert again.duplicate and room(service) == 115  # released once
    text = release_done(again, Texts("nb"), ADMIN.id).blocks[0]["text"]["text"]
    assert "ble frigitt" in text and "av <@U_ADMIN>" in text and UNDO_ACTION not in str(text)


def test_undo_reserves_the_same_households_there_again_once(assigned):
    allocation, service = assigned
    key = service.preview_release(allocation.id, ADMIN).key
    service.confirm_release(key, ADMIN)
    result = service.undo_release(key, ADMIN)
    assert result.granted and result.allocation.units == ((5,), (5,), (5,))
    assert result.municipality.name_no == "Trondheim" and room(service) == 100
    text = release_undone(result, Texts("nb"), ADMIN.id).blocks[0]["text"]["text"]
    assert text.startswith("Frigivelsen er angret av <@U_ADMIN>: *15* personer")
    again = service.undo_release(key, ADMIN)
    assert again.duplicate and room(service) == 100  # reserved once
    assert service.batch("Moria 2020").allocated == 15


def test_undo_after_the_room_was_taken_is_refused_with_the_numbers(assigned):
    allocation, service = assigned
    key = service.preview_release(allocation.id, ADMIN).key
    service.confirm_release(key, ADMIN)
    service.report_spare("Trondheim", 10, ADMIN, source="møte")
    result = service.undo_release(key, ADMIN)
    assert not result.granted and result.remaining == 10
    assert service.batch("Moria 2020").allocated == 0


def test_undo_of_a_release_never_confirmed_is_refused(assigned):
    allocation, service = assigned
    key = service.preview_release(allocation.id, ADMIN).key
    with pytest.raises(errors.InvalidInput) as refused:
        service.undo_release(key, ADMIN)
    assert refused.value.code == "release_not_applied"
    assert "ingenting å angre" in Texts("nb").refusal(refused.value)


def test_an_editor_of_another_municipality_may_not_release_it(assigned):
    allocation, service = assigned
    service.grant(OTHER.id, "editor", CLI, "Bergen")
    with pytest.raises(errors.PermissionDenied):
        service.preview_release(allocation.id, OTHER)


def test_an_assignment_released_before_says_when_and_by_whom(assigned):
    allocation, service = assigned
    service.release(allocation.id, ADMIN, reason="test")
    found = service.preview_release(allocation.id, ADMIN)
    assert found.key is None and found.released.by == ADMIN.id
    message = release_preview(found, Texts("nn"))
    assert "vart frigjord" in message.blocks[0]["text"]["text"] and not buttons(message)
