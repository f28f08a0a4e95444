"""Every signed request gets a 2xx or a clear 4xx, never a 5xx: slash commands, clicks and
form submissions with malformed parts (numbers for strings, strings for objects, values
nested thousands deep, pings, huge texts, missing fields), signed as Slack signs them and
sent through the bot's real ASGI edge in process. Nothing after the answer fails either:
no listener error, no task after the answer that dies with a traceback.

The fast variant runs a few hundred cases; the slow one thousands (seeded, repeatable)."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import logging
import random
import shutil
from typing import Any
from urllib.parse import quote_plus

import pytest

from bot import batch_blocks, blocks, home_blocks, plan_blocks
from bot import capacity_blocks as render
from bot.alerts import OPEN_BATCH_ACTION
from bot.app import create_app
from bot.chart_blocks import CHART_ACTION
from bot.home_modals import PLAN_MODAL, REPORT_MODAL
from bot.http import SlackAsgi
from bot.settings import load_settings
from bot.terminal import command_body
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.asgi import signed
from tests.stand_in import StandIn

SECRET = "fuzz-secret"
ADMIN = Actor(id="U_ADMIN", name="ada", trusted=True)
ACTIONS = [
    blocks.SHOW_ACTION,
    render.PAGE_ACTION,
    render.REPORT_ANYWAY_ACTION,
    batch_blocks.CONFIRM_ACTION,
    batch_blocks.DISMISS_ACTION,
    batch_blocks.UNDO_ACTION,
    OPEN_BATCH_ACTION,
    plan_blocks.PLAN_CONFIRM_ACTION,
    plan_blocks.PLAN_UNDO_ACTION,
    plan_blocks.CANCEL_CONFIRM_ACTION,
    batch_blocks.RELEASE_ACTION,
    batch_blocks.BATCH_PAGE_ACTION,
    blocks.REDO_ACTION,
    CHART_ACTION,
    home_blocks.REPORT_ACTION,
    home_blocks.NEW_BATCH_ACTION,
    home_blocks.PLAN_ACTION,
    "no_such_action",
]
TEXTS = [
    "",
    "Tromso",
    "5001",
    "norge",
    "alle 2",
    "hjelp",
    "rapporter Oslo 30",
    "report Bergen 10 more flats",
    "rapporter Oslo -5",
    "<!channel> del",
    "<@U0BOSS> <!subteam^S1> <https://evil.example|x>",
    "ledig 6",
    "historikk Trondheim",
    'ny "Fuzz" 20 år 2020',
    'tildel "Moria" Trondheim 4',
    "fordel Moria",
    "liste",
    "vis Moria 2",
    "frigi 1",
    "status Moria kansellert",
    "\u0000\u202e\ufeff",
    "ø" * 300,
    "x" * 3900,
    '"',
]
VALUES = [
    '{"n": "5001"}',
    '{"s": "norge", "p": 2}',
    '{"k": "nope"}',
    '{"a": 1}',
    '{"b": 1, "p": 1}',
    '{"c": "capacity", "t": "Trondheim"}',
    '{"c": "relocation", "t": "liste"}',
    '{"n": "0301", "y": 2020, "v": 5, "r": "<!here>"}',
    '{"b": 1}',
    '{"t": "Trondheim", "y": 2020}',
    "not json",
    "[]",
    "5",
    '{"a": 99999999999999999999999}',
    "[" * 5000 + "]" * 5000,
    '{"n": ' * 3000 + "1" + "}" * 3000,
]
ODD = [
    None,
    5,
    -1,
    1.5,
    True,
    "",
    "x" * 5000,
    [],
    {},
    [[[[[]]]]],
    "<!channel>",
    {"id": 7},
    "http://evil.example/hook",
]


@functools.cache  # the same few depths again and again; only ever serialized, never changed
def deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@functools.lru_cache(maxsize=1024)
def _quoted(chunk: bytes) -> str:
    return quote_plus(chunk)


def quote_plus_quickly(text: str) -> str:
    """`urllib.parse.quote_plus(text)`, the same text, made a chunk of bytes at a time with
    the chunks kept: it quotes byte by byte, and the bodies' longest parts repeat (a
    payload nested too deep for JSON is sent as 200,000 brackets)."""
    data = text.encode("utf-8")
    return "".join(_quoted(data[i : i + 4096]) for i in range(0, len(data), 4096))


class Cases:
    def __init__(self, seed: int, response_url: str) -> None:
        self.random = random.Random(seed)
        self.response_url = response_url

    def command(self) -> str:
        r = self.random
        fields = dict(
            item.split("=", 1)
            for item in command_body(
                r.choice(TEXTS),
                command=r.choice(["/capacity", "/relocation", "/other"]),
                user_id=r.choice(["U_ADMIN", "U1"]),
                response_url=self.response_url,
            ).split("&")
        )
        if r.random() < 0.5:
            key = r.choice(list(fields))
            choice = r.random()
            if choice < 0.4:
                del fields[key]
            elif choice < 0.8:
                fields[key] = r.choice(["", "%00", "x" * 5000, "%C3%B8", "%FF%FE"])
            else:
                fields[key + "[]"] = "1"
        return "&".join(f"{k}={v}" for k, v in fields.items())

    def click(self) -> str:
        r = self.random
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": r.choice(["U_ADMIN", "U1"]), "username": "ada"},
            "api_app_id": "A1",
            "container": {"type": "message", "message_ts": "1.1", "is_ephemeral": True},
            "trigger_id": f"{r.random()}",
            "channel": {"id": "C1"},
            "response_url": self.response_url,
            "actions": [
                {
                    "action_id": r.choice(ACTIONS) + r.choice(["", "", ":1"]),
                    "block_id": "b",
                    "type": "button",
                    "value": r.choice(VALUES),
                    "action_ts": "1.3",
                }
            ],
        }
        self.mutate(payload)
        return self.form(payload)

    def submit(self) -> str:
        r = self.random
        values = {
            "name": r.choice(["Fuzz", "<!channel> evac", "", "x" * 200]),
            "persons": r.choice(["5", "0", "-1", "abc", "99999999", ""]),
            "families": r.choice(["", "5", "5,x", "2+3,4", "ø"]),
            "year": r.choice(["", "2020", "20x0", "1800"]),
            "scope": r.choice(["", "storbynettverket", "Atlantis", "<!here>"]),
            # the Home tab's forms (a report; a plan of a batch by its id)
            "municipality": r.choice(["", "5001", "Trondheim", "Atlantis", "<!here>"]),
            "figure": r.choice(["", "120", "-3", "x", "99999999999"]),
            "reason": r.choice(["", "nye boliger", "<@U0BOSS>", "x" * 3000]),
            "batch": r.choice(["", "1", "999999", "abc", "-1"]),
        }
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": "U_ADMIN", "username": "ada"},
            "api_app_id": "A1",
            "trigger_id": f"{r.random()}",
            "view": {
                "id": "V1",
                "callback_id": r.choice(
                    ["relocation_new", "relocation_new", REPORT_MODAL, PLAN_MODAL, "other"]
                ),
                "private_metadata": r.choice(
                    ['{"channel": "C1", "user": "U_ADMIN"}', "{", "[]", '{"channel": 5}']
                ),
                "state": {
                    "values": {
                        block: {"value": {"type": "plain_text_input", "value": value}}
                        for block, value in values.items()
                    }
                },
            },
        }
        self.mutate(payload)
        return self.form(payload)

    def mutate(self, payload: dict[str, Any]) -> None:
        """Replace, drop or nest one part of the payload, some of the time."""
        r = self.random
        if r.random() < 0.25:
            return
        paths: list[tuple[Any, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    paths.append((node, key))
                    walk(value)
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    paths.append((node, i))
                    walk(value)

        walk(payload)
        parent, key = r.choice(paths)
        choice = r.random()
        if choice < 0.15 and isinstance(parent, dict):
            del parent[key]
        elif choice < 0.25:
            parent[key] = deep(r.choice([50, 900, 5000]))
        else:
            parent[key] = copy.deepcopy(r.choice(ODD))

    @staticmethod
    def form(payload: dict[str, Any]) -> str:
        try:
            text = json.dumps(payload)
        except RecursionError:
            text = "[" * 100_000 + "]" * 100_000
        return "payload=" + quote_plus_quickly(text)

    def event(self) -> str:
        """An Events API delivery (JSON): the Home tab opened, or something else."""
        r = self.random
        payload: dict[str, Any] = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{r.random()}",
            "event": {
                "type": r.choice(["app_home_opened", "app_home_opened", "message"]),
                "user": r.choice(["U_ADMIN", "U1", ""]),
                "tab": r.choice(["home", "messages", 5]),
                "channel": "D1",
            },
        }
        self.mutate(payload)
        try:
            return json.dumps(payload)
        except RecursionError:
            return "{" * 1000

    def body(self) -> str:
        kinds = [self.command, self.click, self.click, self.submit, self.event]
        return self.random.choice(kinds)()


@pytest.fixture
def service(_seeded_template, tmp_path):
    path = tmp_path / "fuzz.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant("U_ADMIN", "admin", ADMIN)
    service.create_batch("Moria", 40, ADMIN, year=2020, households=(5, 5, 4, 6, 5, 5, 5, 5))
    yield service
    service.store.close()


def fuzz(service: Capacity, count: int, seed: int, caplog) -> dict[int, int]:
    statuses: dict[int, int] = {}
    with StandIn() as slack:
        settings = load_settings(
            slack_signing_secret=SECRET, slack_bot_token="xoxb-fuzz", slack_api_url=slack.api_url
        )
        app = create_app(settings, service)
        asgi = SlackAsgi(app, SECRET)
        cases = Cases(seed, slack.response_url("fuzz"))

        async def run() -> None:
            for n in range(count):
                body = cases.body()
                answer = await signed(asgi, SECRET, body)
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
                assert answer.status < 500, (n, answer.status, answer.body[:300], body[:600])
            await app.deps.background.drain(30)

        with caplog.at_level(logging.WARNING):
            asyncio.run(run())
    failures = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(("Unhandled error", "Work after the answer failed"))
    ]
    assert failures == []
    return statuses


@pytest.mark.slow
def test_fuzzed_signed_requests_never_get_a_5xx(service, caplog):
    statuses = fuzz(service, 200, seed=11, caplog=caplog)
    assert statuses.get(200, 0) > 60 and statuses.get(400, 0) > 20, statuses


@pytest.mark.slow
def test_fuzzed_signed_requests_never_get_a_5xx_many(service, caplog):
    statuses = fuzz(service, 4000, seed=1234, caplog=caplog)
    assert statuses.get(200, 0) > 1000, statuses


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p["actions"][0].update(value=5), "actions.0.value"),
        (lambda p: p["user"].update(id=5), "user.id"),
        (lambda p: p["actions"][0].update(value=deep(5000)), "Malformed"),
        (lambda p: p.update(response_url="http://evil.example/x"), "response_url"),
        (lambda p: p.update(user="U1"), "user"),
    ],
    ids=["value-number", "user-id-number", "value-nested", "foreign-response-url", "user-text"],
)
def test_a_click_of_the_wrong_shape_is_a_clear_400(service, make, why):
    with StandIn() as slack:
        settings = load_settings(
            slack_signing_secret=SECRET, slack_bot_token="xoxb-fuzz", slack_api_url=slack.api_url
        )
        asgi = SlackAsgi(create_app(settings, service), SECRET)
        payload = {
            "type": "block_actions",
            "user": {"id": "U_ADMIN", "username": "ada"},
            "response_url": slack.response_url("x"),
            "actions": [{"action_id": blocks.SHOW_ACTION, "block_id": "b", "value": "{}"}],
        }
        make(payload)
        answer = asyncio.run(signed(asgi, SECRET, Cases.form(payload)))
        assert answer.status == 400 and why in answer.body.decode(), answer
        assert slack.calls_to("response") == []


def test_a_form_with_persons_as_text_and_relocation_without_trigger_id_are_400s(service):
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-fuzz")
    asgi = SlackAsgi(create_app(settings, service), SECRET)
    form = {
        "type": "view_submission",
        "user": {"id": "U_ADMIN"},
        "view": {"callback_id": "relocation_new", "state": {"values": {"persons": "12"}}},
    }
    answer = asyncio.run(signed(asgi, SECRET, Cases.form(form)))
    assert answer.status == 400 and "persons" in answer.body.decode()
    body = "&".join(
        p for p in command_body("", command="/relocation").split("&") if "trigger_id" not in p
    )
    answer = asyncio.run(signed(asgi, SECRET, body))
    assert answer.status == 400 and "trigger_id" in answer.body.decode()
    assert [b.name for b in service.batches()] == ["Moria"]
