"""Benchmark of the capacity core: the seed database against a national-scale one.

    .venv/bin/python bench/bench_core.py            # full run (well under 2 minutes)
    .venv/bin/python bench/bench_core.py --quick    # smoke-test run (a few seconds)

It builds two temporary databases in the same run:

* the seed: `Capacity.open(path)` on an empty file (the bundled data only);
* national: the seed plus IMDi figures and spare capacity for every municipality
  (356 under the 2020 structure for 2015-2023, 357 under the 2024 structure for 2024),
  a history of 100,000 records in `changes` (mostly repeated spare re-reports, skewed
  to the large cities and the KS network so that Trondheim and others have long
  histories) and 5,000 relocation batches with their allocations. Rows are written with
  plain SQL (`executemany`) in one `store.write()` transaction, matching the schema;
  every `figures.change_id` points at the latest history record of its key.

Then it times, interleaving the two databases run by run, `capacity("Trondheim")`,
`capacity("Tromso")`, `capacity("5001")` and `overview("norge")`, and prints medians,
p95s, the national/seed ratio, the peak RSS, the database sizes, and a PASS/MISS line
for the one-municipality targets (median <= 1000 us and ratio <= 1.5).

Everything is bounded in time: each operation has a time budget, and a watchdog stops
the run (exit status 3) if the whole exceeds --time-limit seconds. The exit status is
0 whether the targets pass or miss; the figures are what the run is for.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import resource
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capacity.models import IMDI_MEASURES, Measure  # noqa: E402
from capacity.reference.geography import NATIONAL, structure_for  # noqa: E402
from capacity.reference.imdi import parse_count  # noqa: E402
from capacity.service import Capacity  # noqa: E402
from capacity.usecases.core import iso  # noqa: E402
from capacity.usecases.seed import rows  # noqa: E402

YEARS = tuple(range(2015, 2025))
# Relative size of each year's settlement (2016 and 2022-2023 were the peaks).
YEAR_FACTOR = {
    2015: 1.6, 2016: 2.0, 2017: 0.9, 2018: 0.5, 2019: 0.6,
    2020: 0.6, 2021: 0.7, 2022: 2.4, 2023: 2.6, 2024: 1.5,
}  # fmt: skip
NETWORK = "storbynettverket"
SEED_MOMENT = datetime(2014, 1, 1, tzinfo=UTC)  # seed rows first, so ids follow time
START = datetime(2015, 1, 2, tzinfo=UTC)

ONE_MUNICIPALITY_MAX_US = 1000.0
ONE_MUNICIPALITY_MAX_RATIO = 1.5


class Timeout(Exception):
    pass


# -- building the national database -----------------------------------------------------


@dataclass
class Event:
    """One history record to be written, in time order."""

    t: float  # seconds after START
    entity: str
    key: str
    actor: str
    actor_name: str
    source: str = ""
    reason: str = ""
    before: object = None
    after: object = None
    figure: tuple[str, int, str] | None = None  # (number, year, measure) for figures
    value: int | None = None


@dataclass
class Plan:
    events: list[Event] = field(default_factory=list)
    batches: list[tuple] = field(default_factory=list)
    allocations: list[tuple] = field(default_factory=list)


EDITORS = [
    ("U01ASK7T2", "Kari Nordmann"),
    ("U01BQ9Z0L", "Ola Hansen"),
    ("U02C3XW8N", "Ingrid Berg"),
    ("U02DA1M5P", "Lars Johansen"),
    ("U03E6RT4Q", "Sigrid Olsen"),
    ("U03FK2Y7S", "Nils Larsen"),
    ("U04GZ8H1V", "Marit Andersen"),
    ("U04HL5C3W", "Per Pedersen"),
]
ADMINS = [("U00IMDI01", "IMDi koordinator"), ("U00KS0002", "KS sekretariat")]
IMPORT = ("import", "IMDi import")


def seconds(moment: datetime) -> float:
    return (moment - START).total_seconds()


def at(t: float) -> str:
    return iso(START + timedelta(seconds=t))


def year_span(year: int, start: tuple[int, int] = (1, 1), end: tuple[int, int] = (12, 31)):
    return (
        seconds(datetime(year, *start, tzinfo=UTC)),
        seconds(datetime(year, *end, 23, 59, tzinfo=UTC)),
    )


def sizes(service: Capacity) -> dict[tuple[int, str], float]:
    """A size for every municipality under both structures: IMDi's 2020 request."""
    by_2020: dict[str, float] = {}
    for r in rows("imdi_bosetting_2020.csv"):
        value = parse_count(r["anmodning"]) or parse_count(r["opprinnelig_anmodning"])
        by_2020[r["number"]] = float(value or 3)
    geography = service.geography
    result: dict[tuple[int, str], float] = {}
    for m in geography.all(2020):
        result[(2020, m.number)] = by_2020.get(m.number, 3.0)
    for m in geography.all(2024):
        before = geography.project(m, 2020)
        # A split municipality shares its predecessor; a merger sums them.
        total = sum(by_2020.get(p.number, 3.0) / len(geography.project(p, 2024)) for p in before)
        result[(2024, m.number)] = total or 3.0
    return result


