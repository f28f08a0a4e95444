"""Benchmark of backups, restores and the JSON round trip, on the seed and on a
national-scale database.

    .venv/bin/python bench/bench_backup.py            # full run (about a minute)
    .venv/bin/python bench/bench_backup.py --quick    # smoke-test run (a few seconds)

Two databases: the seed after the Moria scenario (assigned, arrived, settled, an alert,
an editor), and `bench_core.build_national` (100,000 history records, 5,000 batches;
30,000 and 500 with --quick). For each it prints the medians of `capacity backup` (the
online backup API and the integrity check), the restore over the database without
the row checks (`storage.backup.restore`) and as `capacity restore` makes it, every row
checked with the import's rules first (`transfer.restore.restore_backup`), the JSON export, and its import into a new database, with the file sizes; the export of the
imported database is compared with the original (it must be identical).

Then, on the national database, a second process reports spare capacity as fast as it
can (as the bot would, one transaction each) while backups run back to back, and the
writes' latency is compared with the same writer alone: a backup must not hold the bot up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_core import banner, seed_and_national  # noqa: E402
from capacity.models import Actor  # noqa: E402
from capacity.service import Capacity  # noqa: E402
from capacity.storage.backup import backup, restore  # noqa: E402
from capacity.storage.store import Store  # noqa: E402
from capacity.transfer.exports import export  # noqa: E402
from capacity.transfer.restore import import_json, restore_backup  # noqa: E402

ADMIN = Actor(id="bench", name="bench", trusted=True)
WRITER = """
import json, sys, time
from pathlib import Path
from capacity import Actor, Capacity
service = Capacity.open(sys.argv[1])
stop, out, took, i = Path(sys.argv[2]), Path(sys.argv[3]), [], 0
while not stop.exists():
    started = time.perf_counter()
    service.report_spare("Oslo", 1000 + i % 500, Actor(id="writer", trusted=True), source="bench")
    took.append(time.perf_counter() - started)
    i += 1
out.write_text(json.dumps(took))
"""


def moria(path: Path) -> None:
    service = Capacity.open(str(path))
    service.create_batch(
        "Moria 2020", 50, ADMIN, year=2020, households=(5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
    )
    service.allocate_auto("Moria 2020", ADMIN)
    service.set_status("Moria 2020", "arrived", ADMIN)
    service.set_status("Moria 2020", "settled", ADMIN)
    service.create_batch("Kvote 2020", 400, ADMIN, year=2020)
    service.grant("U_EDITOR", "editor", ADMIN, "Trondheim")
    service.store.close()


def median_seconds(action: Callable[[int], object], runs: int) -> float:
    took = []
    for n in range(runs):
        started = time.perf_counter()
        action(n)
        took.append(time.perf_counter() - started)
    return statistics.median(took)


def exported(path: Path) -> str:
    service = Capacity(Store(path))
    try:
        return export(service, "json")
    finally:
        service.store.close()


def mib(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


def measure(name: str, path: Path, work: Path, runs: int) -> None:
    (work / name).mkdir()
    base = work / name
    t_backup = median_seconds(lambda n: backup(path, base / f"backup-{n}.db"), runs)
    saved = base / "backup-0.db"
    t_restore = median_seconds(lambda n: restore(saved, path), runs)
    t_checked = median_seconds(lambda n: restore_backup(saved, path), runs)
    text = exported(path)
    t_export = median_seconds(lambda n: exported(path), runs)
    document = base / "export.json"
    document.write_text(text, encoding="utf-8")
    data = document.read_bytes()
    t_import = median_seconds(
        lambda n: import_json(data, "export.json", base / f"imported-{n}.db"), runs
    )
    identical = exported(base / "imported-0.db") == text
    rows = sum(len(rows) for rows in json.loads(text)["tables"].values())
    print(
        f"{name:<9} {mib(path):>9} {rows:>9,} {t_backup * 1000:>10.0f} {t_restore * 1000:>11.0f} "
        f"{t_checked * 1000:>11.0f} {t_export * 1000:>10.0f} {mib(document):>9} {t_import * 1000:>10.0f}  "
        f"{'identical' if identical else 'DIFFERENT'}"
    )


def writer_latency(path: Path, work: Path, seconds: float, with_backups: bool) -> dict:
    stop, out = work / "stop", work / "took.json"
    stop.unlink(missing_ok=True)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(stop), str(out)])
    time.sleep(0.5)  # the writer opens its database
    backups, ended = [], time.monotonic() + seconds
    while time.monotonic() < ended:
        if with_backups:
            started = time.perf_counter()
            target = backup(path, work / f"live-{len(backups)}.db").target
            backups.append(time.perf_counter() - started)
            target.unlink()
        else:
            time.sleep(0.05)
    stop.touch()
    writer.wait(timeout=60)
    took = sorted(json.loads(out.read_text()))
    return {
        "writes": len(took),
        "median ms": statistics.median(took) * 1000,
        "p99 ms": took[int(0.99 * (len(took) - 1))] * 1000,
        "max ms": took[-1] * 1000,
        "backups": len(backups),
        "backup median ms": statistics.median(backups) * 1000 if backups else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    changes, batches, runs, seconds = (
        (30_000, 500, 3, 2.0) if args.quick else (100_000, 5_000, 5, 6.0)
    )
    print(banner("backup", args.quick))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        seed, national = seed_and_national(work, moria, changes, batches)
        print(f"medians of {runs} runs, milliseconds")
        print(
            f"{'database':<9} {'size':>9} {'rows':>9} {'backup':>10} {'restore':>11} "
            f"{'checked':>11} {'export':>10} {'json':>9} {'import':>10}  round trip"
        )
        measure("seed", seed, work, runs)
        measure("national", national, work, runs)
        print(f"\na second process writing for {seconds:.0f} s into the national database:")
        for with_backups in (False, True):
            found = writer_latency(national, work, seconds, with_backups)
            print(
                (
                    "  with backups back to back: "
                    if with_backups
                    else "  alone:                     "
                )
                + f"{found['writes']:,} writes, median {found['median ms']:.2f} ms, "
                f"p99 {found['p99 ms']:.2f} ms, max {found['max ms']:.1f} ms"
                + (
                    f"; {found['backups']} backups, median {found['backup median ms']:.0f} ms"
                    if with_backups
                    else ""
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
