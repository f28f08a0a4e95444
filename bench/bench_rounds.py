"""Collection rounds benchmark. Not a test: it prints figures, each as a ratio against a
baseline measured in the same run.

    .venv/bin/python bench/bench_rounds.py            # about 2 minutes
    .venv/bin/python bench/bench_rounds.py --quick    # fewer editors, shorter phases

1. Opening a round for the whole country (357 municipalities, 400 editors): every
   request queued in one transaction. Target < 1 s. Baseline: one report (one
   transaction of `report_spare`).
2. Delivering them, in process, through the outbox worker, `bot.round_delivery` and
   `bot.pace` against the Slack stand-in answering `ratelimited` to every tenth call of
   `chat.postMessage` and `conversations.open` (Retry-After 0.2 s): every message
   delivered once, and the time against what the rate limit allows (the calls at the
   paced rate, plus every Retry-After, which must be waited out).
3. The tracker under 100 answers a minute: its writes a minute against its limit (one
   every 5 s).
4. `/capacity Trondheim` through the bot's HTTP server (a process, signed requests)
   while a whole-country round is being delivered, against the same bot idle: p50 and
   p99 ratios.

Bounded (a count per phase and a watchdog), loopback only, every process it starts is
stopped on exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402

from bot.i18n import Texts  # noqa: E402
from bot.notifier import SlackNotifier  # noqa: E402
from bot.pace import Pace  # noqa: E402
from bot.round_delivery import PersonDelivery  # noqa: E402
from bot.round_tracker import TrackerWorker  # noqa: E402
from capacity import Actor, Capacity  # noqa: E402
from capacity.storage.store import Store  # noqa: E402
from capacity.usecases.notify import OutboxWorker  # noqa: E402
from tests.bot_server import BotServer  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

ADMIN = Actor(id="U_ADMIN", name="bench")
CLI = Actor(id="cli:bench", name="bench", trusted=True)
RETRY_AFTER = 0.2
WATCHDOG = 600.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))]


def national_db(folder: Path, editors: int) -> tuple[Path, dict[str, str]]:
    """A seeded database with an admin and `editors` editors (one per municipality of
    2024 first, then a second for some)."""
    db = folder / "bench.db"
    Capacity.open(str(db)).store.close()
    service = Capacity(Store(db))
    service.grant(ADMIN.id, "admin", CLI)
    places = service.geography.all(2024)
    users = {}
    for i in range(editors):
        place = places[i % len(places)]
        users[f"U{place.number}{'AB'[i // len(places)]}"] = place.number
    for user, number in users.items():
        service.grant(user, "editor", CLI, number)
    service.store.close()
    return db, users


def deadline() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")


def phase_open(db: Path) -> float:
    service = Capacity(Store(db))
    reports = []
    for value in range(80, 87):  # the median of a few warm reports
        started = time.perf_counter()
        service.report_spare("Oslo", value, ADMIN, year=2027)
        reports.append(time.perf_counter() - started)
    baseline = percentile(reports[1:], 0.5)
    started = time.perf_counter()
    opened = service.open_round("Bench", deadline(), "norge", ADMIN, year=2027)
    took = time.perf_counter() - started
    service.store.close()
    print(
        f"1. open a whole-country round: {opened.members} municipalities, {opened.asked} "
        f"messages queued in one transaction: {took * 1000:.0f} ms "
        f"({'PASS' if took < 1 else 'FAIL'} < 1 s); one report {baseline * 1000:.1f} ms; "
        f"ratio {took / baseline:.1f}x"
    )
    return took


def phase_deliver(db: Path, users: dict[str, str], rate: float) -> None:
    service = Capacity(Store(db))
    with StandIn() as slack:
        for method in ("chat.postMessage", "conversations.open"):
            slack.ratelimit[method] = (10, str(RETRY_AFTER))
        client = WebClient(token="xoxb-bench", base_url=slack.api_url, timeout=5,
                           retry_handlers=[])  # fmt: skip
        pace = Pace({"chat.postMessage": rate, "conversations.open": rate})
        persons = PersonDelivery(client, service, Texts("nb"), pace)
        notifier = SlackNotifier(client, "CALERTS", Texts("nb"), persons=persons, pace=pace)
        worker = OutboxWorker(service.outbox, notifier, poll_seconds=0.05, backoff_max=1.0)
        started = time.monotonic()
        worker.start()
        watchdog = started + WATCHDOG
        while time.monotonic() < watchdog and not all(slack.dms(u) for u in users):
            time.sleep(0.05)
        took = time.monotonic() - started
        worker.stop()
        counts = [len(slack.dms(u)) for u in users]
        methods = ("chat.postMessage", "conversations.open")
        taken = {m: len(slack.calls_to(m)) - slack.limited.get(m, 0) for m in methods}
        calls = sum(len(slack.calls_to(m)) for m in methods)
        limited = sum(slack.limited.values())
    service.store.close()
    # what the limit allows: each method's calls at its rate (the two methods' rates run
    # side by side), and every Retry-After waited out (the one worker waits each)
    allowed = max(taken.values()) / rate + limited * RETRY_AFTER
    print(
        f"2. deliver {len(users)} messages, every 10th call ratelimited (Retry-After "
        f"{RETRY_AFTER} s), paced at {rate:.0f}/s: {took:.1f} s; delivered once each: "
        f"{'PASS' if set(counts) == {1} else 'FAIL ' + str(sorted(set(counts)))}; "
        f"{calls} calls, {limited} refused; the limit allows {allowed:.1f} s: ratio "
        f"{took / allowed:.2f}x (waited in pace {pace.waited:.1f} s)"
    )


def phase_tracker(db: Path, users: dict[str, str], seconds: float) -> None:
    service = Capacity(Store(db))
    found = service.round("Bench")
    numbers = list(dict.fromkeys(users.values()))
    editor = {number: user for user, number in users.items()}
    with StandIn() as slack:
        client = WebClient(token="xoxb-bench", base_url=slack.api_url, timeout=5)
        tracker = TrackerWorker(service, client, "CALERTS", Texts("nb"), Pace({}), poll=0.1)
        tracker.refresh()  # the first post
        tracker.start()
        answers = int(100 * seconds / 60)
        started = time.monotonic()
        for i in range(answers):
            at = started + i * 60 / 100
            time.sleep(max(0.0, at - time.monotonic()))
            number = numbers[i % len(numbers)]
            service.answer_round(found.id, number, Actor(id=editor[number]), spare=5 + i % 20)
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        tracker.stop()
        updates = slack.calls_to("chat.update")
        gaps = [b.at - a.at for a, b in zip(updates, updates[1:], strict=False)]
    service.store.close()
    per_minute = len(updates) * 60 / seconds
    limit = 60 / 5
    print(
        f"3. tracker under 100 answers a minute ({answers} in {seconds:.0f} s): "
        f"{len(updates)} chat.update, {per_minute:.1f} a minute against a limit of "
        f"{limit:.0f} (ratio {per_minute / limit:.2f}); shortest gap "
        f"{min(gaps) if gaps else 0:.2f} s ({'PASS' if not gaps or min(gaps) >= 4.9 else 'FAIL'})"
    )


def measure(bot: BotServer, slack: StandIn, count: int, every: float = 0.02) -> list[float]:
    """`count` questions, one every `every` seconds (as a busy channel asks)."""
    times = []
    begin = time.perf_counter()
    for i in range(count):
        time.sleep(max(0.0, begin + i * every - time.perf_counter()))
        started = time.perf_counter()
        reply = bot.command("Trondheim", response_url=slack.response_url("q"))
        times.append(time.perf_counter() - started)
        assert reply.status == 200
    return times


def phase_answers(folder: Path, editors: int, count: int) -> None:
    db, users = national_db(folder / "answers", editors)
    with StandIn() as slack:
        for method in ("chat.postMessage", "conversations.open"):
            slack.ratelimit[method] = (10, str(RETRY_AFTER))
        env = {"CAPACITY_POST_RATE": "50", "CAPACITY_ALERT_POLL": "0.1"}
        with BotServer(db, slack.api_url, env=env) as bot:
            measure(bot, slack, 50, 0)  # warm
            idle = measure(bot, slack, count)
            reply = bot.command(f'innhenting ny "Bench" frist {deadline()} omfang norge år 2027',
                                user_id=ADMIN.id, response_url=slack.response_url())  # fmt: skip
            assert "Bench" in reply.text, reply.text
            busy = measure(bot, slack, count)
            delivered = sum(1 for u in users if slack.dms(u))
    ratio50 = percentile(busy, 0.5) / percentile(idle, 0.5)
    ratio99 = percentile(busy, 0.99) / percentile(idle, 0.99)
    print(
        f"4. /capacity Trondheim, {count} requests (50 a second) idle and {count} while the "
        f"round was delivering ({delivered} of {len(users)} messages out by then): p50 "
        f"{percentile(idle, 0.5) * 1000:.1f} -> {percentile(busy, 0.5) * 1000:.1f} ms "
        f"({ratio50:.2f}x), p99 {percentile(idle, 0.99) * 1000:.1f} -> "
        f"{percentile(busy, 0.99) * 1000:.1f} ms ({ratio99:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=100.0, help="paced calls a second")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the outbox's retry warnings, hundreds of them
    editors = 120 if args.quick else 400
    watchdog = threading.Timer(WATCHDOG, lambda: (print("watchdog: giving up"), os._exit(2)))
    watchdog.daemon = True
    watchdog.start()
    folder = Path(tempfile.mkdtemp(prefix="bench-rounds-"))
    try:
        (folder / "answers").mkdir()
        db, users = national_db(folder, editors)
        phase_open(db)
        phase_deliver(db, users, args.rate)
        phase_tracker(db, users, 20.0 if args.quick else 60.0)
        phase_answers(folder, editors, 200 if args.quick else 500)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
