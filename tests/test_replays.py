"""Copies of a request through the real HTTP edge, in process: a copy that arrives while
the first is still being answered waits for that answer and never runs; an answer past
the byte budget leaves only the fact that it was done (an empty 200, never a rerun)."""

from __future__ import annotations

import asyncio
import sqlite3
import time

from bot.app import create_app
from bot.http import SlackAsgi
from bot.replays import Replays, signature_key
from bot.settings import load_settings
from bot.terminal import command_body, signed_headers
from tests.asgi import call
from tests.conftest import CLI

SECRET = "replays-secret"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def edge(service) -> SlackAsgi:
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    return SlackAsgi(create_app(settings, service), SECRET)


async def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.002)


def test_a_copy_sent_while_the_first_waits_for_the_write_lock_gets_its_answer_and_never_runs(
    on_disk, seeded_db
):
    asgi = edge(on_disk)
    body = command_body("rapporter Oslo 44 samtidig", user_id="U_ADMIN")
    headers = signed_headers(SECRET, body)
    key = signature_key(headers["x-slack-signature"])
    before = len(on_disk.history("Oslo"))
    holder = sqlite3.connect(seeded_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write: the report waits for it

    async def run():
        first = asyncio.ensure_future(call(asgi, "/slack/events", body.encode(), headers))
        await until(lambda: asgi.replays.find([key]) is not None)
        copy = asyncio.ensure_future(
            call(asgi, "/slack/events", body.encode(), {**headers, **RETRY})
        )
        _, entry = asgi.replays.find([key]) or (None, None)
        await until(lambda: entry._ready is not None)  # the copy is waiting for it
        assert not first.done() and entry.answer is None
        holder.execute("ROLLBACK")
        return await first, await copy

    try:
        first, copy = asyncio.run(run())
    finally:
        holder.close()
    assert first.status == 200 and "44" in first.json()["text"]
    assert (copy.status, copy.body) == (first.status, first.body)
    assert len(on_disk.history("Oslo")) == before + 1
    assert on_disk.capacity("Oslo", 2020).spare == 44


def test_past_the_byte_budget_a_retry_gets_an_empty_200_and_the_report_is_not_made_again(on_disk):
    asgi = edge(on_disk)
    asgi.replays = Replays(max_bytes=100)  # smaller than any answer with blocks
    body = command_body("rapporter Bergen 41 budsjett", user_id="U_ADMIN")
    headers = signed_headers(SECRET, body)

    async def run():
        first = await call(asgi, "/slack/events", body.encode(), headers)
        on_disk.report_spare("Bergen", 45, CLI, year=2020, source="x")
        again = await call(asgi, "/slack/events", body.encode(), {**headers, **RETRY})
        return first, again

    first, again = asyncio.run(run())
    assert first.status == 200 and "41" in first.json()["text"]
    assert (again.status, again.body) == (200, b"")
    assert asgi.replays.bytes == 0
    assert on_disk.capacity("Bergen", 2020).spare == 45
