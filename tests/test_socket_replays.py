"""An envelope delivered again over Socket Mode (`retry_attempt`, or the same envelope
twice) is acked with the first one's answer and never run again, with `capacity-bot
serve` as a real process over a real WebSocket to the stand-in: a report, a grant after
a revoke, a planning-year change, a "save anyway" click, a Confirm after its Undo, and an
event (checked in the database and in what the bot sent Slack)."""

from __future__ import annotations

import itertools
import json
import shutil

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.socket_stand_in import SocketStandIn
from tests.test_socket_mode import BUTTON_PAYLOAD, SLASH_COMMAND, bot_process, link_or_exit
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

ADMIN = Actor(id="U1", name="kari")  # the user of SLASH_COMMAND and BUTTON_PAYLOAD
CLI = Actor(id="cli:test", name="test", trusted=True)
NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def served(_seeded_template, tmp_path_factory):
    """(the stand-in, the greeted link, the database)."""
    tmp = tmp_path_factory.mktemp("socket-replays")
    db, log = tmp / "bot.db", tmp / "bot.log"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant(ADMIN.id, "admin", CLI)
    service.store.close()
    with SocketStandIn() as slack, bot_process(db, slack.api_url, log) as process:
        link = link_or_exit(slack, process, log)
        link.hello()
        yield slack, link, db


def reading(db, read):
    service = Capacity(Store(db))
    try:
        return read(service)
    finally:
        service.store.close()


def command(text: str, command: str = "/capacity", url: str = "") -> dict:
    """A slash command's payload, with its own trigger_id (as each of Slack's has)."""
    n = next(NUMBERS)
    payload = {**SLASH_COMMAND, "command": command, "text": text, "trigger_id": f"t.{n}"}
    return {**payload, "response_url": url or SLASH_COMMAND["response_url"]}


def ask(link, payload: dict) -> dict:
    return link.envelope("slash_commands", f"env-{next(NUMBERS)}", payload)


def again(link, kind: str, payload: dict) -> dict:
    """The same payload delivered again: a new envelope, `retry_attempt` 1."""
    return link.envelope(kind, f"env-{next(NUMBERS)}", payload, retry_attempt=1)


def click(action_id: str, value: str, url: str) -> dict:
    n = next(NUMBERS)
    action = {**BUTTON_PAYLOAD["actions"][0], "action_id": action_id, "value": value}
    return {**BUTTON_PAYLOAD, "actions": [action], "trigger_id": f"c.{n}", "response_url": url}


