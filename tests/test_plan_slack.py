"""Plans and previews in Slack, in process: the largest plan the data allows within
Slack's limits, buttons that carry only keys, "did you mean" that carries the command
on, pages with Release, cancelling that asks first, and room for a household."""

from __future__ import annotations

import dataclasses
import json
import random
import re
import tomllib

import pytest

from bot import plan_blocks
from bot.app import LOCAL_SECRET, create_app
from bot.i18n import Texts
from bot.listeners.payload import KeyValue, RedoValue, ReleaseValue
from bot.listeners.plan_buttons import PlanButtons
from bot.listeners.releases import ReleaseKeyValue, Releases
from bot.listeners.relocation import RelocationCommand
from bot.plan_file import plan_csv
from bot.plan_notes_blocks import FIRST_ROWS
from bot.release_blocks import CONFIRM_ACTION
from bot.settings import load_settings
from bot.terminal import ask
from capacity import Actor, Measure
from capacity.texts.i18n import LOCALES
from tests.conftest import ADMIN, CLI
from tests.test_security import ask_relocation

LOCAL = Actor(id="ULOCAL", name="terminal")
MORIA = "5,4,6,5,5,6,4,5,5,5"


@pytest.fixture
def app(fresh):
    fresh.grant("ULOCAL", "admin", CLI)
    settings = load_settings(slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test")
    return create_app(settings, fresh)


def buttons(app) -> PlanButtons:
    return PlanButtons(app.deps, RelocationCommand(app.deps))


def elements(message: dict) -> list[dict]:
    found = []
    for block in message["blocks"]:
        found += block.get("elements", []) if block["type"] == "actions" else []
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def button_with(message: dict, action: str) -> dict:
    return next(e for e in elements(message) if e["action_id"].split(":")[0] == action)


def within_limits(message: dict) -> None:
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] in ("section", "header"):
            assert len(block["text"]["text"]) <= (3000 if block["type"] == "section" else 150)
    for element in elements(message):
        assert len(element["value"]) <= 2000 and len(element["text"]["text"]) <= 75


def test_both_catalogues_have_every_text():
    def keys(table: dict, prefix: str = "") -> set[str]:
        found = set()
        for key, value in table.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    locales = LOCALES
    nb, en = (tomllib.loads((locales / f"{lang}.toml").read_text()) for lang in ("nb", "en"))
    assert keys(nb) - keys(en) == set()
    assert keys(en) - keys(nb) == set()  # the singulars too (import_one)


@pytest.mark.slow
@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_largest_plan_the_data_allows_fits_one_message(fresh, language):
    """The 2022 decisions as room in all 356 municipalities, and a month's surge."""
    decisions = [
        (line.municipality.number, line.value(Measure.DECISION))
        for line in fresh.overview("norge", 2022).lines
    ]
    rows = [(n, 2022, Measure.SPARE, v or 0) for n, v in decisions]
    fresh.set_figures(rows, CLI, source="IMDi vedtak 2022 as room")
    rng = random.Random(2022)
    sizes, persons = [], 0
    while persons < 3500:
        sizes.append(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9]))
        persons += sizes[-1]
    households = [*sizes[:-2], (sizes[-2], sizes[-1])]  # and one pair linked
    fresh.create_batch("Surge", persons, ADMIN, year=2022, households=households, scope="norge")
    plan = fresh.plan_batch("Surge", ADMIN)
    assert len(decisions) == 356 and len(plan.lines) > 300
    t = Texts(language)
    message = plan_blocks.plan_preview(plan, t, "Norge").check()
    payload = {"text": message.text, "blocks": message.blocks}
    within_limits(payload)
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    table = "\n".join(text for text in texts if text.startswith("```"))
    for line in plan.lines[:FIRST_ROWS]:  # the first rows; every line in the plan's file
        assert re.search(rf"^{re.escape(line.municipality.name_no)} ", table, re.M), line
    _, csv_text = plan_csv(fresh.plan_file(plan.key), t)
    for line in plan.lines:
        assert re.search(rf"^{re.escape(line.municipality.name_no)};", csv_text, re.M), line
    assert json.loads(button_with(payload, plan_blocks.PLAN_CONFIRM_ACTION)["value"]) == {
        "k": plan.key
    }
    applied = fresh.apply_plan(plan.key, ADMIN)
    done = plan_blocks.plan_applied(applied, t, "U1")
    within_limits({"text": done.text, "blocks": done.blocks})


