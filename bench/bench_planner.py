"""Placement planner benchmark: the HiGHS planner against today's greedy packing.

    .venv/bin/python bench/bench_planner.py            # full run (about a minute)
    .venv/bin/python bench/bench_planner.py --quick    # smoke run (a few seconds)
    .venv/bin/python bench/bench_planner.py --compare  # and stage 3 against the solver alone

Every batch is drawn with a fixed seed, so each run plans the same instances:

* seed: the KS city network's 2020 spare room (Oslo 73, Bergen 50, Trondheim 115,
  Stavanger 50, Bærum 30, Kristiansand 30, Tromsø 50) and the Moria batch (households
  5,4,6,5,5,6,4,5,5,5). Target: < 50 ms including building the model.
* surge 2022: the 356 municipalities with room = their 2022 decision (`vedtak`, year 2022
  in data/imdi_bosetting_2020_2023.csv; `:` or empty = no room), and households of 1-9
  persons (mostly small), 5 % of them linked in pairs: a week (~700 persons), a month
  (~3,500) and the whole year at once (~35,000). Target: stages 1 and 2 proven optimal,
  < 1 s median; stage 3 proven optimal (gap 0), for the year in < 1 s. Each batch is planned again
  with stage 3, with a synthetic predicted employment rate per municipality (uniform
  0.30-0.80, fixed seed) as the score.
* adversarial: exact packings (households dealt out to municipalities at random, each
  room = what it was dealt, so a packing of everyone exists) on which the greedy packing
  says "does not fit". Target: 0 such answers from the planner.

Printed: the median time of --runs runs (plan() from units and rooms to the finished
Plan, model building included; with scores as well) with the last run's time per stage,
persons placed, the highest share of room used, whether stages 1-2 were proven optimal,
and the score with its proven relative gap; greedy beside it on the same instances ("no
fit" where it gives up); then PASS or MISS per target. Stage 3 stops at --score-seconds,
so its score and gap could differ from run to run if the limit were reached.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import statistics
import sys
import time
from fractions import Fraction
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from capacity.planner import placement  # noqa: E402
from capacity.planner.placement import Plan, Unit, greedy, plan  # noqa: E402

KS_2020 = {"0301": 73, "4601": 50, "5001": 115, "1103": 50, "3024": 30, "4204": 30, "5401": 50}
MORIA: list[Unit] = [(5,), (4,), (6,), (5,), (5,), (6,), (4,), (5,), (5,), (5,)]
# Household sizes of a resettlement batch: mostly small, few above six.
SIZES = {1: 30, 2: 18, 3: 15, 4: 13, 5: 10, 6: 7, 7: 4, 8: 2, 9: 1}
LINKED = 0.05


def rooms_2022() -> dict[str, int]:
    rooms = {}
    with open(REPO / "data" / "imdi_bosetting_2020_2023.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["year"] == "2022":
                value = (row["vedtak"] or "").strip()
                rooms[row["number"]] = int(value) if value.isdigit() else 0
    return rooms


def link(rng: random.Random, households: list[int]) -> list[Unit]:
    """Households to units: LINKED of them in pairs with the next one."""
    units, i = [], 0
    while i < len(households):
        if i + 1 < len(households) and rng.random() < LINKED:
            units.append((households[i], households[i + 1]))
            i += 2
        else:
            units.append((households[i],))
            i += 1
    return units


def surge_batch(persons: int, seed: int) -> list[Unit]:
    rng = random.Random(seed)
    households: list[int] = []
    while (left := persons - sum(households)) > 0:
        households.append(min(left, rng.choices(list(SIZES), weights=list(SIZES.values()))[0]))
    return link(rng, households)


def exact_packings(rng, count, munis, households, singles, tries):
    """Instances where a packing exists and greedy misses it; (instances, tried)."""
    sizes = {s: w for s, w in SIZES.items() if singles or s > 1}
    found, tried = [], 0
    while len(found) < count and tried < tries:
        tried += 1
        units = link(
            rng, rng.choices(list(sizes), list(sizes.values()), k=rng.randint(*households))
        )
        dealt = {f"m{i:03d}": 0 for i in range(rng.randint(*munis))}
        for unit in units:
            dealt[rng.choice(list(dealt))] += sum(unit)
        rooms = {n: r for n, r in dealt.items() if r > 0}
        if greedy(units, rooms) is None:
            found.append((units, rooms))
    return found, tried


def greedy_figures(units, rooms, scores=None):
    placed = greedy(units, rooms)
    if placed is None:
        return None
    loads = {n: sum(map(sum, got)) for n, got in placed.items()}
    share = max((loads[n] / rooms[n] for n in loads), default=0.0)
    score = sum(loads[n] * scores[n] for n in loads) if scores else None
    return sum(loads.values()), share, score


def timed(fn, runs):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def row(name, who, seconds, placed, share, proven="", score=None, gap=None) -> None:
    score_text = "" if score is None else f"{score:12.2f}"
    gap_text = "" if gap is None else f"{gap:.1e}"
    print(
        f"  {name:<14} {who:<8} {ms(seconds)} {placed:>8} {share:>9} {proven:>6} "
        f"{score_text:>12} {gap_text:>8}"
    )


def header() -> None:
    print(
        f"  {'instance':<14} {'':<8} {'median':>11} {'placed':>8} {'max share':>9} "
        f"{'proven':>6} {'score':>12} {'gap':>8}"
    )


def compare(
    name, units, rooms, runs, scores=None, score_seconds=5.0
) -> tuple[float, Plan, Plan | None]:
    seconds, result = timed(lambda: plan(units, rooms), runs)
    t = result.seconds
    row(name, "planner", seconds, result.placed, f"{result.max_share:.4f}", str(result.optimal))
    print(
        f"  {'':<14} {'':<8} last run: build {ms(t.build)}, stage 1 {ms(t.stage1)}, "
        f"stage 2 {ms(t.stage2)} ({t.steps} solver runs)"
    )
    scored = None
    if scores is not None:
        took, scored = timed(
            lambda: plan(units, rooms, scores=scores, time_limit=score_seconds), runs
        )
        row(name, "+score", took, scored.placed, f"{scored.max_share:.4f}", str(scored.optimal),
            scored.score, scored.gap)  # fmt: skip
        print(f"  {'':<14} {'':<8} last run: stage 3 {ms(scored.seconds.stage3)}")
    g_seconds, figures = timed(lambda: greedy_figures(units, rooms, scores), runs)
    if figures is None:
        row(name, "greedy", g_seconds, "no fit", "-")
    else:
        row(name, "greedy", g_seconds, figures[0], f"{figures[1]:.4f}", "", figures[2])
    return seconds, result, scored


def scored_instances(rooms, scores) -> list[tuple[str, list[Unit], dict, dict]]:
    """Scored instances of every shape: surge batches of 150-3,500 persons, and exact
    packings with and without spare room, with scores of few distinct values (ties)."""
    cases = [(f"surge {p}", surge_batch(p, seed=p), rooms, scores) for p in (700, 3_500)]
    for persons in (150, 400, 1_200):
        for seed in range(3):
            rng = random.Random(seed)
            drawn = {n: round(rng.uniform(0.3, 0.8), 2) for n in rooms}
            cases.append(
                (f"surge {persons}/{seed}", surge_batch(persons, persons + seed), rooms, drawn)
            )
    rng = random.Random(7)
    for family, munis, households, singles, count in [
        ("small", (3, 12), (10, 60), False, 40),
        ("large", (20, 40), (100, 200), False, 15),
        ("w/ singles", (3, 12), (10, 60), True, 8),
    ]:
        found, _ = exact_packings(rng, count, munis, households, singles, tries=40 * count)
        for i, (units, exact) in enumerate(found):
            drawn = {n: rng.choice([0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) for n in exact}
            spare = {n: r + rng.randint(0, 3) for n, r in exact.items()}
            cases += [
                (f"{family} {i}", units, exact, drawn),
                (f"{family} {i}+", units, spare, drawn),
            ]
    return cases


def compare_stage3(rooms, scores) -> bool:
    """Stage 3 as it is (loads packed, the integer program when they cannot be) against
    the integer program alone (as before: `_pack` made to find nothing), same instances:
    the objective values (persons, exact highest share, score, gap) must be identical."""

    def objectives(result: Plan):
        share = max((Fraction(ln.persons, ln.room) for ln in result.lines), default=Fraction(0))
        return result.placed, share, round(result.score, 6), result.gap, result.optimal

    pack = placement._pack
    same, times = 0, {"now": 0.0, "before": 0.0}
    cases = scored_instances(rooms, scores)
    for name, units, case_rooms, case_scores in cases:
        found = {}
        for who in ("now", "before"):
            placement._pack = pack if who == "now" else (lambda *_: None)
            result = plan(units, case_rooms, scores=case_scores)
            times[who] += result.seconds.stage3
            found[who] = objectives(result)
        placement._pack = pack
        same += found["now"] == found["before"]
        if found["now"] != found["before"]:
            print(f"  DIFFERENT {name}: now {found['now']}, before {found['before']}")
    print(
        f"  {len(cases)} scored instances: objective values identical in {same}; stage 3 "
        f"{times['now']:.2f} s in all now, {times['before']:.2f} s with the integer program alone"
    )
    return same == len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer instances")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--score-seconds", type=float, default=5.0, help="stage 3 limit")
    parser.add_argument(
        "--compare", action="store_true", help="stage 3 against the integer program alone"
    )
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    print(
        f"placement planner benchmark ({'quick' if args.quick else 'full'}): "
        f"python {platform.python_version()}, highspy {version('highspy')}, "
        f"{os.cpu_count()} cpu(s), load average {os.getloadavg()[0]:.2f} at start"
    )

    print("\nseed scenario: KS network 2020 (398 places), Moria batch (50 persons)")
    header()
    seconds, result, _ = compare("seed", MORIA, KS_2020, max(runs, 5))
    targets = [("seed: < 50 ms, everyone placed", seconds < 0.05 and result.placed == 50)]

    rooms = rooms_2022()
    usable = sum(1 for r in rooms.values() if r > 0)
    print(
        f"\nsurge 2022: {len(rooms)} municipalities, {usable} with room, "
        f"{sum(rooms.values()):,} places (their 2022 decisions)"
    )
    rng = random.Random(2022)
    scores = {n: round(rng.uniform(0.30, 0.80), 3) for n in sorted(rooms)}
    header()
    batches = [("week", 700), ("month", 3_500), ("year", 35_000)]
    for name, persons in batches[:2] if args.quick else batches:
        units = surge_batch(persons, seed=persons)
        print(f"  {name}: {persons:,} persons in {len(units):,} units")
        seconds, result, scored = compare(name, units, rooms, runs, scores, args.score_seconds)
        targets.append((f"{name}: stages 1-2 proven, < 1 s median", seconds < 1 and result.optimal))
        stage3 = scored.seconds.stage3
        if name == "year":
            text, met = f"{name}: stage 3 proven (gap 0), < 1 s", scored.gap == 0 and stage3 < 1
        else:
            text, met = f"{name}: stage 3 proven (gap 0)", scored.gap == 0
        targets.append((f"{text} (last run {stage3 * 1000:.1f} ms)", met))

    print("\nadversarial: exact packings (a packing of everyone exists) greedy misses")
    rng = random.Random(7)
    families = [
        ("small", (3, 12), (10, 60), False, 200),
        ("large", (20, 40), (100, 200), False, 60),
        ("w/ singles", (3, 12), (10, 60), True, 30),
    ]
    print(
        f"  {'family':<12} {'tried':>6} {'greedy misses':>14} {'planner misses':>15} "
        f"{'proven':>7} {'median':>11} {'worst':>11}"
    )
    for name, munis, households, singles, count in families:
        count = count // 10 if args.quick else count
        found, tried = exact_packings(rng, count, munis, households, singles, tries=40 * count)
        misses = proven = 0
        times = []
        for units, packing_rooms in found:
            start = time.perf_counter()
            result = plan(units, packing_rooms)
            times.append(time.perf_counter() - start)
            misses += result.placed < result.persons
            proven += result.optimal
        print(
            f"  {name:<12} {tried:>6} {len(found):>14} {misses:>15} {proven:>7} "
            f"{ms(statistics.median(times) if times else 0)} {ms(max(times, default=0))}"
        )
        targets.append((f"adversarial {name}: the planner places everyone", misses == 0))
    if args.compare:
        print("\nstage 3: packed loads against the integer program alone (before)")
        same = compare_stage3(rooms, scores)
        targets.append(("stage 3: the same objective values as the integer program alone", same))
    print("\ntargets:")
    for text, met in targets:
        print(f"  {'PASS' if met else 'MISS'}  {text}")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
