"""Benchmark: the bot's own scheduled backups of a national-scale database while it
answers under load, against the same load with no backup running.

    .venv/bin/python bench/bench_backup_load.py            # full run (about 3 minutes)
    .venv/bin/python bench/bench_backup_load.py --quick    # smoke-test run (about 40 s)

It builds the national-scale database (`bench_core.build_national`: 357 municipalities ×
10 years, 100,000 history records, 5,000 batches; 30,000 and 500 with --quick), starts
`capacity-bot serve --http` on it as a process on 127.0.0.1 with scheduled backups on
(CAPACITY_BACKUP_DIR, daily at 03:00, keeping 2 days) and its clock in a file
(CAPACITY_CLOCK_FILE), beside a Slack stand-in whose workspace holds the users who ask.

Then it sends signed `/capacity Trondheim` commands (`bench_http.run_load`: keep-alive
connections, one per client thread) at concurrency 1 and 16, in interleaved phases of
two kinds: *idle*, with no backup running, and *backups*, during which the test moves
the bot's clock to the next day's 03:00 as soon as the previous backup is recorded, so
that the bot takes one backup after another, each the real thing (the online copy, its
integrity, schema and foreign-key check, the retention), for the whole phase. It prints
the answers' median and p99 in each kind, their ratio (backups / idle), how many backups
ran and what share of the phase one was running, with PASS/MISS against the target: p99
within 1.3x of idle.

Bounded: a request count and a time limit per phase; every process is stopped at exit.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_core import build_national  # noqa: E402
from bench_http import (  # noqa: E402
    BOT_TOKEN,
    LOCALES,
    MEASURED_USERS,
    SECRET,
    USERS,
    Phase,
    Server,
    _stand_ins,
    run_load,
    stats,
    stop_all,
    validate_bot,
)

from bot.rehearsal import set_clock  # noqa: E402
from capacity.domain.clock import iso  # noqa: E402
from tests.bot_server import free_port  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

P99_MAX_RATIO = 1.3
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # the catch-up backup: 30 November's


def three(day: int) -> datetime:
    """03:00 in Oslo on the `day`th day after 30 November 2026 (CET: 02:00 UTC)."""
    return datetime(2026, 11, 30, 2, 0, tzinfo=UTC) + timedelta(days=day)


def state(db: Path, due: datetime) -> tuple[str, float] | None:
    """The backup due at `due` as the bot recorded it: its status and seconds."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT status, seconds FROM backup_runs WHERE due = ?", [iso(due)])
        found = row.fetchone()
    finally:
        conn.close()
    if found and found[0] == "failed":
        raise RuntimeError(f"the backup due {due} failed")
    return (found[0], float(found[1])) if found else None


def finished(db: Path, due: datetime) -> float | None:
    """The seconds the backup due at `due` took, once the bot has recorded it."""
    found = state(db, due)
    return found[1] if found and found[0] == "ok" else None


class BackToBack(threading.Thread):
    """Moves the bot's clock to the next day's 03:00 whenever its backup of the day is
    recorded, until stopped: backups one after another, as many as fit. Samples every
    20 ms whether one is running, for the share of the phase one was. With `drive`
    False (the idle phases) it samples the same way and moves nothing, so that both
    kinds of phase cost the load's process the same."""

    def __init__(self, db: Path, clock: Path, day: int, *, drive: bool = True) -> None:
        super().__init__(daemon=True)
        self.db, self.clock, self.day, self.drive = db, clock, day, drive
        self.took: list[float] = []
        self.samples = self.running = 0
        self.halt = threading.Event()

    def run(self) -> None:
        if self.drive:
            set_clock(self.clock, three(self.day) + timedelta(milliseconds=100))
        while not self.halt.is_set():
            found = state(self.db, three(self.day))
            self.samples += 1
            self.running += found is not None and found[0] == "running"
            if not self.drive or found is None or found[0] != "ok":
                self.halt.wait(0.02)
                continue
            self.took.append(found[1])
            self.day += 1
            set_clock(self.clock, three(self.day) + timedelta(milliseconds=100))

    @property
    def share(self) -> float:
        return self.running / max(1, self.samples)

    def finish(self) -> int:
        """Stop, wait for the backup under way to be recorded; the next day to use."""
        self.halt.set()
        self.join()
        if not self.drive:
            return self.day
        deadline = time.monotonic() + 120
        while finished(self.db, three(self.day)) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.day + 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke-test run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 6; quick 1)")
    parser.add_argument("--requests", type=int, help="requests per phase (default 2000)")
    parser.add_argument("--phase-limit", type=float, default=30.0, help="seconds per phase")
    parser.add_argument(
        "--backup-dir", type=Path, help="where the backups go (default: beside the database)"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 6)
    requests = args.requests or (800 if args.quick else 2000)
    changes, batches = (30_000, 500) if args.quick else (100_000, 5_000)
    print(
        f"capacity-bot: scheduled backups under load ({'quick' if args.quick else 'full'}); "
        f"python {platform.python_version()}, {os.cpu_count()} cpu(s); {rounds} round(s) "
        f"of {requests} requests per phase (at most {args.phase_limit:.0f} s) at "
        "concurrency 1 and 16"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="capacity-bench-backup-load-") as tmp:
            return run(
                Path(tmp), rounds, requests, args.phase_limit, changes, batches, args.backup_dir
            )
    finally:
        stop_all()