def test_fordel_then_confirm_then_undo_in_slack(app, fresh):
    ask_relocation(app, f'ny "Moria 2020" 50 familier {MORIA} år 2020')
    preview = ask_relocation(app, 'fordel "Moria 2020"')
    text = json.dumps(preview, ensure_ascii=False)
    assert "50 av 50 personer får plass i 7 kommuner" in text
    assert "Høyeste andel brukt er *13,7" in text and "Alle personene i *Moria 2020*" in text
    within_limits(preview)
    key = json.loads(button_with(preview, plan_blocks.PLAN_CONFIRM_ACTION)["value"])["k"]
    done = buttons(app).plan_confirm(KeyValue(k=key), LOCAL)
    assert done.text.startswith("Fordelt av")
    assert fresh.overview("storbynettverket", 2020).totals["remaining"].value == 348
    again = buttons(app).plan_confirm(KeyValue(k=key), LOCAL)
    assert again.text.startswith("Allerede fordelt")
    undo = json.loads(button_with({"blocks": done.blocks}, plan_blocks.PLAN_UNDO_ACTION)["value"])
    undone = buttons(app).plan_undo(KeyValue(**undo), LOCAL)
    assert "7 tildelinger frigitt (50 personer)" in undone.text
    assert fresh.overview("storbynettverket", 2020).totals["remaining"].value == 398


def test_fordel_places_in_full_a_batch_largest_first_could_not(app, fresh):
    for city in ("Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"):
        fresh.report_spare(city, 0, CLI, year=2020, source="test")
    fresh.report_spare("Oslo", 6, CLI, year=2020, source="test")
    fresh.report_spare("Bergen", 4, CLI, year=2020, source="test")
    ask_relocation(app, 'ny "Pakking" 10 familier 3,3,2,2 år 2020')
    preview = ask_relocation(app, 'fordel "Pakking"')
    assert "10 av 10 personer" in json.dumps(preview, ensure_ascii=False)
    key = json.loads(button_with(preview, plan_blocks.PLAN_CONFIRM_ACTION)["value"])["k"]
    buttons(app).plan_confirm(KeyValue(k=key), LOCAL)
    assert fresh.batch("Pakking").unallocated == 0
    assert (fresh.capacity("Oslo").reserved, fresh.capacity("Bergen").reserved) == (6, 4)


def test_did_you_mean_carries_the_assignment_on(app, fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020, households=(9, 41))
    refused = ask_relocation(app, 'tildel "Moria 2020" Trondhiem 9 familier 9')
    choice = button_with(refused, "capacity_redo")
    assert choice["action_id"] == "capacity_redo:5001"
    value = RedoValue.model_validate_json(choice["value"])
    preview = buttons(app).redo(value, LOCAL)
    assert "til *Trondheim (5001)*" in preview.text or "Trondheim (5001)" in preview.text
    confirm = json.loads(button_with({"blocks": preview.blocks}, "relocation_confirm")["value"])
    assert set(confirm) == {"k"}
    assert fresh.capacity("Trondheim").reserved == 0  # a preview, still


def test_did_you_mean_carries_the_report_and_the_grant_on(app, fresh):
    refused = ask(app, LOCAL_SECRET, "rapporter Trondhiem 40 nye boliger")
    value = RedoValue.model_validate_json(button_with(refused, "capacity_redo")["value"])
    done = buttons(app).redo(value, LOCAL)
    assert "*Trondheim* (5001) 2020: 115 → *40*" in done.text
    assert fresh.capacity("Trondheim").spare == 40
    refused = ask(app, LOCAL_SECRET, "grant <@U0KARI> editor Trondhiem")
    value = RedoValue.model_validate_json(button_with(refused, "capacity_redo")["value"])
    buttons(app).redo(value, LOCAL)
    assert [(role.value, place.number) for role, place in fresh.roles("U0KARI")] == [
        ("editor", "5001")
    ]
    question = ask(app, LOCAL_SECRET, "Trondhiem")  # a question's choice shows capacity
    assert button_with(question, "capacity_show")


def test_tildel_to_several_municipalities_is_one_preview_and_one_confirm(app, fresh):
    ask_relocation(app, f'ny "Moria 2020" 50 familier {MORIA} år 2020')
    preview = ask_relocation(app, 'tildel "Moria 2020" Oslo 10, Bergen 6, Trondheim 14')
    text = json.dumps(preview, ensure_ascii=False)
    assert "Ikke tildelt ennå: *20* personer" in text
    key = json.loads(button_with(preview, "relocation_confirm")["value"])["k"]
    from bot.listeners.batch_buttons import RelocationButtons
    from bot.listeners.payload import ConfirmValue

    done = RelocationButtons(app.deps)._confirm(ConfirmValue(k=key), LOCAL)
    assert done.text.startswith("Tildelt av")
    assert [fresh.capacity(c).reserved for c in ("Oslo", "Bergen", "Trondheim")] == [10, 6, 14]
    undo = [
        e for e in elements({"blocks": done.blocks}) if e["action_id"].startswith("relocation_undo")
    ]
    assert len(undo) == 3 and len({e["action_id"] for e in undo}) == 3


