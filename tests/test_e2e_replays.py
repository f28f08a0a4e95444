"""A request captured and sent again is never run again, over signed HTTP against the
server process: with a forged `X-Slack-Retry-Num` it gets its first answer, and what was
changed since stands (checked in the database and its history); without the header it
is refused. A report, a grant after a revoke, a planning-year change, a "save anyway"
click, a Confirm after its Undo; and an Events API retry, signed anew by Slack."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from bot.terminal import command_body, signed_headers
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import SECRET, BotServer

pytestmark = pytest.mark.slow

ADMIN = "U_ADMIN"
CLI = Actor(id="cli:test", name="test", trusted=True)


@pytest.fixture(scope="module")
def db(_seeded_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("replays") / "bot.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant(ADMIN, "admin", CLI)
    service.store.close()
    return path


class Captured:
    """A request as Slack signed it, kept to be sent again."""

    def __init__(self, body: str) -> None:
        self.body = body
        self.headers = signed_headers(SECRET, body)

    def send(self, bot: BotServer, retry: int | None = None):
        return bot.send(self.body, self.headers, retry=retry)


def command(text: str, command: str = "/capacity", url: str = "http://127.0.0.1:9/r") -> Captured:
    return Captured(command_body(text, command=command, user_id=ADMIN, response_url=url))


def click(action_id: str, value: str, url: str) -> Captured:
    return Captured(BotServer.action_body(action_id, value, response_url=url, user_id=ADMIN))


def reading(db):
    service = Capacity(Store(db))
    return service


def spare(db, place: str) -> int | None:
    service = reading(db)
    try:
        return service.capacity(place, 2020).spare
    finally:
        service.store.close()


def changes(db, place: str) -> list[tuple]:
    service = reading(db)
    try:
        return [(c.id, c.after) for c in service.history(place)]
    finally:
        service.store.close()


def buttons(reply) -> dict[str, dict]:
    return {
        e["action_id"].split(":")[0]: e
        for b in reply.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def test_a_report_replayed_as_a_retry_after_a_later_report_gets_its_first_answer_only(bot):
    first = command("rapporter Oslo 55 møte i mai")
    answer = first.send(bot)
    assert answer.status == 200 and "55" in answer.json()["text"]
    later = bot.command("rapporter Oslo 70 møte i juni", user_id=ADMIN)
    assert later.status == 200 and spare(bot.db, "Oslo") == 70
    records = changes(bot.db, "Oslo")

    for retry in (1, 2, 3):
        again = first.send(bot, retry=retry)
        assert (again.status, again.body) == (answer.status, answer.body)
    assert first.send(bot).status == 401  # a copy that does not say it is a retry
    assert spare(bot.db, "Oslo") == 70 and changes(bot.db, "Oslo") == records


def test_a_grant_replayed_after_a_revoke_does_not_restore_the_role(bot):
    def roles() -> list:
        service = reading(bot.db)
        try:
            return [
                (role, place.number if place else None) for role, place in service.roles("U_NY")
            ]
        finally:
            service.store.close()

    grant = command("grant <@U_NY|nils> editor Bergen")
    answer = grant.send(bot)
    assert answer.status == 200 and roles() == [("editor", "4601")]
    revoked = bot.command("revoke <@U_NY|nils> editor Bergen", user_id=ADMIN).json()["text"]
    assert "U_NY" in revoked and roles() == []

    again = grant.send(bot, retry=1)
    assert (again.status, again.body) == (answer.status, answer.body)
    assert roles() == []


def test_a_planning_year_change_replayed_does_not_undo_a_later_one(bot):
    def planning_year() -> int:
        service = reading(bot.db)
        try:
            return service.planning_year()
        finally:
            service.store.close()

    change = command("planleggingsår 2021")
    answer = change.send(bot)
    try:
        assert answer.status == 200 and planning_year() == 2021
        assert bot.command("planleggingsår 2022", user_id=ADMIN).status == 200
        again = change.send(bot, retry=1)
        assert (again.status, again.body) == (answer.status, answer.body)
        assert planning_year() == 2022
    finally:
        bot.command("planleggingsår 2020", user_id=ADMIN)
    assert planning_year() == 2020


def test_a_save_anyway_click_replayed_does_not_undo_a_later_report(bot, slack):
    service = reading(bot.db)
    service.create_batch("Anyway", 20, Actor(id=ADMIN, name="ada"), year=2020)
    service.allocate("Anyway", "Stavanger", 20, Actor(id=ADMIN, name="ada"))
    service.store.close()
    refused = bot.command("rapporter Stavanger 10 færre boliger", user_id=ADMIN).json()
    anyway = buttons(refused)["capacity_report_anyway"]
    save = click(anyway["action_id"], anyway["value"], slack.response_url("anyway"))
    answer = save.send(bot)
    [saved] = slack.wait_responses("anyway")
    assert answer.status == 200 and spare(bot.db, "Stavanger") == 10
    assert bot.command("rapporter Stavanger 30 nye boliger", user_id=ADMIN).status == 200
    records = changes(bot.db, "Stavanger")

    again = save.send(bot, retry=1)
    assert (again.status, again.body) == (answer.status, answer.body)
    # a click of another kind after it, answered: the replay's work would be done by now
    slack.answer_to(
        "after",
        lambda: bot.action(
            "capacity_show", json.dumps({"n": "1103"}), response_url=slack.response_url("after")
        ),
    )
    assert slack.responses("anyway") == [saved]
    assert spare(bot.db, "Stavanger") == 30 and changes(bot.db, "Stavanger") == records


def test_a_confirm_replayed_after_its_undo_reserves_nothing_and_says_what_is_true(bot, slack):
    service = reading(bot.db)
    service.create_batch("Replayed", 12, Actor(id=ADMIN, name="ada"), year=2020)
    service.store.close()
    preview = bot.command('tildel "Replayed" Tromsø 5', command="/relocation", user_id=ADMIN)
    confirm = buttons(preview.json())["relocation_confirm"]
    clicked = click(confirm["action_id"], confirm["value"], slack.response_url("confirm"))
    answer = clicked.send(bot)
    [done] = slack.wait_responses("confirm")
    assert done.body["text"].startswith("Tildelt")
    undo = buttons(done.body)["relocation_undo"]
    undone = slack.answer_to(
        "undo",
        lambda: bot.action(
            undo["action_id"], undo["value"], response_url=slack.response_url("undo"), user_id=ADMIN
        ),
    )
    assert undone.body["text"].startswith("Angret")
    assert reserved(bot.db, "Tromsø") == 0

    again = clicked.send(bot, retry=1)  # the captured click, with a forged retry header
    assert (again.status, again.body) == (answer.status, answer.body)
    # The same button clicked anew (signed anew, as Slack would), answered after the
    # replay would have been: it says what is true
    fresh = slack.answer_to(
        "anew",
        lambda: bot.action(
            confirm["action_id"],
            confirm["value"],
            response_url=slack.response_url("anew"),
            user_id=ADMIN,
            extra={"trigger_id": "another.click"},  # a new click is a new body
        ),
    )
    text = fresh.body["text"]
    assert "Allerede tildelt" not in text and "og angret" in text and "ikke aktiv" in text
    assert slack.responses("confirm") == [done]  # nothing for the replay
    assert reserved(bot.db, "Tromsø") == 0


def reserved(db, place: str) -> int:
    service = reading(db)
    try:
        return service.capacity(place, 2020).reserved
    finally:
        service.store.close()


def test_an_events_api_retry_signed_anew_with_the_same_event_id_is_handled_once(seeded_db, slack):
    with BotServer(seeded_db, slack.api_url) as bot:
        opened = {"type": "app_home_opened", "user": "U_HOME1", "tab": "home"}
        body = BotServer.event_body(opened, event_id="EvReplay1")
        first = bot.send(body, signed_headers(SECRET, body))
        assert first.status == 200
        slack.wait_for("views.publish")
        # Slack's retry: the same body, a new timestamp, so a new signature
        retry = signed_headers(SECRET, body, int(time.time()) + 1)
        again = bot.send(body, retry, retry=1)
        assert (again.status, again.body) == (first.status, first.body)
        other = {"type": "app_home_opened", "user": "U_HOME2", "tab": "home"}
        assert bot.event(other, event_id="EvReplay2").status == 200
        slack.wait_views("U_HOME2")
        assert slack.views("U_HOME2")  # handled after the retry was answered
        assert len(slack.views("U_HOME1")) == 1
