"""Answers that fit a meeting (issue 15): how much a coordinator has to read, and what
it costs to make, against the shapes they replaced, measured in the same run.

    .venv/bin/python bench/bench_meeting.py            # about 3 s
    .venv/bin/python bench/bench_meeting.py --quick    # fewer repetitions

In process, on a copy of the bundled data in a temporary directory (no network): spare
places reported for 265 of the country's municipalities (the network's cities keep the
letter's) and a batch of 1,200 persons over the country, planned once (the solver's
time is not what is measured). Then, alternating the two shapes so that drift on a busy
machine is shared:

* the plan's message: every line in code blocks (the baseline: `plan_blocks.table` of
  all lines, as main answered) against the summary, the first 15 rows and the notes of
  who got nobody (`plan_blocks.plan_preview`): characters a reader gets, blocks, and
  the time to build it; and the plan's CSV file (`bot.plan_file.plan_csv`), made when
  its button is pressed;
* Trondheim's history: one line per record, each with its source (the baseline, as
  main answered, of its twelve newest) against the new page (`history_blocks`);
* 300 households echoed: every size (`households.text`) against counts by size
  (`households.said`).

It prints each figure and the ratio new / baseline. Bounded: a repetition count and a
time limit (exit status 3 when it is hit).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot import history_blocks, plan_blocks  # noqa: E402
from bot.i18n import Texts  # noqa: E402
from bot.plan_file import plan_csv  # noqa: E402
from capacity import Actor, Capacity  # noqa: E402
from capacity.domain import households as hh  # noqa: E402
from capacity.domain.history import history  # noqa: E402
from capacity.models import Measure  # noqa: E402

ADMIN = Actor(id="cli:bench", name="bench", trusted=True)
NETWORK = {"0301", "4601", "5001", "1103", "3024", "4204", "5401"}
SIZES = [7] * 29 + [6] * 37 + [5] * 80 + [4] * 90 + [3] * 44 + [2] * 18 + [1] * 2
LIMIT_SECONDS = 120


def national(directory: Path) -> Capacity:
    path = directory / "bench.db"
    seeded = Capacity.open(str(directory / "seed.db"))
    seeded.store.close()
    shutil.copy(directory / "seed.db", path)
    service = Capacity.open(str(path))
    rng = random.Random(15)
    rows = [
        (m.number, 2020, Measure.SPARE, rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 40, 60]))
        for m in service.geography.all(2020)
        if m.number not in NETWORK and rng.random() < 0.75
    ]
    service.set_figures(rows, ADMIN, source="bench")
    sizes: list[int] = []
    while sum(sizes) < 1190:
        sizes.append(rng.choice([1, 2, 3, 4, 4, 5, 5, 5, 6, 7]))
    sizes.append(1200 - sum(sizes))
    service.create_batch("Ukraina", 1200, ADMIN, households=tuple(sizes), year=2020, scope="norge")
    return service


def shown(blocks: list[dict]) -> int:
    """Characters a reader gets: every text of every block."""
    total = 0

    def walk(value: object) -> None:
        nonlocal total
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                total += len(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(blocks)
    return total


def old_history(changes, t: Texts) -> list[str]:
    """The history as main answered it: the twelve newest records, one a line, each
    with its source (the baseline)."""
    newest = sorted(changes, key=lambda c: (c.at, c.id), reverse=True)[:12]
    lines = ["*Siste endringer for Trondheim (5001)*"]
    for change in newest:
        source = f"; kilde: {change.source}" if change.source else ""
        lines.append(f"• {t.when(change.source_date, change.at)} – {change.actor_name}: "
                     f"{change.key} {change.before} → {change.after}{source}")  # fmt: skip
    return lines


def timed(work: Callable[[], object], times: list[float]) -> object:
    started = time.perf_counter()
    found = work()
    times.append((time.perf_counter() - started) * 1000)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    repetitions = 10 if parser.parse_args().quick else 50
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(3))
    signal.alarm(LIMIT_SECONDS)
    t = Texts("nb")
    with tempfile.TemporaryDirectory() as name:
        service = national(Path(name))
        plan = service.plan_batch("Ukraina", ADMIN)
        found_file = service.plan_file(plan.key)
        changes = service.history("Trondheim")
        year = service.planning_year()
        place = service.municipality("Trondheim")
        units = [(size,) for size in SIZES]
        times: dict[str, list[float]] = {key: [] for key in (
            "plan old", "plan new", "csv", "history old", "history new")}  # fmt: skip
        for _ in range(repetitions):
            old = timed(lambda: plan_blocks.table(plan.lines, t), times["plan old"])
            new = timed(lambda: plan_blocks.plan_preview(plan, t, "Norge"), times["plan new"])
            timed(lambda: plan_csv(found_file, t), times["csv"])
            before = timed(lambda: old_history(changes, t), times["history old"])
            after = timed(
                lambda: history_blocks.history_message(place, history(changes, year), t),
                times["history new"],
            )
        service.store.close()
    old_chars = sum(len(block["text"]["text"]) for block in old)  # type: ignore[attr-defined]
    new_chars = shown(new.blocks)  # type: ignore[attr-defined]
    print(f"plan of {plan.placed} persons: {len(plan.lines)} lines, {len(plan.idle)} with room "
          f"given no one ({repetitions} repetitions, medians)")  # fmt: skip
    print(f"  table of every line (main):   {old_chars:6,} characters in {len(old)} sections")  # type: ignore[arg-type]
    print(f"  summary, 15 rows and notes:   {new_chars:6,} characters in "
          f"{len(new.blocks)} blocks: {new_chars / old_chars:.2f}x")  # type: ignore[attr-defined]  # fmt: skip
    for key in ("plan old", "plan new", "csv"):
        print(f"  {key:<28} {statistics.median(times[key]):7.2f} ms")
    ratio = statistics.median(times["plan new"]) / statistics.median(times["plan old"])
    print(f"  build time, new / main's table: {ratio:.2f}x")
    old_lines = len(before) - 1  # type: ignore[arg-type]
    new_text = "\n".join(b["text"]["text"] for b in after.blocks if b["type"] == "section")  # type: ignore[attr-defined]
    old_text = "\n".join(before)  # type: ignore[arg-type]
    print(f"Trondheim's history: {len(changes)} records")
    print(f"  one line a record (main): {old_lines} lines, {len(old_text):,} characters "
          f"(the planning year's spare figure shown: {'→ 115' in old_text})")  # fmt: skip
    print(f"  entries, planning year first: {new_text.count(chr(8226))} lines, "
          f"{shown(after.blocks):,} characters: {shown(after.blocks) / len(old_text):.2f}x "  # type: ignore[attr-defined]
          f"(shown: {'→ 115' in new_text})")  # fmt: skip
    for key in ("history old", "history new"):
        print(f"  {key:<28} {statistics.median(times[key]):7.3f} ms")
    typed, said = hh.text(units), hh.said(units)
    print(f"300 households echoed: every size {len(typed)} characters, counted by size "
          f"{len(said)} ({len(said) / len(typed):.2f}x): {said}")  # fmt: skip
    print(json.dumps({"plan_chars": [old_chars, new_chars], "blocks": len(new.blocks)}))  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