def imdi_values(rng: random.Random, size: float, year: int) -> dict[Measure, int | None]:
    base = size * YEAR_FACTOR[year] / 0.6 * rng.uniform(0.7, 1.3)
    original = round(base * rng.uniform(1.0, 1.5))
    request = round(original * rng.uniform(0.6, 1.0))
    decision = round(request * rng.uniform(0.8, 1.3))
    settled = round(decision * rng.uniform(0.6, 1.0))
    values = {
        Measure.ORIGINAL_REQUEST: original,
        Measure.REQUEST: request,
        Measure.DECISION: decision,
        Measure.SETTLED: settled,
    }
    # IMDi does not publish 0 to 4 (':'), which the core keeps as unknown (None).
    return {k: (v if v >= 5 else None) for k, v in values.items()}


def plan_national(
    service: Capacity, rng: random.Random, total_changes: int, batches: int
) -> tuple[Plan, dict]:
    db = service.store.db
    geography = service.geography
    size = sizes(service)
    network_2024 = {m.number for m in geography.groups[NETWORK].members}
    network = {(2024, n) for n in network_2024} | {
        (2020, p.number)
        for n in network_2024
        for p in geography.project(geography.get(n, 2024), 2020)
    }
    existing = {
        (r[0], r[1], r[2]): r[3]
        for r in db.execute("SELECT number, year, measure, value FROM figures")
    }
    seed_changes = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    plan = Plan()
    events = plan.events

    # 1. IMDi figures and a first spare report for every municipality and year.
    final_spare: dict[tuple[str, int], int] = {}
    spare_keys: list[tuple[str, int, int]] = []  # (number, year, structure)
    first_spare: dict[tuple[str, int], tuple[float | None, int]] = {}  # None: seeded
    for year in YEARS:
        structure = structure_for(year)
        for m in geography.all(structure):
            s = size[(structure, m.number)]
            values = imdi_values(rng, s, year)
            when = {
                Measure.ORIGINAL_REQUEST: year_span(year - 1, (10, 1), (10, 31)),
                Measure.REQUEST: year_span(year, (1, 5), (2, 15)),
                Measure.DECISION: year_span(year, (2, 1), (3, 31)),
                Measure.SETTLED: year_span(year, (12, 20), (12, 31)),
            }
            for measure in IMDI_MEASURES:
                if (m.number, year, measure.value) in existing:
                    continue  # the seed's 2020 figures stay as they are
                events.append(
                    Event(
                        t=rng.uniform(*when[measure]),
                        entity="figure",
                        key=f"{m.number}/{year}/{measure.value}",
                        actor=IMPORT[0],
                        actor_name=IMPORT[1],
                        source=f"IMDi, statistikk «Anmodning, vedtak og faktisk bosetting» {year}",
                        figure=(m.number, year, measure.value),
                        value=values[measure],
                    )
                )
            decision = values[Measure.DECISION] or 0
            spare = max(0, round(decision * rng.uniform(0.3, 1.2)) + rng.randint(0, 5))
            seeded = existing.get((m.number, year, Measure.SPARE.value))
            if seeded is not None:
                first_spare[(m.number, year)] = (None, seeded)
            else:
                first_spare[(m.number, year)] = (
                    rng.uniform(*year_span(year, (1, 1), (3, 1))),
                    spare,
                )
            spare_keys.append((m.number, year, structure))

    initial = len(events) + sum(1 for t, _ in first_spare.values() if t is not None)

    # 2. Relocation batches and their allocations, against room left under 60% of spare.
    #    The spare re-reports are planned first so that the final spare is known.
    batch_events_estimate = batches * 8  # generous: the rest is topped up below
    reports = total_changes - seed_changes - initial - batch_events_estimate
    if reports < 0:
        raise SystemExit(
            f"--changes {total_changes} is too small: the figures alone need "
            f"{seed_changes + initial + batch_events_estimate}"
        )
    weights = []
    for number, year, structure in spare_keys:
        w = size[(structure, number)] ** 1.3 * (1 + (year - 2015) / 3)
        if (structure, number) in network:
            w *= 6  # the KS network reports every week or so
        weights.append(w)
    counts = Counter(rng.choices(range(len(spare_keys)), weights=weights, k=reports))

    spare_reports: list[tuple[float, str, int, int]] = []  # (t, number, year, value)
    last_report: dict[tuple[str, int], tuple[float, int]] = {}
    for index, (number, year, _structure) in enumerate(spare_keys):
        t0, value = first_spare[(number, year)]
        if t0 is not None:
            spare_reports.append((t0, number, year, value))
        start = last_t = year_span(year)[0] if t0 is None else t0
        n = counts.get(index, 0)
        target = value  # reports wander around the first one, they do not drift away
        for t in sorted(rng.uniform(start, year_span(year)[1]) for _ in range(n)):
            last_t = t
            if rng.random() > 0.25:  # otherwise a confirmation of the same value
                step = max(2, round(0.1 * target))
                pull = round(0.3 * (target - value))
                value = max(0, value + pull + rng.randint(-step, step))
            spare_reports.append((t, number, year, value))
        final_spare[(number, year)] = value
        last_report[(number, year)] = (max(last_t, start), value)
    for t, number, year, value in spare_reports:
        editor = rng.choice(EDITORS)
        events.append(
            Event(
                t=t,
                entity="figure",
                key=f"{number}/{year}/{Measure.SPARE.value}",
                actor=editor[0],
                actor_name=editor[1],
                source=f"reported by {editor[1]} ({editor[0]})",
                reason=rng.choice(["", "", "", "new housing", "fewer flats", "budget revised"]),
                figure=(number, year, Measure.SPARE.value),
                value=value,
            )
        )

    plan_batches(service, rng, plan, batches, final_spare, network_2024)
    facts = {
        "seed_changes": seed_changes,
        "initial_figures": initial,
        "spare_reports": len(spare_reports)
        - sum(1 for t, _ in first_spare.values() if t is not None),
    }
    # Top up the spare re-reports so that the history holds exactly the total: more
    # confirmations (same value, later date) of the latest report of weighted keys.
    shortfall = total_changes - seed_changes - len(events)
    if shortfall < 0:
        raise SystemExit(f"batch history over the estimate by {-shortfall}; raise the estimate")
    for index in rng.choices(range(len(spare_keys)), weights=weights, k=shortfall):
        number, year, _structure = spare_keys[index]
        t, value = last_report[(number, year)]
        t = rng.uniform(t, year_span(year)[1])
        last_report[(number, year)] = (t, value)
        editor = rng.choice(EDITORS)
        events.append(
            Event(
                t=t,
                entity="figure",
                key=f"{number}/{year}/{Measure.SPARE.value}",
                actor=editor[0],
                actor_name=editor[1],
                source=f"reported by {editor[1]} ({editor[0]})",
                reason="confirmed",
                figure=(number, year, Measure.SPARE.value),
                value=value,
            )
        )
    facts["spare_reports"] += shortfall
    return plan, facts


