"""Batch names typed without quotes are found, or suggested, as municipality names are;
and linked households typed after the municipality are an assignment (issue 15:
`tildel Moria 2020 Trondheim 5` answered "ingen gruppe heter «Moria»", and `tildel
"Moria 2020" Bærum 4+3` only the help)."""

from __future__ import annotations

import json

import pytest

from bot.app import LOCAL_SECRET, create_app
from bot.batch_names import read
from bot.listeners.payload import RedoValue
from bot.parse_relocation import parse_relocation, request_text
from bot.settings import load_settings
from tests.conftest import ADMIN
from tests.test_plan_slack import buttons
from tests.test_security import ask_relocation

LOCAL = ADMIN.model_copy(update={"id": "ULOCAL"})


@pytest.fixture
def app(fresh):
    fresh.grant("ULOCAL", "admin", ADMIN)
    fresh.create_batch("Moria 2020", 50, ADMIN, households=(5, 4, 3, 6, 5, 5, 6, 4, 5, 7),
                       year=2020)  # fmt: skip
    settings = load_settings(slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test")
    return create_app(settings, fresh)


def nn_app(fresh):
    settings = load_settings(
        capacity_language="nn", slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test"
    )
    return create_app(settings, fresh)


def first_text(message: dict) -> str:
    return message["blocks"][0]["text"]["text"]


@pytest.mark.parametrize(
    "typed,quoted",
    [
        ("tildel Moria 2020 Trondheim 5", 'tildel "Moria 2020" Trondheim 5'),
        ("tildel moria 2020 Oslo 10, Bergen 6", 'tildel "Moria 2020" Oslo 10, Bergen 6'),
        ("vis Moria 2020", 'vis "Moria 2020"'),
        ("avlys Moria 2020 planene endret", 'avlys "Moria 2020" planene endret'),
        ("fordel Moria 2020", 'fordel "Moria 2020"'),
    ],
)
def test_a_whole_batch_name_without_quotes_is_read_as_if_quoted(typed, quoted):
    found = read(typed, ["Moria 2020", "Ukraina 2022"])
    assert found.only == quoted


def test_an_assignment_with_the_batch_name_unquoted_is_previewed(app, fresh):
    for language, begins in (("nb", "Tildele *5* personer fra *Moria 2020* til *Trondheim"),
                             ("nn", "Tildele *5* personar frå *Moria 2020* til *Trondheim")):  # fmt: skip
        chosen = app if language == "nb" else nn_app(fresh)
        reply = ask_relocation(chosen, "tildel Moria 2020 Trondheim 5")
        assert first_text(reply).startswith(begins), reply
    assert fresh.batch("Moria 2020").allocated == 0  # a preview: nothing reserved


def test_a_name_like_a_batch_is_suggested_with_a_button_that_carries_the_command_on(app, fresh):
    reply = ask_relocation(app, "tildel Moira 2020 Trondheim 5")
    assert first_text(reply) == (
        "Ingen gruppe heter «Moira». Mente du «Moria 2020»? Ingenting ble endret."
    )
    [choice] = reply["blocks"][1]["elements"]
    assert choice["text"]["text"] == "Moria 2020"
    value = RedoValue.model_validate_json(choice["value"])
    assert value.t == 'tildel "Moria 2020" Trondheim 5'
    chosen = buttons(app).redo(value, LOCAL)
    assert chosen.blocks[0]["text"]["text"].startswith("Tildele *5* personer fra *Moria 2020*")
    nn = ask_relocation(nn_app(fresh), "vis Moria")
    assert (
        first_text(nn)
        == "Inga gruppe heiter «Moria». Meinte du «Moria 2020»? Ingenting vart endra."
    )


def test_a_name_like_no_batch_gets_the_refusal(app):
    reply = ask_relocation(app, "vis Trondheim")
    assert first_text(reply).startswith("Kunne ikke gjøre det: ingen gruppe heter «Trondheim»")
    assert len(reply["blocks"]) == 1


@pytest.mark.parametrize(
    "typed,persons,households",
    [
        ('tildel "Moria 2020" Bærum 4+3', 7, ((4, 3),)),
        ('tildel "Moria 2020" Bærum 4 + 3', 7, ((4, 3),)),
        ('tildel "Moria 2020" Nord-Fron 5,4+3', 12, (5, (4, 3))),
    ],
)
def test_linked_households_after_the_municipality_are_an_assignment(typed, persons, households):
    request = parse_relocation(typed)
    assert (request.kind, request.persons, request.households) == ("assign", persons, households)
    assert parse_relocation(request_text(request)) == request  # a button carries it on


def test_linked_households_typed_this_way_are_previewed_together(app, fresh):
    fresh.create_batch("Linked", 12, ADMIN, households=(5, (4, 3)), year=2020)
    reply = ask_relocation(app, 'tildel "Linked" Bærum 4+3')
    blob = json.dumps(reply, ensure_ascii=False)
    assert first_text(reply).startswith("Tildele *7* personer fra *Linked* til *Bærum (3024)*")
    assert "Husholdninger: 4+3" in blob


@pytest.mark.parametrize("text", ["vis", "show", "VIS"])
def test_show_without_a_name_lists_the_batches_to_choose_from(text):
    request = parse_relocation(text)
    assert request.kind == "list" and request.year is None
    assert parse_relocation(f'{text} "Moria 2020"').kind == "show"
