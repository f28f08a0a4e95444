"""Memory benchmark: the bot's RSS after 1k, 20k and 60k mixed requests. Not a test.

    .venv/bin/python bench/bench_memory.py                    # 60k requests (a few minutes)
    .venv/bin/python bench/bench_memory.py --total 20000 --checkpoints 1000,5000,20000
    .venv/bin/python bench/bench_memory.py --total 6000 --trace   # where it grows

The requests go in process through the bot's real ASGI edge (`bot.http.SlackAsgi`, the
app and the core behind it, a seeded database file), signed as Slack signs them, with
the Slack stand-in on 127.0.0.1 for response_urls and the Web API. The mix, in turn:
questions about municipalities, reports, assignment previews (each kept in the database
by key) and their Confirm clicks, "did you mean" clicks, `/relocation liste`, the form
opened, /healthz, an unsigned request and a replayed one. Each checkpoint prints VmRSS
and the sizes of what the process keeps (the replay memory, with the bytes of the
answers it keeps for copies; the bot's answer cache; tasks after answers); with --trace,
the 15 allocation sites that grew most between the first and the last checkpoint
(tracemalloc; much slower).

Bounded: --total requests, a watchdog; loopback only; the database is a temporary copy.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.http import SlackAsgi  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.terminal import command_body, signed_headers  # noqa: E402
from capacity import Actor, Capacity  # noqa: E402
from tests.asgi import call  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

SECRET = "memory-bench"
ADMIN = "U_ADMIN"
CLI = Actor(id="cli:bench", name="bench", trusted=True)
KINDS = [
    "question",
    "question",
    "question",
    "report",
    "preview",
    "Confirm",
    "choice",
    "liste",
    "healthz",
    "refused",
]
PLACES = ["Tromso", "5001", "Bergen", "Oslo", "Bærum", "Kristiansand", "norge", "", "Herøy"]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Mix:
    def __init__(self, asgi: SlackAsgi, slack: StandIn) -> None:
        self.asgi, self.slack = asgi, slack
        self.n = 0
        self.buttons: list[dict] = []
        self.statuses: dict[int, int] = {}
        self.last: tuple[str, dict[str, str]] | None = None
        self.spent: dict[str, list[float]] = {}

    async def signed(self, body: str, headers: dict[str, str] | None = None) -> dict | None:
        headers = headers or signed_headers(SECRET, body)
        self.last = (body, headers)
        answer = await call(self.asgi, "/slack/events", body.encode(), headers)
        self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        if answer.status >= 500:
            raise RuntimeError(f"{answer.status}: {answer.body[:200]!r}")
        try:
            return answer.json() if answer.body else None
        except ValueError:
            return None

    def command(self, text: str, command: str = "/capacity") -> str:
        body = command_body(
            text, command=command, user_id=ADMIN, response_url=self.slack.response_url("m")
        )
        return body + f"&bench={self.n}"  # distinct bodies, as Slack's are

    def click(self, action_id: str, value: str) -> str:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": ADMIN, "username": "ada"},
            "container": {"type": "message", "message_ts": "1.1"},
            "channel": {"id": "C1"},
            "trigger_id": f"t.{self.n}",
            "response_url": self.slack.response_url("m"),
            "actions": [{"action_id": action_id, "block_id": "b", "value": value}],
        }
        return urlencode({"payload": json.dumps(payload)})

    async def one(self) -> None:
        self.n += 1
        kind = self.n % 10
        started = time.perf_counter()
        await self._one(kind)
        spent = self.spent.setdefault(KINDS[kind], [0.0, 0])
        spent[0] += time.perf_counter() - started
        spent[1] += 1

    def per_kind(self) -> str:
        """Mean milliseconds per request of each kind since the last call."""
        shown = "  ".join(
            f"{kind} {total / count * 1000:.1f}" for kind, (total, count) in self.spent.items()
        )
        self.spent = {}
        return shown

    async def _one(self, kind: int) -> None:
        if kind in (0, 1, 2):
            await self.signed(self.command(PLACES[self.n % len(PLACES)] + f" {2020 + self.n % 4}"))
        elif kind == 3:
            await self.signed(self.command(f"rapporter Oslo {100 + self.n % 37} bench"))
        elif kind == 4:
            answer = await self.signed(self.command("tildel Bench Trondheim 1", "/relocation"))
            for block in (answer or {}).get("blocks", []):
                for element in block.get("elements", []) if block["type"] == "actions" else []:
                    if element.get("action_id") == "relocation_confirm":
                        self.buttons.append(element)
        elif kind == 5 and self.buttons:
            button = self.buttons.pop()
            await self.signed(self.click(button["action_id"], button["value"]))
        elif kind == 6:
            await self.signed(self.click("capacity_show", json.dumps({"n": "5001"})))
        elif kind == 7:
            await self.signed(self.command(f"liste {1 + self.n % 3}", "/relocation"))
        elif kind == 8:
            await call(self.asgi, "/healthz")
        else:
            replay = self.last
            body = self.command("Tromso")
            await self.signed(body, signed_headers("wrong", body))  # not signed by Slack: 401
            if replay:
                await self.signed(*replay)  # sent again: a replay, 401


def sizes(app, asgi: SlackAsgi) -> str:
    deps = app.deps
    return (
        f"replay memory {len(asgi.replays):>6} ({asgi.replays.bytes / 2**20:4.1f} MiB of answers)"
        f"   answer cache {len(deps.answers):>5}"
        f"   tasks after answers {deps.background.pending:>3}"
        f"   SQLite connections {len(deps.service.store._all)}"
    )


def watchdog() -> None:
    """The run took too long: stop the whole process (from the timer's thread)."""
    print("watchdog: the run took too long", flush=True)
    os._exit(3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=60_000)
    parser.add_argument("--checkpoints", default="1000,20000,60000")
    parser.add_argument("--trace", action="store_true", help="tracemalloc's top growth sites")
    parser.add_argument("--watchdog", type=float, default=900.0)
    args = parser.parse_args(argv)
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",") if int(c) <= args.total})
    timer = threading.Timer(args.watchdog, watchdog)
    timer.daemon = True
    timer.start()
    logging.basicConfig(level=logging.ERROR)

    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        db = workdir / "capacity.db"
        service = Capacity.open(db)
        service.grant(ADMIN, "admin", CLI)
        service.report_spare("Trondheim", 100_000, CLI, year=2020, source="bench")
        service.create_batch("Bench", 10_000, CLI, year=2020)
        with StandIn() as slack:
            settings = load_settings(
                slack_signing_secret=SECRET,
                slack_bot_token="xoxb-bench",
                slack_api_url=slack.api_url,
            )
            app = create_app(settings, service)
            asgi = SlackAsgi(app, SECRET)
            mix = Mix(asgi, slack)
            first = None

            async def run() -> None:
                nonlocal first
                started = time.monotonic()
                for done in range(1, args.total + 1):
                    await mix.one()
                    if done % 500 == 0:
                        await app.deps.background.drain(30)
                        with slack.lock:  # the stand-in's own records are not the bot's
                            slack.calls.clear()
                            slack.posted.clear()
                    if done in checkpoints:
                        await app.deps.background.drain(30)
                        gc.collect()
                        print(
                            f"after {done:>6} requests: RSS {rss_mib():6.1f} MiB   "
                            f"{sizes(app, asgi)}   ({time.monotonic() - started:5.0f} s)",
                            flush=True,
                        )
                        print(f"    ms per request: {mix.per_kind()}", flush=True)
                        if args.trace:
                            snapshot = tracemalloc.take_snapshot()
                            if first is None:
                                first = snapshot
                            else:
                                for stat in snapshot.compare_to(first, "lineno")[:15]:
                                    print("   ", stat)

            if args.trace:
                tracemalloc.start(1)
            asyncio.run(run())
            print(f"answers by status: {dict(sorted(mix.statuses.items()))}")
        service.store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
