"""The bundled data: SSB's municipality lists and crosswalk, IMDi's figures for
2020–2023, the KS city network's letter with its spare capacity, the network as a
group, and the planning year.

Each figure is recorded as its source dates it, by whom it reports it: the letter's
spare places by KS storbynettverk in September 2020 (the letter names no day), IMDi's
figures by IMDi as its table stood on 25 September 2023 (so 2023's are a snapshot).
Seeding is idempotent: reference rows are inserted if missing and figures are set
through the same history-keeping path as any change, which is a no-op when unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from capacity.domain.rules import DEFAULT_PLANNING_YEAR, OSLO
from capacity.models import Actor, Measure
from capacity.reference import imdi
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.storage import snapshots as snapshots_db
from capacity.storage.store import data_dir
from capacity.usecases.core import Core, iso
from capacity.usecases.queries import PLANNING_YEAR

SEED_ACTOR = Actor(id="seed", name="bundled data", trusted=True)
IMDI = Actor(id="imdi", name="IMDi", trusted=True)
KS = Actor(id="ks-storbynettverk", name="KS storbynettverk", trusted=True)
IMDI_FILE = "imdi_bosetting_2020_2023.csv"
IMDI_DATE = "2023-09-25"
IMDI_SOURCE = "IMDi, statistikk «Anmodning, vedtak og faktisk bosetting» (tabellen per 25.09.2023)"
KS_FILE = "ks_storbynettverk_spare_2020.csv"
KS_DATE = "2020-09"
KS_SOURCE = (
    "KS storbynettverk, brev «Bykommunene står klare til å bistå regjeringen i å bosette "
    "flere flyktninger» (2020)"
)


def rows(name: str, directory: Path | None = None) -> Iterator[dict[str, str]]:
    with open((directory or data_dir()) / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def recorded_at(source_date: str) -> str:
    """When a dated source's figures count as known: the end of the day or month it
    names, Norwegian time (a letter of "September 2020" is known by 30 September)."""
    parts = [int(part) for part in source_date.split("-")]
    if len(parts) == 2:
        first_next = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        last = first_next - timedelta(days=1)
    else:
        last = date(*parts)
    return iso(datetime.combine(last, time.max, tzinfo=OSLO))


def seed(core: Core, directory: Path | None = None, *, figures: bool = True) -> None:
    """Load the bundled data into the database (idempotent). With `figures=False`, only
    the reference data: municipalities, crosswalk and groups."""
    core.store.migrate()
    with core.store.write() as db:
        repository.add_reference(
            db,
            (
                (structure, r["number"], r["name"], r["name_no"])
                for structure in (2020, 2024)
                for r in rows(f"kommuner_{structure}.csv", directory)
            ),
            (
                (r["number_2020"], r["number_2024"], r["change"])
                for r in rows("kommuner_2020_2024_crosswalk.csv", directory)
            ),
            (
                (r["group"], r["title"], r["aliases"], r["number_2024"])
                for r in rows("groups.csv", directory)
            ),
        )
        core.reload()
        if not figures:
            return
        at = recorded_at(IMDI_DATE)
        for r in rows(IMDI_FILE, directory):
            for column, measure in imdi.BUNDLED_COLUMNS.items():
                if r[column] in ("", imdi.NOT_APPLICABLE):  # no such figure that year
                    continue
                figures_db.set_figure(
                    db,
                    at,
                    r["number"],
                    int(r["year"]),
                    measure,
                    imdi.parse_count(r[column]),
                    IMDI,
                    source=IMDI_SOURCE,
                    source_date=IMDI_DATE,
                )
        snapshots_db.adopt(db)  # IMDi's table as of its date is that day's snapshot
        at = recorded_at(KS_DATE)
        for r in rows(KS_FILE, directory):
            figures_db.set_figure(
                db,
                at,
                r["number"],
                int(r["year"]),
                Measure.SPARE,
                int(r["spare"]),
                KS,
                source=KS_SOURCE,
                source_date=KS_DATE,
            )
        if repository.setting(db, PLANNING_YEAR) is None:
            repository.set_setting(db, PLANNING_YEAR, str(DEFAULT_PLANNING_YEAR))
            repository.record(
                db, core.now(), SEED_ACTOR, "setting", PLANNING_YEAR, None, DEFAULT_PLANNING_YEAR
            )
    core.reload()


def ensure_seeded(core: Core) -> None:
    """Create and seed the database if it has no data yet; migrate it either way."""
    core.store.migrate()
    if not repository.is_initialized(core.store.db):
        seed(core)
