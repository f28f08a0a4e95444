"""A request captured and sent again after the bot restarted, or to another bot process on
the same database, is answered from what the first one did and never run again (the
replay keys kept in the database, `bot.replay_records`): over signed HTTP and over Socket
Mode, against the bot as a process; a key past its 5 minutes no longer matches; and a
database that cannot take the keys does not stop the answers."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.rehearsal import set_clock
from bot.terminal import signed_headers
from capacity import Capacity
from capacity.storage.store import Store
from tests.bot_server import SECRET, BotServer
from tests.socket_stand_in import SocketStandIn
from tests.test_e2e_replays import ADMIN, CLI, changes, command, spare
from tests.test_socket_mode import bot_process, link_or_exit
from tests.test_socket_replays import ADMIN as SOCKET_ADMIN
from tests.test_socket_replays import again, ask
from tests.test_socket_replays import command as envelope_command
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def db(_seeded_template, tmp_path):
    path = tmp_path / "bot.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant(ADMIN, "admin", CLI)
    service.grant(SOCKET_ADMIN.id, "admin", CLI)
    service.store.close()
    return path


def kept(db) -> list[tuple[str, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT key, status FROM replays ORDER BY key").fetchall()
    finally:
        conn.close()


def answered(db, count: int) -> None:
    """Wait until `count` keys hold their answer (kept after the answer, off the loop)."""
    wait_until(
        lambda: sum(1 for _, status in kept(db) if status) >= count,
        f"{count} kept answers",
        timeout=10,
    )


def test_a_report_replayed_after_a_restart_gets_its_first_answer_and_changes_nothing(db, slack):
    first = command("rapporter Oslo 55 møte i mai")
    with BotServer(db, slack.api_url) as bot:
        answer = first.send(bot)
        assert answer.status == 200 and "55" in answer.json()["text"]
        assert bot.command("rapporter Oslo 70 møte i juni", user_id=ADMIN).status == 200
        answered(db, 2)
    records = changes(db, "Oslo")

    with BotServer(db, slack.api_url) as restarted:  # its own memory is empty
        for retry in (1, 2):
            again = first.send(restarted, retry=retry)
            assert (again.status, again.body) == (answer.status, answer.body)
        assert first.send(restarted).status == 401  # not a retry: not Slack's
        assert spare(db, "Oslo") == 70 and changes(db, "Oslo") == records
        # a question is not kept in the database (it changes nothing)
        assert restarted.command("Oslo", user_id=ADMIN).status == 200
    assert len(kept(db)) == 2


def test_a_report_replayed_to_another_process_on_the_same_database_is_not_run_again(db, slack):
    first = command("rapporter Oslo 55 møte i mai")
    with BotServer(db, slack.api_url) as one, BotServer(db, slack.api_url) as other:
        answer = first.send(one)
        assert answer.status == 200
        assert other.command("rapporter Oslo 70 møte i juni", user_id=ADMIN).status == 200
        answered(db, 2)
        records = changes(db, "Oslo")

        again = first.send(other, retry=1)
        assert (again.status, again.body) == (answer.status, answer.body)
        assert first.send(other).status == 401
        assert spare(db, "Oslo") == 70 and changes(db, "Oslo") == records

        # The same request at both at once (each says it is a retry): run once, and both
        # answer what that run answered
        both = command("rapporter Bergen 44 møte i juli")
        before = len(changes(db, "Bergen"))
        replies: list = [None, None]

        def send(index: int, bot: BotServer) -> None:
            replies[index] = both.send(bot, retry=1)

        threads = [threading.Thread(target=send, args=pair) for pair in enumerate((one, other))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert [r.status for r in replies] == [200, 200]
        assert replies[0].body == replies[1].body and "44" in replies[0].json()["text"]
        assert spare(db, "Bergen") == 44 and len(changes(db, "Bergen")) == before + 1


def test_an_events_api_retry_after_a_restart_publishes_the_home_once(db, slack):
    opened = {"type": "app_home_opened", "user": "U_HOMEX", "tab": "home"}
    body = BotServer.event_body(opened, event_id="EvStored1")
    with BotServer(db, slack.api_url) as bot:
        first = bot.send(body, signed_headers(SECRET, body))
        assert first.status == 200
        slack.wait_for("views.publish")
        answered(db, 1)
    with BotServer(db, slack.api_url) as restarted:
        retry = signed_headers(SECRET, body, int(time.time()) + 1)  # signed anew by Slack
        again = restarted.send(body, retry, retry=1)
        assert (again.status, again.body) == (first.status, first.body)
        other = {"type": "app_home_opened", "user": "U_HOMEY", "tab": "home"}
        assert restarted.event(other, event_id="EvStored2").status == 200
        slack.wait_views("U_HOMEY")
        assert slack.views("U_HOMEY")  # answered after the retry: its work would be done
        assert len(slack.views("U_HOMEX")) == 1


def test_a_key_past_its_five_minutes_no_longer_matches(db, slack, tmp_path):
    clock = tmp_path / "clock"
    start = datetime.now(UTC)
    set_clock(clock, start)
    first = command("rapporter Oslo 55 møte i mai")
    env = {"CAPACITY_CLOCK_FILE": str(clock)}
    with BotServer(db, slack.api_url, env=env) as bot:
        answer = first.send(bot)
        bot.command("rapporter Oslo 70 møte i juni", user_id=ADMIN)
        answered(db, 2)
    set_clock(clock, start + timedelta(seconds=299))
    with BotServer(db, slack.api_url, env=env) as restarted:
        again = first.send(restarted, retry=1)
        assert (again.status, again.body) == (answer.status, answer.body)
    assert spare(db, "Oslo") == 70
    # Past the window by the bot's clock (Slack's own check of the signature's age, on
    # the real clock, would refuse it by then): the key is not found, the request runs
    set_clock(clock, start + timedelta(seconds=301))
    with BotServer(db, slack.api_url, env=env) as later:
        assert first.send(later, retry=1).status == 200
    assert spare(db, "Oslo") == 55


def test_a_database_that_cannot_take_the_keys_does_not_stop_the_answers(db, slack):
    first = command("rapporter Oslo 55 møte i mai")
    with BotServer(db, slack.api_url, env={"CAPACITY_BUSY_TIMEOUT_MS": "600"}) as bot:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            busy = first.send(bot)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert busy.status == 200 and "ingenting ble endret" in busy.text
        # the bot's memory still answers its copy, and the log says why the database did not
        again = first.send(bot, retry=1)
        assert (again.status, again.body) == (busy.status, busy.body)
        assert "could not take a request's replay key (busy" in bot.log.read_text()
        assert bot.command("rapporter Oslo 60 møte i juni", user_id=ADMIN).status == 200
    assert spare(db, "Oslo") == 60


def test_an_envelope_delivered_again_after_a_restart_gets_its_first_ack_only(db, tmp_path):
    log = tmp_path / "socket.log"
    first = envelope_command("rapporter Oslo 55 møte i mai")
    with SocketStandIn() as slack:
        with bot_process(db, slack.api_url, log) as process:
            link = link_or_exit(slack, process, log)
            link.hello()
            ack = ask(link, first)
            assert "55" in ack["payload"]["text"]
            ask(link, envelope_command("rapporter Oslo 70 møte i juni"))
            answered(db, 2)
            process.send_signal(signal.SIGTERM)
            process.wait(10)
        records = changes(db, "Oslo")
        with bot_process(db, slack.api_url, log) as process:
            link = link_or_exit(slack, process, log, count=2)
            link.hello()
            redelivered = again(link, "slash_commands", first)
            assert redelivered["payload"] == ack["payload"]
    assert spare(db, "Oslo") == 70 and changes(db, "Oslo") == records
