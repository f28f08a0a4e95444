"""One way through the bot (`bot.listeners.front`): for each request, the payload's shape
is checked once, its user's language looked up once, its text parsed once, and whether a
kept answer serves it decided once; the rest of the path reads what was decided."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from urllib.parse import urlencode

import pytest

from bot import answer_cache
from bot.answer_cache import AnswerCache
from bot.app import LOCAL_SECRET, create_app
from bot.http import SlackAsgi
from bot.listeners import commands, front
from bot.settings import load_settings
from bot.terminal import ask
from tests.asgi import signed

USER = "U_FRONT"


@pytest.fixture
def app(on_disk):
    return create_app(load_settings(slack_signing_secret=LOCAL_SECRET), on_disk)


@pytest.fixture
def edge(app):
    return SlackAsgi(app, LOCAL_SECRET)


@pytest.fixture
def counted(monkeypatch):
    """How often each decision is made: the text parsed, the shape checked, a kept
    answer looked for, the user's language looked up."""
    made: Counter[str] = Counter()

    def counting(name: str, function):
        def wrapper(*args, **kwargs):
            made[name] += 1
            return function(*args, **kwargs)

        return wrapper

    answer_cache.parsed.cache_clear()
    monkeypatch.setattr(answer_cache, "parse", counting("parsed", answer_cache.parse))
    monkeypatch.setattr(front, "problem", counting("shape", front.problem))
    monkeypatch.setattr(AnswerCache, "_valid", counting("kept?", AnswerCache._valid))
    texts = front.Front.texts

    async def looked_up(self, user_id):
        made["language"] += 1
        return await texts(self, user_id)

    monkeypatch.setattr(front.Front, "texts", looked_up)
    yield made
    answer_cache.parsed.cache_clear()


def command(edge, text: str, command: str = "/capacity"):
    form = {
        "command": command,
        "text": text,
        "user_id": USER,
        "user_name": "kari",
        "channel_id": "C1",
        "team_id": "T1",
        "response_url": "https://hooks.slack.com/commands/T1/1/x",
        "trigger_id": f"t.{time.monotonic_ns()}",  # each its own: no replay
    }
    return asyncio.run(signed(edge, LOCAL_SECRET, urlencode(form)))


def test_a_question_not_kept_yet_is_looked_at_once_on_its_way(edge, counted):
    answer = command(edge, "Trondheim")
    assert answer.status == 200 and json.loads(answer.body)["text"].startswith("Trondheim (5001)")
    assert counted == {"parsed": 1, "shape": 1, "kept?": 1, "language": 1}


def test_a_kept_question_is_answered_at_the_edge_after_one_look(edge, app, counted, monkeypatch):
    first = command(edge, "Trondheim")
    counted.clear()

    async def bolt_ran(*_: object) -> None:
        raise AssertionError("Bolt dispatched a kept question")

    monkeypatch.setattr(edge, "bolt", bolt_ran)
    again = command(edge, "Trondheim")
    assert json.loads(again.body) == json.loads(first.body)
    assert counted == {"shape": 1, "kept?": 1, "language": 1}  # the text: parsed before


def test_the_listener_reads_the_text_the_front_parsed(edge, monkeypatch):
    def parsed_again(*_: object) -> None:
        raise AssertionError("the listener parsed the text again")

    monkeypatch.setattr(commands, "parsed", parsed_again)
    monkeypatch.setattr("bot.listeners.relocation.parse_relocation", parsed_again)
    assert command(edge, "Bergen").status == 200
    answer = command(edge, "liste", command="/relocation")
    assert answer.status == 200


@pytest.mark.parametrize(
    ("text", "kind", "asked"),
    [
        ("Trondheim tempo", "pace", "/capacity pace"),
        ("rapporter Oslo 50 100 nye boliger", "choose", "/capacity choose"),
        ("rapporter Oslo 1,5", "invalid", "/capacity invalid"),
        ("innhenting status", "round", "/capacity round status"),
        ("Oslo, Bergen", "several", "/capacity several"),
    ],
)
def test_each_kind_of_question_is_parsed_once_in_the_front_and_read_by_its_listener(
    edge, counted, monkeypatch, text, kind, asked
):
    def parsed_again(*_: object) -> None:
        raise AssertionError("a listener parsed the text again")

    monkeypatch.setattr(commands, "parsed", parsed_again)
    monkeypatch.setattr(commands, "parse_round", parsed_again)
    seen = []
    monkeypatch.setattr(front.Front, "done", lambda self, taken, seconds: seen.append(taken))
    answer = command(edge, text)
    assert answer.status == 200 and json.loads(answer.body)["text"]
    [taken] = seen
    assert taken.question is not None and taken.question.kind == kind
    assert taken.asked == asked and taken.outcome in ("", "deferred")
    assert (taken.round is not None) == (kind == "round")
    assert counted["parsed"] == 1 and counted["shape"] == 1


def test_a_relocation_is_parsed_once(edge, counted, monkeypatch):
    seen = []
    parse_relocation = front.parse_relocation
    monkeypatch.setattr(
        front, "parse_relocation", lambda text: seen.append(text) or parse_relocation(text)
    )
    assert command(edge, "liste", command="/relocation").status == 200
    assert seen == ["liste"] and counted["shape"] == 1 and counted["kept?"] == 0


def test_a_payload_of_the_wrong_shape_is_refused_before_bolt_and_checked_once(
    edge, counted, monkeypatch
):
    async def bolt_ran(*_: object) -> None:
        raise AssertionError("Bolt saw a payload of the wrong shape")

    monkeypatch.setattr(edge, "bolt", bolt_ran)
    form = {"command": "/capacity", "text": "Oslo", "user_id": USER, "team_id": "T1"}
    answer = asyncio.run(signed(edge, LOCAL_SECRET, urlencode(form)))  # no trigger_id
    assert answer.status == 400 and b"trigger_id" in answer.body
    assert counted == {"shape": 1}


def test_a_request_straight_to_bolt_is_taken_by_its_first_middleware(app, counted):
    """`capacity-bot ask` (and tests) dispatch to Bolt without an edge: the front takes
    the request in Bolt's first global middleware, as an edge would."""
    first = ask(app, LOCAL_SECRET, "Tromsø")
    assert first["text"].startswith("Tromsø (5401)")
    assert counted == {"parsed": 1, "shape": 1, "kept?": 1, "language": 1}
    counted.clear()
    assert ask(app, LOCAL_SECRET, "Tromsø") == first  # the kept answer, from the middleware
    assert counted == {"shape": 1, "kept?": 1, "language": 1}


def test_what_was_decided_is_the_requests_own_and_gone_after_it(edge, monkeypatch):
    seen = []
    handle = commands.CapacityCommand.handle

    async def spy(self, ack, command, client):
        seen.append(front.taken())
        return await handle(self, ack, command, client)

    monkeypatch.setattr(commands.CapacityCommand, "handle", spy)
    app = create_app(load_settings(slack_signing_secret=LOCAL_SECRET), edge.deps.service)
    edge = SlackAsgi(app, LOCAL_SECRET)
    command(edge, "Oslo 2021")
    [taken] = seen
    assert taken is not None and taken.question is not None
    assert (taken.kind, taken.user, taken.channel) == ("command", USER, "C1")
    assert taken.asked == "/capacity capacity" and taken.question.year == 2021
    assert front.taken() is None
