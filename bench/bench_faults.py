"""Fault benchmark: how long Slack waits for the bot's HTTP answer when what is behind
it is slow or failing. Not a test: it prints p50/p99/max answer times per fault.

    .venv/bin/python bench/bench_faults.py             # 40 requests per fault (about 1 min)
    .venv/bin/python bench/bench_faults.py --requests 100 --concurrency 8

It starts the bot (`python -m bot serve --http`) on 127.0.0.1 over a copy of a seeded
database, with the Slack stand-in (`tests/stand_in.py`) as its Web API and response_url,
and sends signed requests as Slack does, a few at a time, under each fault:

* none: questions, reports and Confirm clicks, for comparison;
* write lock held: another process holds the database's write lock throughout (reports
  and Confirm clicks, which must answer "busy, nothing changed" in time);
* response_url slow (8 s) and response_url refusing (HTTP 500): button clicks (a "did you
  mean" choice and Confirm) whose answer goes to the response_url;
* Web API slow (4 s): `/relocation` opening its form (views.open) and a form submitted
  (chat.postEphemeral afterwards).

Target: every answer under 3 s at p99 (Slack's limit). Bounded: a request count per
fault, a per-request timeout, a watchdog for the whole run; loopback only; every process
it starts is stopped on exit. Exit status 0 when every p99 is under 3 s, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from capacity import Actor, Capacity  # noqa: E402
from tests.bot_server import BotServer  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

LIMIT = 3.0
ADMIN = "U_ADMIN"
CLI = Actor(id="cli:bench", name="bench", trusted=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


class Bench:
    def __init__(self, bot: BotServer, slack: StandIn, requests: int, concurrency: int) -> None:
        self.bot, self.slack = bot, slack
        self.requests, self.concurrency = requests, concurrency
        self.n = 0
        self.lock = threading.Lock()

    def unique(self) -> int:
        with self.lock:
            self.n += 1
            return self.n

    # -- requests --------------------------------------------------------------------------

    def question(self):
        return self.bot.command("Tromso", response_url=self.slack.response_url("q"))

    def report(self):
        n = self.unique()
        return self.bot.command(
            f"rapporter Oslo {100 + n % 50} bench {n}",
            user_id=ADMIN,
            response_url=self.slack.response_url("r"),
        )

    def confirm_button(self) -> dict:
        reply = self.bot.command("tildel Bench Trondheim 1", command="/relocation", user_id=ADMIN)
        return next(
            e
            for b in reply.json()["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == "relocation_confirm"
        )

    def click(self, button: dict):
        return self.bot.action(
            button["action_id"],
            button["value"],
            response_url=self.slack.response_url("c"),
            user_id=ADMIN,
            extra={"trigger_id": f"b.{self.unique()}"},
        )

    def did_you_mean(self):
        reply = self.bot.command("Trondhjem")
        button = next(
            e for b in reply.json()["blocks"] if b["type"] == "actions" for e in b["elements"]
        )
        return button

    def modal(self):
        return self.bot.command("", command="/relocation", user_id=ADMIN)

    def submit(self):
        n = self.unique()
        state = {
            "name": f"Skjema {n}",
            "persons": "5",
            "year": "2020",
            "scope": "storbynettverket",
        }
        payload = {
            "type": "view_submission",
            "team": {"id": "T1"},
            "user": {"id": ADMIN, "username": "ada"},
            "api_app_id": "A1",
            "trigger_id": f"v.{n}",
            "view": {
                "id": "V1",
                "callback_id": "relocation_new",
                "private_metadata": json.dumps({"channel": "C1", "user": ADMIN}),
                "state": {
                    "values": {
                        k: {"value": {"type": "plain_text_input", "value": v}}
                        for k, v in state.items()
                    }
                },
            },
        }
        return self.bot.post_signed(urlencode({"payload": json.dumps(payload)}))

    # -- measuring ---------------------------------------------------------------------------

    def measure(self, name: str, kinds: dict[str, Callable[[], object]]) -> dict[str, float]:
        """Send `requests` requests, the kinds in turn; print the answer times of all and
        of each kind."""
        labels = list(kinds)

        def one(i: int) -> tuple[str, float, int]:
            label = labels[i % len(labels)]
            started = time.monotonic()
            reply = kinds[label]()
            return label, time.monotonic() - started, reply.status  # type: ignore[attr-defined]

        with ThreadPoolExecutor(self.concurrency) as pool:
            results = list(pool.map(one, range(self.requests)))
        row = self.line(name, [t for _, t, _ in results], [s for _, _, s in results])
        for label in labels:
            mine = [(t, s) for kind, t, s in results if kind == label]
            self.line(f"  {label}", [t for t, _ in mine], [s for _, s in mine])
        return row

    @staticmethod
    def line(name: str, times: list[float], statuses: list[int]) -> dict[str, float]:
        errors = sum(1 for status in statuses if status >= 500)
        row = {
            "p50": percentile(times, 0.50),
            "p99": percentile(times, 0.99),
            "max": max(times),
            "5xx": errors,
        }
        verdict = "PASS" if row["p99"] < LIMIT and not errors else "MISS"
        print(
            f"{name:<30} n={len(times):<4} p50 {row['p50'] * 1000:6.0f} ms  "
            f"p99 {row['p99'] * 1000:6.0f} ms  max {row['max'] * 1000:6.0f} ms  "
            f"5xx {errors}  {verdict}",
            flush=True,
        )
        return row


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    RUNNING.append(holder)
    assert holder.stdout and holder.stdout.readline().strip() == "locked"
    return holder


RUNNING: list[subprocess.Popen] = []  # stopped by the watchdog too


def watchdog() -> None:
    """The run took too long: stop what it started, and the process (from the timer's
    thread)."""
    print("watchdog: the run took too long", flush=True)
    for process in RUNNING:
        if process.poll() is None:
            process.kill()
    os._exit(3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per fault")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--watchdog", type=float, default=600.0, help="seconds for the run")
    args = parser.parse_args(argv)
    timer = threading.Timer(args.watchdog, watchdog)
    timer.daemon = True
    timer.start()

    workdir = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    db = workdir / "capacity.db"
    service = Capacity.open(db)
    service.grant(ADMIN, "admin", CLI)
    service.report_spare("Trondheim", 5000, CLI, year=2020, source="bench")
    service.create_batch("Bench", 10_000, CLI, year=2020)
    service.store.close()
    rows: dict[str, dict[str, float]] = {}
    holder = None
    try:
        with StandIn() as slack, BotServer(db, slack.api_url) as bot:
            RUNNING.append(bot.process)  # type: ignore[arg-type]
            bench = Bench(bot, slack, args.requests, args.concurrency)
            print(f"{args.requests} requests per fault, {args.concurrency} at a time\n")
            buttons = [bench.confirm_button() for _ in range(args.requests * 3)]
            pick = iter(buttons)
            dym = bench.did_you_mean()

            rows["none"] = bench.measure(
                "none",
                {
                    "question": bench.question,
                    "report": bench.report,
                    "Confirm": lambda: bench.click(next(pick)),
                },
            )
            holder = hold_write_lock(db)
            rows["write lock held"] = bench.measure(
                "write lock held",
                {"report": bench.report, "Confirm": lambda: bench.click(next(pick))},
            )
            holder.kill()
            holder.wait(10)
            holder = None
            slack.faults["response"] = ("delay", 8.0)
            rows["response_url slow (8 s)"] = bench.measure(
                "response_url slow (8 s)",
                {
                    "did you mean": lambda: bench.click(dym),
                    "Confirm": lambda: bench.click(next(pick)),
                },
            )
            slack.faults["response"] = ("status", 500)
            rows["response_url refusing"] = bench.measure(
                "response_url refusing (500)",
                {
                    "did you mean": lambda: bench.click(dym),
                    "Confirm": lambda: bench.click(next(pick)),
                },
            )
            slack.faults.clear()
            for method in ("views.open", "chat.postEphemeral", "chat.postMessage"):
                slack.faults[method] = ("delay", 4.0)
            rows["Web API slow (4 s)"] = bench.measure(
                "Web API slow (4 s)", {"views.open": bench.modal, "form submitted": bench.submit}
            )
            slack.faults.clear()
    finally:
        if holder is not None:
            holder.kill()
            holder.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    worst = max(row["p99"] for row in rows.values())
    print(f"\nworst p99 {worst * 1000:.0f} ms (target < {LIMIT * 1000:.0f} ms)")
    return 0 if worst < LIMIT and not any(row["5xx"] for row in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