def plan_batches(
    service: Capacity,
    rng: random.Random,
    plan: Plan,
    count: int,
    final_spare: dict[tuple[str, int], int],
    network_2024: set[str],
) -> None:
    geography = service.geography
    per_year = {y: YEAR_FACTOR[y] for y in YEARS}
    total = sum(per_year.values())
    years: list[int] = []
    for y in YEARS:
        years += [y] * round(count * per_year[y] / total)
    while len(years) < count:
        years.append(YEARS[-1])
    years = years[:count]
    room = {key: int(0.6 * v) for key, v in final_spare.items()}
    drafts = []
    for n, year in enumerate(years):
        structure = structure_for(year)
        roll = rng.random()
        if roll < 0.55:
            scope, members = NATIONAL, geography.all(structure)
        elif roll < 0.9:
            scope = NETWORK
            members = geography.members(geography.groups[NETWORK], year)
        else:
            m = rng.choice(geography.all(2024))
            scope, members = m.number, geography.project(m, structure)
        if rng.random() < 0.6:
            households = sorted((rng.randint(1, 6) for _ in range(rng.randint(1, 8))), reverse=True)
            persons = sum(households)
        else:
            households, persons = [], rng.randint(1, 40)
        created = rng.uniform(*year_span(year, (1, 10), (11, 30)))
        drafts.append((created, n, year, scope, members, persons, households))
    drafts.sort()
    late = {y: y <= 2022 for y in YEARS}
    allocation_drafts = []
    for batch_id, (created, n, year, scope, members, persons, households) in enumerate(
        drafts, start=1
    ):
        name = f"{['Kvote', 'Gruppe', 'Overføring', 'Uttak'][n % 4]} {year}-{n:04d}"
        admin = rng.choice(ADMINS)
        if late[year]:
            status = rng.choices(["settled", "cancelled", "arrived", "allocated"], [75, 10, 10, 5])[
                0
            ]
        elif year == 2023:
            status = rng.choices(
                ["settled", "arrived", "allocated", "cancelled", "planned"], [50, 20, 15, 10, 5]
            )[0]
        else:
            status = rng.choices(
                ["planned", "allocated", "arrived", "settled", "cancelled"], [25, 35, 20, 10, 10]
            )[0]
        chunks = [[h] for h in households] if households else []
        if not households:
            left = persons
            while left:
                take = min(left, rng.randint(1, 15))
                chunks.append([take])
                left -= take
        # Merge households into 1-4 assignments.
        parts = rng.randint(1, min(4, len(chunks)))
        merged: list[list[int]] = [[] for _ in range(parts)]
        for i, chunk in enumerate(chunks):
            merged[i % parts] += chunk
        if status == "planned":
            merged = merged[: rng.randint(0, len(merged) - 1)] if len(merged) > 1 else []
        t = created
        placed: list[tuple[float, str, int, list[int]]] = []
        for part in merged:
            need = sum(part)
            fits = [m for m in members if room.get((m.number, year), 0) >= need]
            if not fits:
                if status != "cancelled":  # a cancelled batch's places were never counted
                    status = "planned"
                break
            chosen = rng.choices(fits, [room[(m.number, year)] for m in fits])[0]
            if status != "cancelled":
                room[(chosen.number, year)] -= need
            t += rng.uniform(600, 5 * 86400)
            placed.append((t, chosen.number, need, part if households else []))
        allocated_all = sum(p[2] for p in placed) == persons
        if status not in ("planned", "cancelled") and not allocated_all:
            status = "planned"
        plan.batches.append(
            [batch_id, name, year, persons, json.dumps(households), scope, status, at(created),
             admin[0]]
        )  # fmt: skip
        state = {
            "name": name,
            "year": year,
            "persons": persons,
            "households": households,
            "scope": scope,
            "status": "planned",
        }
        plan.events.append(
            Event(t=created, entity="batch", key=f"batch/{batch_id}", actor=admin[0],
                  actor_name=admin[1], before=None, after=state)
        )  # fmt: skip
        released_at = None
        if status == "cancelled":
            released_at = t + rng.uniform(86400, 30 * 86400)
        for when, number, need, part in placed:
            allocation_drafts.append(
                (when, batch_id, name, number, year, need, part, released_at, admin)
            )
        # Status history: planned -> allocated -> arrived -> settled, or -> cancelled.
        path = {
            "planned": [],
            "allocated": ["allocated"],
            "arrived": ["allocated", "arrived"],
            "settled": ["allocated", "arrived", "settled"],
            "cancelled": ["cancelled"],
        }[status]
        previous = "planned"
        for step in path:
            if step == "cancelled":
                t = released_at + 1
            elif step == "allocated":
                t += 1
            else:
                t += rng.uniform(7, 60) * 86400
            plan.events.append(
                Event(t=t, entity="batch", key=f"batch/{batch_id}", actor=admin[0],
                      actor_name=admin[1], before={"status": previous}, after={"status": step},
                      reason=f"batch '{name}' cancelled" if step == "cancelled" else "")
            )  # fmt: skip
            previous = step
    allocation_drafts.sort(key=lambda d: d[0])
    for allocation_id, draft in enumerate(allocation_drafts, start=1):
        when, batch_id, name, number, year, persons, part, released_at, admin = draft
        request_key = f"slack:{allocation_id:06d}" if rng.random() < 0.3 else None
        plan.allocations.append(
            (allocation_id, batch_id, number, year, persons, json.dumps(part),
             0 if released_at else 1, at(when), admin[0],
             at(released_at) if released_at else None, request_key)
        )  # fmt: skip
        key = f"{number}/{year}/allocation/{allocation_id}"
        plan.events.append(
            Event(t=when, entity="allocation", key=key, actor=admin[0], actor_name=admin[1],
                  after={"batch": name, "batch_id": batch_id, "persons": persons,
                         "households": part})
        )  # fmt: skip
        if released_at:
            plan.events.append(
                Event(t=released_at, entity="allocation", key=key, actor=admin[0],
                      actor_name=admin[1], reason=f"batch '{name}' cancelled",
                      before={"batch_id": batch_id, "persons": persons, "active": True},
                      after={"batch_id": batch_id, "persons": persons, "active": False})
            )  # fmt: skip


