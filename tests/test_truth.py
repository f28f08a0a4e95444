"""A Confirm whose reservation was committed is never reported as "nothing was
changed": not when rendering its answer fails after the commit, not when the answer
cannot be delivered. In process, through the real ASGI edge, with the Slack stand-in."""

from __future__ import annotations

import asyncio
import json
import shutil
from urllib.parse import urlencode

import pytest

from bot import plan_blocks
from bot.app import create_app
from bot.http import SlackAsgi
from bot.settings import load_settings
from bot.terminal import command_body
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.asgi import signed
from tests.stand_in import StandIn

SECRET = "truth-secret"
ADMIN = Actor(id="U_ADMIN", name="ada", trusted=True)


@pytest.fixture
def service(_seeded_template, tmp_path):
    path = tmp_path / "truth.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant(ADMIN.id, "admin", ADMIN)
    service.create_batch("Moria", 30, ADMIN, year=2020)
    yield service
    service.store.close()


def click_body(button: dict, url: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN.id, "username": "ada"},
        "response_url": url,
        "actions": [{"action_id": button["action_id"], "block_id": "b", "value": button["value"]}],
    }
    return urlencode({"payload": json.dumps(payload)})


def confirm(service, slack, url_name: str) -> tuple[int, dict]:
    settings = load_settings(
        slack_signing_secret=SECRET, slack_bot_token="xoxb-t", slack_api_url=slack.api_url
    )
    app = create_app(settings, service)
    asgi = SlackAsgi(app, SECRET)

    async def run():
        body = command_body("tildel Moria Trondheim 8", command="/relocation", user_id=ADMIN.id)
        preview = (await signed(asgi, SECRET, body)).json()
        button = next(
            e
            for b in preview["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "relocation_confirm"
        )
        answer = await signed(asgi, SECRET, click_body(button, slack.response_url(url_name)))
        await app.deps.background.drain(10)
        return answer.status, button

    return asyncio.run(run())


def test_a_bug_after_the_commit_gets_the_apology_never_nothing_was_changed(service, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("rendering failed")

    monkeypatch.setattr(plan_blocks, "assignment_done", broken)
    with StandIn() as slack:
        status, _ = confirm(service, slack, "bug")
        assert status == 200
        [answer] = slack.wait_responses("bug")
    text = answer.body["text"]
    assert text.startswith("Beklager, noe gikk galt") and "ingenting ble endret" not in text
    assert service.capacity("Trondheim", 2020).reserved == 8  # it was committed, and stands


def test_a_confirm_whose_answer_cannot_be_delivered_stands_and_shows(service):
    with StandIn() as slack:
        slack.faults["response"] = ("status", 500)
        status, _ = confirm(service, slack, "lost")
        assert status == 200
        slack.wait_responses("lost")
    assert service.capacity("Trondheim", 2020).reserved == 8
    page = service.batch_page("Moria")
    assert [(a.number, a.persons) for a in page.allocations] == [("5001", 8)]
