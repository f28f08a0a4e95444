"""Pace benchmark: `capacity pace norge` over 52 weekly snapshots of 356 municipalities
against the same over one snapshot, measured in the same run.

    .venv/bin/python bench/bench_pace.py            # about a minute (52 imports first)
    .venv/bin/python bench/bench_pace.py --quick    # 13 snapshots, fewer repetitions

It makes two databases from the bundled data (a temporary directory, loopback only):

* one snapshot: the seeded database, whose 2023 figures are IMDi's table of 25 September
  2023 (the bundled snapshot);
* 52 snapshots: the same, with 51 more of 2023 imported through the snapshot import, one
  each Monday from 2 January to 25 December, made from IMDi's download (tests/data) with
  each municipality's settled scaled to the day (day / 268 of 25 September's figure);
  every import records its changed figures in the history (about 60,000 records).

Then it times, alternating between the two databases so that drift on a busy machine is
shared: the answer (`Capacity.pace("norge", 2023)`: the use case, reading the snapshot
points, never the history), the answer with its text as `capacity pace norge` prints it
(sentences and the two tables of the first page), and the whole command in process
(`capacity --db … pace norge --year 2023` through click: opening the database included,
Python's start-up not). It prints the median and p95 of each, the ratio 52 / 1, and
PASS/MISS against the targets: the command under 100 ms, and the ratio under 1.5.
Bounded: a repetition count and a time limit (exit status 3 when it is hit).
"""

from __future__ import annotations

import argparse
import gc
import io
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402

from capacity import Actor, Capacity  # noqa: E402
from capacity.cli import cli  # noqa: E402
from capacity.cli.pace import print_scope  # noqa: E402
from capacity.domain.pace import day_of_year  # noqa: E402
from capacity.transfer.snapshots import import_snapshot_file  # noqa: E402
from tests.snapshot_files import snapshot  # noqa: E402

COMMAND_MAX_MS = 100.0
RATIO_MAX = 1.5
BUNDLED = date(2023, 9, 25)  # a Monday: the bundled snapshot is one of the 52
ADMIN = Actor(id="cli:bench", name="bench", trusted=True)


class Timeout(Exception):
    pass


def mondays(count: int) -> list[date]:
    """`count` Mondays of 2023 spread over the year, 25 September among them."""
    every = [date(2023, 1, 2) + timedelta(days=7 * i) for i in range(52)]
    step = max(1, 52 // count)
    chosen = every[::step][:count]
    if BUNDLED not in chosen:
        chosen[-1 if chosen[-1] > BUNDLED else len(chosen) - 1] = BUNDLED
    return sorted(set(chosen))


def build(directory: Path, count: int) -> tuple[Path, Path, float]:
    """The two databases; returns their paths and the seconds the imports took (made
    before, with as many snapshots: used as they are)."""
    one = directory / "one.db"
    many = directory / f"many-{count}.db"
    if one.exists() and many.exists():
        print(f"using {one} and {many}")
        return one, many, 0.0
    service = Capacity.open(str(one))
    service.store.close()
    shutil.copy(one, many)
    service = Capacity.open(str(many))
    started = time.perf_counter()
    for day in mondays(count):
        if day == BUNDLED:
            continue
        scale = Fraction(day_of_year(day), day_of_year(BUNDLED))
        path = snapshot(directory, day.isoformat(), scale, years=("2023",))
        import_snapshot_file(service, path, ADMIN)
        path.unlink()
    took = time.perf_counter() - started
    days = len(service.pace("Trondheim", 2023).points)
    history = len(service.history())
    service.store.close()
    print(f"snapshot database: {days} snapshots of 2023, {history:,} history records; "
          f"imports took {took:.1f} s")  # fmt: skip
    return one, many, took


def timed(work: Callable[[], object], repetitions: int) -> list[float]:
    """Milliseconds per call, with Python's cyclic garbage collector off while timing
    (as `timeit` does): a collection lands on whichever call happens to trigger it."""
    found = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repetitions):
            started = time.perf_counter()
            work()
            found.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return found


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="13 snapshots, fewer repetitions")
    parser.add_argument("--repetitions", type=int, help="per measure and round (default 40)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds in all")
    parser.add_argument(
        "--keep", type=Path, help="make the databases here, or use the ones made there before"
    )
    args = parser.parse_args(argv)
    count = 13 if args.quick else 52
    repetitions = args.repetitions or (10 if args.quick else 40)

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Timeout

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.time_limit))
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            return run(args.keep, count, repetitions, args.rounds)
        with tempfile.TemporaryDirectory(prefix="capacity-bench-pace-") as tmp:
            return run(Path(tmp), count, repetitions, args.rounds)
    except Timeout:
        print(f"TIMEOUT after {args.time_limit:.0f} s")
        return 3
    finally:
        signal.alarm(0)


def run(directory: Path, count: int, repetitions: int, rounds: int) -> int:
    print(f"capacity pace norge: {count} snapshots of 356 municipalities against 1; "
          f"{rounds} alternating rounds of {repetitions} per measure")  # fmt: skip
    one, many, _ = build(directory, count)
    services = {"1": Capacity.open(str(one)), str(count): Capacity.open(str(many))}
    runner = CliRunner()

    def answer(service: Capacity) -> object:
        return service.pace("norge", 2023)

    def printed(service: Capacity) -> object:
        with redirect_stdout(io.StringIO()):
            print_scope(service.pace("norge", 2023), 1, False)
        return None

    def command(path: Path) -> object:
        result = runner.invoke(cli, ["--db", str(path), "pace", "norge", "--year", "2023"])
        assert result.exit_code == 0, result.output
        return result

    paths = {"1": one, str(count): many}
    for name, service in services.items():  # warm: the first call reads the geography
        answer(service), printed(service), command(paths[name])
    measures: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for name, service in services.items():
            measures.setdefault(("answer", name), []).extend(
                timed(lambda s=service: answer(s), repetitions))  # fmt: skip
            measures.setdefault(("answer + text", name), []).extend(
                timed(lambda s=service: printed(s), repetitions))  # fmt: skip
            measures.setdefault(("command in process", name), []).extend(
                timed(lambda p=paths[name]: command(p), max(3, repetitions // 4)))  # fmt: skip
    for service in services.values():
        service.store.close()

    print(f"\n{'measure':<22} {'snapshots':>9} {'p50 ms':>8} {'p95 ms':>8} {'ratio p50':>10}")
    ok = True
    for kind in ("answer", "answer + text", "command in process"):
        base = summary(measures[(kind, "1")])[0]
        for name in ("1", str(count)):
            p50, p95 = summary(measures[(kind, name)])
            ratio = p50 / base
            print(f"{kind:<22} {name:>9} {p50:>8.2f} {p95:>8.2f} {ratio:>10.2f}")
        if kind == "command in process":
            verdict = p50 < COMMAND_MAX_MS
            ok &= verdict
            print(f"  {'PASS' if verdict else 'MISS'}: {count} snapshots answer in {p50:.1f} ms "
                  f"(target < {COMMAND_MAX_MS:.0f} ms)")  # fmt: skip
        if kind in ("answer", "command in process"):
            verdict = ratio < RATIO_MAX
            ok &= verdict
            print(f"  {'PASS' if verdict else 'MISS'}: ratio {count} / 1 snapshots {ratio:.2f} "
                  f"(target < {RATIO_MAX})")  # fmt: skip
    print("\nall targets met" if ok else "\nsome targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