def write_national(service: Capacity, plan: Plan) -> None:
    """Write the plan in one transaction: history in time order, figures at the latest."""
    db = service.store.db
    current = {
        (r[0], r[1], r[2]): r[3]
        for r in db.execute("SELECT number, year, measure, value FROM figures")
    }
    next_id = (db.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()[0]) + 1
    plan.events.sort(key=lambda e: e.t)
    change_rows = []
    latest: dict[tuple[str, int, str], int] = {}
    for change_id, e in enumerate(plan.events, start=next_id):
        if e.figure is not None:
            before = current.get(e.figure, "absent")
            after = e.value
            current[e.figure] = e.value
            latest[e.figure] = change_id
        else:
            before, after = e.before, e.after
        change_rows.append(
            (change_id, at(e.t), e.actor, e.actor_name, e.source, e.reason, e.entity, e.key,
             json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False))
        )  # fmt: skip
    with service.store.write() as wdb:
        conn = wdb.conn
        conn.executemany(
            "INSERT INTO changes (id, at, actor, actor_name, source, reason, entity, key, "
            "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            change_rows,
        )
        conn.executemany(
            "INSERT INTO figures (number, year, measure, value, change_id) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (number, year, measure) "
            "DO UPDATE SET value = excluded.value, change_id = excluded.change_id",
            [(k[0], k[1], k[2], current[k], change_id) for k, change_id in latest.items()],
        )
        conn.executemany(
            "INSERT INTO batches (id, name, year, persons, households, scope, status, "
            "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            plan.batches,
        )
        conn.executemany(
            "INSERT INTO allocations (id, batch_id, number, year, persons, households, active, "
            "created_at, created_by, released_at, request_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            plan.allocations,
        )  # the reservation totals follow by trigger
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def check_national(db) -> dict[str, object]:
    """Invariants of the generated data; raise if one is broken."""

    def one(sql: str):
        return db.execute(sql).fetchone()[0]

    stale = one(
        """SELECT count(*) FROM figures f
           WHERE f.change_id != (SELECT max(c.id) FROM changes c WHERE c.entity = 'figure'
                                 AND c.key = f.number || '/' || f.year || '/' || f.measure)"""
    )
    mismatched = one(
        """SELECT count(*) FROM figures f JOIN changes c ON c.id = f.change_id
           WHERE NOT ((f.value IS NULL AND c.after = 'null') OR c.after = CAST(f.value AS TEXT))"""
    )
    overbooked = one(
        """SELECT count(*) FROM (
             SELECT a.number, a.year, sum(a.persons) AS reserved, f.value AS spare
             FROM allocations a LEFT JOIN figures f
               ON f.number = a.number AND f.year = a.year AND f.measure = 'spare'
             WHERE a.active = 1 GROUP BY a.number, a.year)
           WHERE spare IS NULL OR reserved > spare"""
    )
    orphans = one(
        "SELECT count(*) FROM allocations a WHERE NOT EXISTS "
        "(SELECT 1 FROM batches b WHERE b.id = a.batch_id AND b.year = a.year)"
    )
    unordered = one(
        "SELECT count(*) FROM changes a JOIN changes b ON b.id = a.id + 1 WHERE b.at < a.at"
    )
    if stale or mismatched or overbooked or orphans:
        raise SystemExit(
            f"generated data is inconsistent: stale={stale} mismatched={mismatched} "
            f"overbooked={overbooked} orphans={orphans}"
        )
    return {"time order breaks": unordered}