def run(
    work: Path,
    rounds: int,
    requests: int,
    limit: float,
    changes: int,
    batches: int,
    backup_dir: Path | None = None,
) -> int:
    db, clock = work / "national.db", work / "clock"
    directory = (backup_dir or work) / f"backups-{os.getpid()}"
    directory.mkdir()
    facts = build_national(db, changes, batches, seed=2020)
    print(f"national database: {db.stat().st_size / 1_048_576:.1f} MiB, {facts}")
    set_clock(clock, START)
    slack = StandIn().__enter__()
    _stand_ins.append(slack)
    slack.workspace = list(USERS)
    slack.locales.update(LOCALES)
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAPACITY_"))}
    bot = Server(
        name="bot",
        description="capacity-bot serve --http, scheduled backups on",
        argv=[sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1",
              "--port", str(port)],
        env={
            **base,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "CAPACITY_DB": str(db),
            "CAPACITY_ALERT_CHANNEL": "C_BENCH",
            "CAPACITY_SUMMARY_AT": "off",  # the clock moves by days: no weekly summaries
            "CAPACITY_CLOCK_FILE": str(clock),
            "CAPACITY_BACKUP_DIR": str(directory),
            "CAPACITY_BACKUP_AT": "03:00",
            "CAPACITY_BACKUP_KEEP": "2d",
            "CAPACITY_ALERT_POLL": "0.05",  # the next backup starts 50 ms after the clock moves
            "PYTHONPATH": str(REPO),
        },
        port=port,
        log=work / "bot.log",
        validate=validate_bot,
        is_bot=True,
    )  # fmt: skip
    bot.start(REPO)
    deadline = time.monotonic() + 60
    while finished(db, three(0)) is None:  # the backup of the time it started after
        if time.monotonic() > deadline:
            raise RuntimeError(f"no backup at start: {bot.tail()}")
        time.sleep(0.05)
    stop = threading.Event()
    run_load(bot, 600, 16, limit, stop, users=USERS)  # warm-up: every user seen once
    day = 1
    results: dict[tuple[int, str], list[Phase]] = {}
    took: dict[int, list[float]] = {}
    busy: dict[int, list[float]] = {}
    for number in range(rounds):
        for concurrency in (1, 16):
            order = ("idle", "backups") if number % 2 == 0 else ("backups", "idle")
            for kind in order:
                driver = BackToBack(db, clock, day, drive=kind == "backups")
                driver.start()
                phase = run_load(bot, requests, concurrency, limit, stop, users=MEASURED_USERS)
                day = driver.finish()
                if kind == "backups":
                    took.setdefault(concurrency, []).extend(driver.took)
                    busy.setdefault(concurrency, []).append(driver.share)
                results.setdefault((concurrency, kind), []).append(phase)
                one = stats([phase])
                print(
                    f"  round {number + 1}, concurrency {concurrency:>2}, {kind:<7}: p50 "
                    f"{one.p50:.2f} ms, p99 {one.p99:.2f} ms"
                    + (
                        f", a backup running {100 * driver.share:.0f} %"
                        if kind == "backups"
                        else ""
                    )
                )
    files = sorted(p.name for p in directory.iterdir())
    for leftover in directory.iterdir():
        leftover.unlink()
    directory.rmdir()
    print(f"backups taken: {day - 1} after the first; in the directory now: {len(files)}")
    failed = 0
    for concurrency in (1, 16):
        idle, loaded = (
            stats(results[(concurrency, "idle")]),
            stats(results[(concurrency, "backups")]),
        )
        for name, found in (("idle", idle), ("backups", loaded)):
            if found.errors or found.bad:
                print(
                    f"  {name}: {found.errors} errors, {found.bad} wrong answers: {found.problem}"
                )
                failed += 1
        ratio50, ratio99 = loaded.p50 / idle.p50, loaded.p99 / idle.p99
        verdict = "PASS" if ratio99 <= P99_MAX_RATIO else "MISS"
        seconds = took.get(concurrency, [])
        pairs = sorted(
            stats([b]).p99 / stats([i]).p99
            for i, b in zip(
                results[(concurrency, "idle")], results[(concurrency, "backups")], strict=True
            )
        )
        shares = busy.get(concurrency, [])
        print(
            f"concurrency {concurrency:>2}: idle p50 {idle.p50:.2f} ms, p99 {idle.p99:.2f} ms "
            f"({idle.n} answers); with backups p50 {loaded.p50:.2f} ms, p99 {loaded.p99:.2f} "
            f"ms ({loaded.n}); ratio p50 {ratio50:.2f}x, p99 {ratio99:.2f}x (target <= "
            f"{P99_MAX_RATIO}x: {verdict}); each round's p99 ratio "
            f"{' '.join(f'{r:.2f}' for r in pairs)} (median {pairs[len(pairs) // 2]:.2f}x); "
            f"{len(seconds)} backups done within the phases, median "
            f"{sorted(seconds)[len(seconds) // 2] if seconds else 0:.2f} s; a backup under "
            f"way {100 * sum(shares) / max(1, len(shares)):.0f} % of each phase"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
