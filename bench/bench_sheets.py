"""Benchmark of the files a coordinator opens from Slack (issue 15), on the seed and on a
national-scale database.

    .venv/bin/python bench/bench_sheets.py            # full run (about a minute)
    .venv/bin/python bench/bench_sheets.py --quick    # smoke-test run (a few seconds)

Two databases: the seed after the Moria scenario (assigned, one batch settled, Trondheim
overbooked), and `bench_core.build_national` (100,000 history records, 5,000 batches;
30,000 and 500 with --quick). For each it times, interleaved run by run, medians of:

* baseline: the planning year's figures and batches as the command line writes them
  (`export(service, "csv", what, excel=True)`, the machine-readable form the Slack export
  used to send);
* the Slack export now (`bot.sheets.year_files`: the user's language, what is left by
  the one definition, households as typed, Oslo times, names beside ids);
* the whole country's list behind the button under `/capacity norge`
  (`service.overview` and `bot.sheets.overview_file`);
* the country's answer page (`overview_message`) with its one definition of totals.

Ratios are against the baseline of the same database in the same run. The files are
written after Slack has its answer, so the target is only that they stay well within a
second on the national database (the upload has its own 30 s limit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_core import banner, seed_and_national  # noqa: E402
from bot.capacity_blocks import overview_message  # noqa: E402
from bot.i18n import Texts  # noqa: E402
from bot.sheets import overview_file, year_files  # noqa: E402
from capacity.models import Actor  # noqa: E402
from capacity.reference.geography import NATIONAL  # noqa: E402
from capacity.service import Capacity  # noqa: E402
from capacity.transfer.exports import export  # noqa: E402

ADMIN = Actor(id="bench", name="bench", trusted=True)
SECONDS_TARGET = 1.0  # the national database's files, written after the answer


def moria(path: Path) -> None:
    service = Capacity.open(str(path))
    households = (5, (4, 3), 6, 5, 5, 6, 4, 5, 5, 2)  # the Moria 50, as typed 5,4+3,6,…
    service.create_batch("Moria 2020", 50, ADMIN, year=2020, households=households)
    service.allocate("Moria 2020", "Trondheim", 20, ADMIN, households=(5, 5, 5, 5))
    service.report_spare("Trondheim", 10, ADMIN, force=True)
    service.create_batch("Lesvos 2020", 15, ADMIN, year=2020, households=(6, (4, 3), 2))
    service.allocate("Lesvos 2020", "Bergen", 15, ADMIN, households=(6, (4, 3), 2))
    service.set_status("Lesvos 2020", "arrived", ADMIN)
    service.set_status("Lesvos 2020", "settled", ADMIN)
    service.store.close()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(name: str, path: Path, runs: int) -> None:
    service = Capacity.open(str(path))
    year = service.planning_year()
    t = Texts("nb")
    actions: dict[str, Callable[[], object]] = {
        "baseline": lambda: [
            export(service, "csv", what, excel=True) for what in ("figures", "batches")
        ],  # fmt: skip
        "export": lambda: year_files(service, ADMIN, t, year),
        "list": lambda: overview_file(service, service.overview(NATIONAL, year), t),
        "answer": lambda: overview_message(service.overview(NATIONAL, year), t),
    }
    found: dict[str, list[float]] = {key: [] for key in actions}
    for action in actions.values():  # warm up
        action()
    for _ in range(runs):
        for key, action in actions.items():
            found[key].append(timed(action))
    medians = {key: statistics.median(values) * 1000 for key, values in found.items()}
    base = medians["baseline"]
    rows = len(year_files(service, ADMIN, t, year)[1][0][1].splitlines()) - 1
    print(
        f"{name:<9} {medians['baseline']:>9.1f} {medians['export']:>9.1f} "
        f"({medians['export'] / base:.2f}x) {medians['list']:>9.1f} "
        f"({medians['list'] / base:.2f}x) {medians['answer']:>8.1f}   {rows} rows"
    )
    if name == "national":
        worst = max(medians["export"], medians["list"]) / 1000
        verdict = "met" if worst <= SECONDS_TARGET else "missed"
        print(
            f"target: each file within {SECONDS_TARGET:.0f} s on the national database: {verdict}"
        )
    service.store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    changes, batches, runs = (30_000, 500, 3) if args.quick else (100_000, 5_000, 7)
    print(banner("sheets", args.quick))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        seed, national = seed_and_national(work, moria, changes, batches)
        print(f"medians of {runs} runs, milliseconds (ratios against the baseline)")
        print(f"{'database':<9} {'baseline':>9} {'export':>17} {'list':>17} {'answer':>8}")
        measure("seed", seed, runs)
        measure("national", national, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
