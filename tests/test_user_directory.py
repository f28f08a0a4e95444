"""The workspace's users known before they ask: `users.list` a page at a time, at start
and then every hour, in a thread of its own; a user the list does not have yet is
looked up with `users.info` as before."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.user_directory import UserDirectory
from bot.user_language import UserLanguages
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.test_user_language import FakeSlack
from tests.waiting import wait_until

WAIT = 10.0


class Workspace:
    """`users.list` over `members` ({id: locale}), `page` at a time; it can fail, or
    hold a page until `release` is set."""

    def __init__(self, members: dict[str, str], *, fail: int = 0, hold: bool = False) -> None:
        self.members, self.fail = members, fail
        self.calls: list[tuple[str | None, int, bool]] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def users_list(self, *, cursor: str | None, limit: int, include_locale: bool) -> dict:
        self.calls.append((cursor, limit, include_locale))
        assert self.release.wait(WAIT)
        if self.fail:
            self.fail -= 1
            raise ConnectionError("Slack is down")
        ids = sorted(self.members)
        start = int(cursor or 0)
        page = [
            {"id": u, "locale": self.members[u], "deleted": u.endswith("X")}
            for u in ids[start : start + limit]
        ]
        after = start + limit
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(after) if after < len(ids) else ""},
        }


def test_the_workspace_is_read_a_page_at_a_time_and_its_users_need_no_users_info():
    slack = FakeSlack({})
    languages = UserLanguages(slack, "nb")
    members = {"UEN": "en-US", "UNN": "nn-NO", "UNB": "nb-NO", "UDE": "de-DE", "UGONEX": "en-US"}
    workspace = Workspace(members)
    assert UserDirectory(workspace, languages, page=2).refresh() == 4  # the deleted one not
    assert workspace.calls == [(None, 2, True), ("2", 2, True), ("4", 2, True)]

    async def ask():
        return [await languages.language(u) for u in ("UEN", "UNN", "UNB", "UDE")]

    assert asyncio.run(ask()) == ["en", "nn", "nb", "nb"]  # German: the default
    assert slack.calls == []  # nobody looked up


def test_a_user_who_joined_since_the_last_pass_is_answered_at_once_and_looked_up_after():
    slack = FakeSlack({"UNEW": "en-US"}, delay=0.05)
    languages = UserLanguages(slack, "nb", limit=5.0)
    UserDirectory(Workspace({"UNN": "nn-NO"}), languages).refresh()

    async def ask():
        started = time.monotonic()
        first = [await languages.language(u) for u in ("UNN", "UNEW")]
        waited = time.monotonic() - started
        deadline = time.monotonic() + 5
        while languages.cached("UNEW") is None:  # the lookup after the answer
            assert time.monotonic() < deadline, "the lookup never ended"
            await asyncio.sleep(0.01)
        return first, waited, await languages.language("UNEW")

    first, waited, later = asyncio.run(ask())
    assert first == ["nn", "nb"] and waited < 0.05  # not held up by users.info (limit 5 s)
    assert later == "en"
    assert slack.calls == ["UNEW"]


def test_a_failed_pass_keeps_what_the_last_one_found():
    languages = UserLanguages(FakeSlack({}), "nb")
    workspace = Workspace({"UEN": "en-US"})
    directory = UserDirectory(workspace, languages)
    directory.refresh()
    workspace.fail, workspace.members = 1, {}
    with pytest.raises(ConnectionError):
        directory.refresh()
    assert languages.cached("UEN") == "en" and directory.passes == 1


def test_the_start_never_waits_for_the_list_and_passes_repeat_until_stopped():
    languages = UserLanguages(FakeSlack({}), "nb")
    workspace = Workspace({"UEN": "en-US"}, fail=1, hold=True)
    started = time.monotonic()
    directory = UserDirectory(workspace, languages, period=0.01, retry=0.01).start()
    assert time.monotonic() - started < 0.5 and directory.passes == 0  # not waited for
    wait_until(lambda: workspace.calls, "the first pass to begin", WAIT)
    assert languages.cached("UEN") is None  # still held at Slack
    workspace.release.set()
    wait_until(lambda: directory.passes >= 3, "the passes to repeat", WAIT)
    assert languages.cached("UEN") == "en"
    directory.stop()
    assert not directory._thread.is_alive()


@pytest.mark.slow
def test_the_serving_bot_knows_the_workspace_before_anyone_asks(seeded_db):
    with StandIn() as slack:
        slack.locales.update({"U_EN": "en-US", "U_NN": "nn-NO"})
        slack.workspace = ["U_EN", "U_NN", *(f"U{i:04d}" for i in range(450))]
        with BotServer(seeded_db, slack.api_url, language="nb") as bot:
            wait_until(
                lambda: "languages of 452 users known" in bot.log.read_text(),
                "the bot to read the workspace",
                WAIT,
            )
            english = bot.command("Trondheim", user_id="U_EN").json()["text"]
            nynorsk = bot.command("Trondheim", user_id="U_NN").json()["text"]
            assert english.startswith("Trondheim (5001), 2020: 115 spare places now")
            assert nynorsk.startswith("Trondheim (5001), 2020: 115 ledige plassar no")
            assert slack.calls_to("users.info") == []
            pages = slack.calls_to("users.list")
            assert [c.body.get("cursor") for c in pages] == [None, "200", "400"]
            assert {c.body["include_locale"] for c in pages} <= {"true", "1"}
            newcomer = bot.command("Trondheim", user_id="U_NEW").json()["text"]
            assert newcomer.startswith("Trondheim (5001), 2020: 115 ledige plasser nå")
            wait_until(lambda: slack.calls_to("users.info"), "the newcomer to be looked up", WAIT)
            assert [c.body["user"] for c in slack.calls_to("users.info")] == ["U_NEW"]
