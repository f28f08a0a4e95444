"""`/capacity Oslo, Bergen`: several names, one answer each (issue 15: it suggested only
Bergen). A meeting asks about a few cities at once, so each gets its short answer, in
the order asked, with a button to its whole answer; a name not found gets its choices."""

from __future__ import annotations

import json

import pytest

from bot.app import LOCAL_SECRET, create_app
from bot.blocks import SHOW_ACTION
from bot.parse import Request, parse
from bot.settings import load_settings
from bot.terminal import ask
from tests.conftest import ADMIN


@pytest.fixture
def app(fresh):
    settings = load_settings(slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test")
    return create_app(settings, fresh)


@pytest.fixture
def nn_app(fresh):
    settings = load_settings(
        capacity_language="nn", slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test"
    )
    return create_app(settings, fresh)


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("Oslo, Bergen", Request("several", "Oslo, Bergen")),
        ("Oslo,Bergen 2021", Request("several", "Oslo,Bergen", year=2021)),
        ("Oslo, Bergen per 1.10.2020", Request("several", "Oslo, Bergen", as_of="1.10.2020")),
        ("Oslo,", Request("capacity", "Oslo,")),  # one name: a name
    ],
)
def test_names_separated_by_commas_are_several_questions(typed, expected):
    assert parse(typed) == expected


def test_each_name_gets_its_own_answer_in_the_order_asked(app):
    reply = ask(app, LOCAL_SECRET, "Oslo, Bergen")
    lines = reply["blocks"][0]["text"]["text"].split("\n")
    assert [line.partition(" :hourglass: ")[0] for line in lines] == [
        "*Oslo* (0301), 2020: *73* ledige plasser nå – 73 rapportert, 0 reservert",
        "*Bergen* (4601), 2020: *50* ledige plasser nå – 50 rapportert, 0 reservert",
    ]
    assert all(" :hourglass: (gammelt: " in line for line in lines)  # the letter's, of 2020
    [buttons] = [b for b in reply["blocks"] if b["type"] == "actions"]
    assert [json.loads(e["value"]) for e in buttons["elements"]] == [
        {"n": "0301", "y": 2020},
        {"n": "4601", "y": 2020},
    ]
    assert all(e["action_id"].startswith(SHOW_ACTION) for e in buttons["elements"])


def test_each_answer_says_how_old_its_reported_figure_is_and_marks_an_old_one(fresh, nn_app):
    fresh.report_spare("Trondheim", 120, ADMIN, source="test")
    lines = ask(nn_app, LOCAL_SECRET, "Trondheim, Oslo, Utsira")["blocks"][0]["text"]["text"]
    trondheim, oslo, utsira = lines.split("\n")
    assert trondheim.endswith("– 120 rapportert, 0 reserverte (0 dagar gammalt)")
    assert " :hourglass: (gammalt: " in oslo  # the letter's figure, from 2020
    assert "gammalt" not in utsira  # nothing reported: no age to tell


def test_a_name_not_found_gets_its_choices_and_the_others_their_answers(nn_app):
    reply = ask(nn_app, LOCAL_SECRET, "Trondheim, Bergn, Herøy")
    blob = json.dumps(reply, ensure_ascii=False)
    assert "*Trondheim* (5001), 2020: *115* ledige plassar no" in blob
    assert "Fann ingen kommune som heiter «Bergn»" in blob and "Bergen (4601)" in blob
    assert "«Herøy» passar på fleire kommunar" in blob
    ids = [b["block_id"] for b in reply["blocks"] if "block_id" in b]
    assert len(ids) == len(set(ids)) == 3  # Slack refuses a block_id twice in a message


def test_more_than_ten_names_answers_ten_and_says_so(app):
    names = ", ".join(["Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum", "Kristiansand",
                       "Tromsø", "Bodø", "Molde", "Hamar", "Gjøvik", "Lillehammer"])  # fmt: skip
    reply = ask(app, LOCAL_SECRET, names)
    assert len(reply["blocks"][0]["text"]["text"].split("\n")) == 10
    assert "Spør om høyst 10 kommuner om gangen; 2 til er ikke med." in json.dumps(
        reply, ensure_ascii=False
    )