def build_national(path: Path, total_changes: int, batches: int, seed: int) -> dict:
    started = time.perf_counter()
    service = Capacity.open(str(path), clock=lambda: SEED_MOMENT)
    rng = random.Random(seed)
    plan, facts = plan_national(service, rng, total_changes, batches)
    write_national(service, plan)
    db = service.store.db
    facts.update(check_national(db))
    facts["build seconds"] = round(time.perf_counter() - started, 2)
    service.store.close()
    return facts


# -- measuring --------------------------------------------------------------------------


def banner(name: str, quick: bool) -> str:
    """A benchmark's first line: which run, on which Python, SQLite and machine."""
    return (
        f"{name} benchmark ({'quick' if quick else 'full'}): python "
        f"{platform.python_version()}, sqlite {sqlite3.sqlite_version}, {platform.machine()}"
    )


def seed_and_national(
    work: Path, scenario: Callable[[Path], None], changes: int, batches: int
) -> tuple[Path, Path]:
    """Two databases in `work`: the seed after `scenario`, and the national-scale one
    (`build_national` with `changes` history records and `batches` batches, seed 7)."""
    seed, national = work / "seed.db", work / "national.db"
    scenario(seed)
    build_national(national, changes, batches, seed=7)
    return seed, national


def percentile(values: list[int], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


def measure(
    a: Callable[[], object], b: Callable[[], object], reps: int, warmup: int, budget: float
) -> tuple[list[int], list[int]]:
    """Time a and b alternately (ABBA...), so that drift hits both alike."""
    for _ in range(warmup):
        a()
        b()
    ta: list[int] = []
    tb: list[int] = []
    clock = time.perf_counter_ns
    deadline = time.perf_counter() + budget
    for i in range(reps):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, out in order:
            t0 = clock()
            fn()
            out.append(clock() - t0)
        if time.perf_counter() > deadline:
            break
    return ta, tb


def size_of(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def table_counts(db) -> dict[str, int]:
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("municipalities", "changes", "figures", "batches", "allocations")
    }


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small, fast run (smoke test)")
    parser.add_argument("--changes", type=int, help="history records (default 100000)")
    parser.add_argument("--batches", type=int, help="relocation batches (default 5000)")
    parser.add_argument("--reps", type=int, help="timed runs per operation and database")
    parser.add_argument("--time-limit", type=float, help="stop the whole run after this (s)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed")
    parser.add_argument("--keep", type=Path, help="keep the two databases in this directory")
    args = parser.parse_args(argv)
    quick = args.quick
    changes = args.changes or (30_000 if quick else 100_000)
    batches = args.batches or (500 if quick else 5_000)
    reps = args.reps or (40 if quick else 600)
    warmup = 5 if quick else 30
    budget = 2.0 if quick else 12.0  # seconds per operation, both databases together
    limit = args.time_limit or (60.0 if quick else 150.0)

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Timeout

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(limit))
    began = time.perf_counter()
    try:
        return run(args, quick, changes, batches, reps, warmup, budget, began)
    except Timeout:
        print(f"\nTIMEOUT: stopped after {time.perf_counter() - began:.0f} s (--time-limit)")
        return 3
    finally:
        signal.alarm(0)


