"""A Confirm clicked again after its assignment (or plan) was undone says what is true:
that it was confirmed and undone, when and by whom, and what is active now — never
"already assigned" for places no longer held. In process, in all three languages."""

from __future__ import annotations

import json

import pytest

from bot import plan_blocks
from bot.app import LOCAL_SECRET, create_app
from bot.i18n import Texts
from bot.listeners.batch_buttons import RelocationButtons
from bot.listeners.payload import ConfirmValue, KeyValue, UndoValue
from bot.listeners.plan_buttons import PlanButtons
from bot.listeners.relocation import RelocationCommand
from bot.settings import load_settings
from capacity import Actor
from tests.conftest import CLI

KARI = Actor(id="U_KARI", name="kari")
OLA = Actor(id="U_OLA", name="ola")
MORIA = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
WORDS = {  # (confirmed … undone, nothing active, some undone, already assigned)
    "nb": ("og angret", "er ikke aktiv", "1 av de 2 tildelingene", "Allerede"),
    "nn": ("og angra", "er ikkje aktiv", "1 av dei 2 tildelingane", "Allereie"),
    "en": ("and undone on", "is not active", "1 of the 2 assignments", "Already"),
}


@pytest.fixture(params=["nb", "nn", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def app(fresh, language):
    for actor in (KARI, OLA):
        fresh.grant(actor.id, "admin", CLI)
    settings = load_settings(
        slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test", capacity_language=language
    )
    return create_app(settings, fresh)


def undo_ids(message) -> list[int]:
    return [
        json.loads(element["value"])["a"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("relocation_undo")
    ]


def test_a_confirm_after_undo_says_when_and_by_whom_and_that_nothing_is_active(
    app, fresh, clock, language
):
    fresh.create_batch("Moria 2020", 50, KARI, year=2020, households=MORIA)
    preview = fresh.preview_assignment("Moria 2020", [("Oslo", 10, ())], KARI)
    buttons = RelocationButtons(app.deps)
    done = buttons._confirm(ConfirmValue(k=preview.key), KARI)
    confirmed_at = clock.now
    clock.advance(minutes=42)
    [allocation_id] = undo_ids(done)
    buttons._undo(UndoValue(a=allocation_id), OLA)
    assert fresh.capacity("Oslo").reserved == 0

    again = buttons._confirm(ConfirmValue(k=preview.key), KARI)
    t = Texts(language)
    undone, inactive, _, already = WORDS[language]
    assert not again.text.startswith(already)
    assert undone in again.text and inactive in again.text
    assert t.date(confirmed_at) in again.text and t.date(clock.now) in again.text
    assert "<@U_KARI>" in again.text and "<@U_OLA>" in again.text
    assert undo_ids(again) == []  # nothing to undo
    assert fresh.capacity("Oslo").reserved == 0  # and nothing reserved again


def test_a_confirm_of_several_after_one_undo_shows_what_is_still_active(app, fresh, language):
    fresh.create_batch("Moria 2020", 50, KARI, year=2020, households=MORIA)
    preview = fresh.preview_assignment("Moria 2020", [("Oslo", 10, ()), ("Bergen", 6, ())], KARI)
    buttons = RelocationButtons(app.deps)
    done = buttons._confirm(ConfirmValue(k=preview.key), KARI)
    oslo, bergen = undo_ids(done)
    buttons._undo(UndoValue(a=oslo), OLA)

    again = buttons._confirm(ConfirmValue(k=preview.key), KARI)
    undone, _, some, already = WORDS[language]
    assert some in again.text and not again.text.startswith(already)
    shown = json.dumps(again.blocks, ensure_ascii=False)
    assert "Bergen" in shown and "Oslo" not in shown  # the active line only
    assert undo_ids(again) == [bergen]

    buttons._undo(UndoValue(a=bergen), OLA)
    last = buttons._confirm(ConfirmValue(k=preview.key), KARI)
    assert undone in last.text and undo_ids(last) == []
    assert fresh.capacity("Oslo").reserved == fresh.capacity("Bergen").reserved == 0


def test_a_plan_confirmed_again_after_its_undo_says_none_of_it_is_active(app, fresh, language):
    fresh.create_batch("Moria 2020", 50, KARI, year=2020, households=MORIA)
    plan = fresh.plan_batch("Moria 2020", KARI)
    buttons = PlanButtons(app.deps, RelocationCommand(app.deps))
    buttons.plan_confirm(KeyValue(k=plan.key), KARI)
    buttons.plan_undo(KeyValue(k=plan.key), OLA)

    again = buttons.plan_confirm(KeyValue(k=plan.key), KARI)
    undone, _, _, already = WORDS[language]
    assert undone in again.text and not again.text.startswith(already)
    assert str(len(plan.lines)) in again.text and "<@U_OLA>" in again.text
    actions = [b for b in again.blocks if b["type"] == "actions"]
    assert actions == []  # no Undo of what is not there
    assert plan_blocks.PLAN_UNDO_ACTION not in json.dumps(again.blocks)
    assert fresh.overview("storbynettverket", 2020).totals["remaining"].value == 398