def test_no_combination_gives_the_nearest_totals_in_both_languages(app, fresh):
    fresh.create_batch(
        "Moria 2020", 50, ADMIN, year=2020, households=(5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
    )
    nb = json.dumps(ask_relocation(app, 'tildel "Moria 2020" Oslo 7'), ensure_ascii=False)
    assert "nærmeste mulige er 6 eller 8" in nb and "Ingenting ble endret" in nb


def test_vis_shows_a_page_with_release_per_assignment_and_liste_pages(app, fresh):
    fresh.create_batch("Many", 30, ADMIN, year=2020)
    for _ in range(12):
        fresh.allocate("Many", "Trondheim", 1, ADMIN)
    page = ask_relocation(app, 'vis "Many"')
    within_limits(page)
    releases = [e for e in elements(page) if e["action_id"].startswith("relocation_release")]
    assert len(releases) == 10
    text = json.dumps(page, ensure_ascii=False)
    assert "Side 1 av 2: 12 tildelinger, 12 aktive i 1 kommune" in text  # singular
    value = ReleaseValue.model_validate_json(releases[0]["value"])
    asked = Releases(app.deps).ask(value, LOCAL)  # asks first, releases nothing yet
    assert asked.blocks[0]["text"]["text"].startswith("Frigi tildeling")
    assert fresh.capacity("Trondheim").reserved == 12
    found = button_with({"blocks": asked.blocks}, CONFIRM_ACTION)
    confirm = ReleaseKeyValue.model_validate_json(found["value"])
    after = Releases(app.deps).confirm(confirm, LOCAL)
    assert after.blocks[0]["text"]["text"].startswith("Frigitt av")  # never "Angret"
    assert fresh.capacity("Trondheim").reserved == 11
    for i in range(11):
        fresh.create_batch(f"B{i}", 5, ADMIN, year=2020)
    listed = json.dumps(ask_relocation(app, "liste"), ensure_ascii=False)
    assert "Side 1 av 2: 12 grupper" in listed and "relocation_page:2" in listed


def test_avlys_asks_first_and_says_how_many_places_it_releases(app, fresh):
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    fresh.allocate("Moria 2020", "Oslo", 20, ADMIN)
    fresh.allocate("Moria 2020", "Bergen", 10, ADMIN)
    asked = ask_relocation(app, 'avlys "Moria 2020" planene endret')
    assert "Det frigir *30* plasser i 2 kommuner" in json.dumps(asked, ensure_ascii=False)
    assert fresh.batch("Moria 2020").status.value == "planned"
    key = json.loads(button_with(asked, plan_blocks.CANCEL_CONFIRM_ACTION)["value"])["k"]
    done = buttons(app).cancel_confirm(KeyValue(k=key), LOCAL)
    assert "avlyst" in done.text and fresh.capacity("Oslo").reserved == 0
    assert "allerede avlyst" in buttons(app).cancel_confirm(KeyValue(k=key), LOCAL).text


@pytest.mark.parametrize(("language", "words"), [("nb", "ledig 6"), ("en", "room 6")])
def test_room_for_a_household_of_6_most_room_first(fresh, language, words):
    settings = load_settings(
        slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test", capacity_language=language
    )
    message = ask(create_app(settings, fresh), LOCAL_SECRET, words)
    table = message["blocks"][2]["text"]["text"]
    assert table.index("Trondheim") < table.index("Oslo") < table.index("Bærum")
    assert ("7 kommuner" if language == "nb" else "7 municipalities") in message["text"]


def test_a_preview_of_500_households_is_a_key_in_its_button(app, fresh):
    fresh.report_spare("Trondheim", 600, CLI, year=2020, source="test")
    ask_relocation(app, 'ny "Stor" 500 familier ' + ",".join(["1"] * 500) + " år 2020")
    preview = ask_relocation(app, 'tildel "Stor" Trondheim 500')
    within_limits(preview)
    assert set(json.loads(button_with(preview, "relocation_confirm")["value"])) == {"k"}


@pytest.mark.parametrize(("language", "words"), [("nb", "ikke bevist"), ("en", "not proven")])
def test_a_plan_stopped_by_its_time_limit_says_it_is_not_proven(fresh, language, words):
    fresh.create_batch(
        "Moria 2020", 50, ADMIN, year=2020, households=(5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
    )
    plan = fresh.plan_batch("Moria 2020", ADMIN)
    stopped = dataclasses.replace(plan, optimal=False)

    def shown(result) -> str:
        return json.dumps(plan_blocks.plan_preview(result, Texts(language), "KS").blocks)

    assert words in shown(stopped) and words not in shown(plan)