def buttons(message: dict) -> dict[str, dict]:
    return {
        e["action_id"].split(":")[0]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_a_report_delivered_again_after_a_later_report_gets_its_first_ack_only(served):
    slack, link, db = served
    first = command("rapporter Oslo 55 møte i mai")
    ack = ask(link, first)
    assert "55" in ack["payload"]["text"]
    ask(link, command("rapporter Oslo 70 møte i juni"))
    records = reading(db, lambda s: len(s.history("Oslo")))

    redelivered = again(link, "slash_commands", first)
    assert redelivered["payload"] == ack["payload"]
    same = link.envelope("slash_commands", ack["envelope_id"], first)  # the same envelope
    assert same["payload"] == ack["payload"]
    assert reading(db, lambda s: s.capacity("Oslo", 2020).spare) == 70
    assert reading(db, lambda s: len(s.history("Oslo"))) == records


def test_a_grant_delivered_again_after_a_revoke_does_not_restore_the_role(served):
    slack, link, db = served
    grant = command("grant <@U_NY|nils> editor Bergen")
    ack = ask(link, grant)
    ask(link, command("revoke <@U_NY|nils> editor Bergen"))
    assert again(link, "slash_commands", grant)["payload"] == ack["payload"]
    assert reading(db, lambda s: s.roles("U_NY")) == []


def test_a_planning_year_change_delivered_again_does_not_undo_a_later_one(served):
    slack, link, db = served
    change = command("planleggingsår 2021")
    ack = ask(link, change)
    try:
        ask(link, command("planleggingsår 2022"))
        assert again(link, "slash_commands", change)["payload"] == ack["payload"]
        assert reading(db, lambda s: s.planning_year()) == 2022
    finally:
        ask(link, command("planleggingsår 2020"))


def test_a_save_anyway_click_delivered_again_does_not_undo_a_later_report(served):
    slack, link, db = served

    def reserve(service):
        service.create_batch("Anyway", 20, ADMIN, year=2020)
        service.allocate("Anyway", "Stavanger", 20, ADMIN)

    reading(db, reserve)
    refused = ask(link, command("rapporter Stavanger 10 færre boliger"))["payload"]
    anyway = buttons(refused)["capacity_report_anyway"]
    save = click(anyway["action_id"], anyway["value"], slack.response_url("anyway"))
    ack = link.envelope("interactive", f"env-{next(NUMBERS)}", save)
    [saved] = slack.wait_for("/response/anyway")
    ask(link, command("rapporter Stavanger 30 nye boliger"))
    records = reading(db, lambda s: len(s.history("Stavanger")))

    assert again(link, "interactive", save).get("payload") == ack.get("payload")
    after = click("capacity_show", json.dumps({"n": "1103", "y": None}), slack.response_url("x"))
    link.envelope("interactive", f"env-{next(NUMBERS)}", after)
    slack.wait_for("/response/x")  # answered after the redelivery: its work would be done
    assert slack.requests_to("/response/anyway") == [saved]
    assert reading(db, lambda s: s.capacity("Stavanger", 2020).spare) == 30
    assert reading(db, lambda s: len(s.history("Stavanger"))) == records


def test_a_confirm_delivered_again_after_its_undo_reserves_nothing(served):
    slack, link, db = served
    reading(db, lambda s: s.create_batch("Replayed", 12, ADMIN, year=2020))
    preview = ask(link, command('tildel "Replayed" Tromsø 5', "/relocation"))["payload"]
    confirm = buttons(preview)["relocation_confirm"]
    clicked = click(confirm["action_id"], confirm["value"], slack.response_url("confirm"))
    link.envelope("interactive", f"env-{next(NUMBERS)}", clicked)
    [done] = slack.wait_for("/response/confirm")
    undo = buttons(done.body)["relocation_undo"]
    link.envelope(
        "interactive",
        f"env-{next(NUMBERS)}",
        click(undo["action_id"], undo["value"], slack.response_url("undo")),
    )
    slack.wait_for("/response/undo")
    assert reading(db, lambda s: s.capacity("Tromsø", 2020).reserved) == 0

    again(link, "interactive", clicked)
    # A new click of the same button (a new trigger), answered after the redelivery
    # would have been: it says what is true
    anew = {**clicked, "trigger_id": "new", "response_url": slack.response_url("anew")}
    link.envelope("interactive", f"env-{next(NUMBERS)}", anew)
    [answer] = slack.wait_for("/response/anew")
    assert "og angret" in answer.body["text"] and "ikke aktiv" in answer.body["text"]
    assert slack.requests_to("/response/confirm") == [done]  # none for the redelivery
    assert reading(db, lambda s: s.capacity("Tromsø", 2020).reserved) == 0


def test_an_event_delivered_again_is_handled_once(served):
    slack, link, db = served

    def opened(user: str, event_id: str) -> dict:
        event = {"type": "app_home_opened", "user": user, "tab": "home"}
        return {"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                "event_id": event_id, "event_time": 1, "event": event}  # fmt: skip

    def published(user: str) -> int:
        calls = slack.requests_to("/api/views.publish")
        return sum(1 for call in calls if call.body.get("user_id") == user)

    first = opened("U_HOME1", "EvSocket1")
    link.envelope("events_api", f"env-{next(NUMBERS)}", first)
    slack.wait_for("/api/views.publish")
    assert published("U_HOME1") == 1
    again(link, "events_api", first)
    link.envelope("events_api", f"env-{next(NUMBERS)}", opened("U_HOME2", "EvSocket2"))
    wait_until(lambda: published("U_HOME2"), "the next event to be handled", timeout=5)
    assert published("U_HOME1") == 1