def run(args, quick, changes, batches, reps, warmup, budget, began) -> int:
    print(
        f"capacity core benchmark ({'quick' if quick else 'full'}): python "
        f"{platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cpu(s), {platform.machine()}"
    )
    with tempfile.TemporaryDirectory(prefix="capacity-bench-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        seed_path, national_path = directory / "seed.db", directory / "national.db"
        for p in (seed_path, national_path):
            for q in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
                q.unlink(missing_ok=True)

        t0 = time.perf_counter()
        seed_service = Capacity.open(str(seed_path))
        seed_service.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"seed database built in {time.perf_counter() - t0:.2f} s")
        facts = build_national(national_path, changes, batches, args.seed)
        print(
            f"national database built in {facts.pop('build seconds')} s "
            f"(peak RSS so far {rss_mib():.0f} MiB)"
        )
        national = Capacity.open(str(national_path))

        ndb = national.store.db
        counts = {"seed": table_counts(seed_service.store.db), "national": table_counts(ndb)}
        print("\nrows          " + "".join(f"{t:>15}" for t in counts["seed"]))
        for label, c in counts.items():
            print(f"{label:<14}" + "".join(f"{v:>15,}" for v in c.values()))
        longest = ndb.execute(
            "SELECT key, count(*) AS n FROM changes WHERE entity = 'figure' "
            "GROUP BY key ORDER BY n DESC LIMIT 5"
        ).fetchall()
        trondheim = ndb.execute(
            "SELECT count(*) FROM changes WHERE entity = 'figure' AND key LIKE '5001/%'"
        ).fetchone()[0]
        active = ndb.execute(
            "SELECT count(*), sum(persons) FROM allocations WHERE active = 1"
        ).fetchone()
        print(
            f"history: {facts['seed_changes']:,} seed + {facts['initial_figures']:,} first "
            f"figures + {facts['spare_reports']:,} spare re-reports + batch/allocation records;"
            f" time order breaks: {facts['time order breaks']}"
        )
        print(
            "longest figure histories: "
            + ", ".join(f"{k} {n:,}" for k, n in longest)
            + f"; Trondheim (5001/*) all figures: {trondheim:,}"
        )
        print(f"active allocations: {active[0]:,} ({active[1] or 0:,} persons), none overbooked")

        operations: list[tuple[str, Callable[[Capacity], object], bool]] = [
            ('capacity("Trondheim")', lambda s: s.capacity("Trondheim"), True),
            ('capacity("Tromso")', lambda s: s.capacity("Tromso"), True),
            ('capacity("5001")', lambda s: s.capacity("5001"), True),
            ('overview("norge")', lambda s: s.overview("norge"), False),
            ('overview("norge", 2020)', lambda s: s.overview("norge", 2020), False),
        ]
        # What is being compared: the seed answers 2020, the national database 2024.
        sanity = []
        for label, fn, _ in operations:
            a, b = fn(seed_service), fn(national)
            if hasattr(a, "municipality"):
                sanity.append(
                    f"  {label}: seed {a.municipality.label} {a.year} spare={a.spare} "
                    f"remaining={a.remaining} years={len(a.years_with_figures)} | national "
                    f"{b.municipality.label} {b.year} spare={b.spare} remaining={b.remaining} "
                    f"years={len(b.years_with_figures)}"
                )
            else:
                sanity.append(
                    f"  {label}: seed {a.year} {len(a.lines)} lines remaining="
                    f"{a.totals['remaining'].value} | national {b.year} {len(b.lines)} lines "
                    f"remaining={b.totals['remaining'].value} "
                    f"reserved={b.totals['reserved'].value}"
                )
        print("\nanswers:\n" + "\n".join(sanity))

        results = []
        for label, fn, one in operations:
            ops_reps = reps if one else max(10, reps // 8)
            gc.collect()
            ta, tb = measure(
                lambda fn=fn: fn(seed_service),
                lambda fn=fn: fn(national),
                ops_reps,
                warmup if one else max(3, warmup // 6),
                budget,
            )
            results.append((label, one, ta, tb))

        print(
            f"\n{'operation':<26}{'n':>5}{'seed med µs':>13}{'seed p95':>10}"
            f"{'national med µs':>17}{'nat p95':>10}{'ratio':>8}"
        )
        verdicts = []
        for label, one, ta, tb in results:
            ma, mb = percentile(ta, 0.5) / 1000, percentile(tb, 0.5) / 1000
            pa, pb = percentile(ta, 0.95) / 1000, percentile(tb, 0.95) / 1000
            ratio = mb / ma
            print(
                f"{label:<26}{len(ta):>5}{ma:>13,.0f}{pa:>10,.0f}{mb:>17,.0f}{pb:>10,.0f}"
                f"{ratio:>8.2f}"
            )
            if one:
                verdicts.append(
                    (label, mb <= ONE_MUNICIPALITY_MAX_US and ratio <= ONE_MUNICIPALITY_MAX_RATIO,
                     mb, ratio)
                )  # fmt: skip

        print(
            f"\npeak RSS {rss_mib():.0f} MiB; database sizes: seed "
            f"{size_of(seed_path) / 1024:,.0f} KiB, national "
            f"{size_of(national_path) / 1024 / 1024:,.1f} MiB"
        )
        missed = [v for v in verdicts if not v[1]]
        detail = "; ".join(f"{v[0]} {v[2]:,.0f} µs x{v[3]:.2f}" for v in verdicts)
        print(
            f"{'MISS' if missed else 'PASS'}: one municipality, national median <= "
            f"{ONE_MUNICIPALITY_MAX_US:.0f} µs and national/seed <= "
            f"{ONE_MUNICIPALITY_MAX_RATIO} ({detail})"
        )
        print(f"total {time.perf_counter() - began:.1f} s")
        seed_service.store.close()
        national.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
