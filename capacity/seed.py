"""The bundled data: SSB's municipality lists and crosswalk, IMDi's 2020 figures, the
KS city network's letter with its spare capacity, and the network as a group.

Seeding is idempotent: reference rows are inserted if missing and figures are set
through the same history-keeping path as any change, which is a no-op when unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from capacity import repository
from capacity.core import Core
from capacity.imdi import parse_count
from capacity.models import Actor, Measure
from capacity.store import data_dir

SEED_ACTOR = Actor(id="seed", name="bundled data", trusted=True)
IMDI_SOURCE = (
    "IMDi, statistikk «Anmodning, vedtak og faktisk bosetting» 2020 (imdi_bosetting_2020.csv)"
)
KS_SOURCE = (
    "KS storbynettverk, brev «Bykommunene står klare til å bistå regjeringen i å bosette "
    "flere flyktninger» (2020)"
)
IMDI_COLUMNS = {
    "opprinnelig_anmodning": Measure.ORIGINAL_REQUEST,
    "anmodning": Measure.REQUEST,
    "vedtak": Measure.DECISION,
    "bosatt": Measure.SETTLED,
}


def rows(name: str, directory: Path | None = None) -> Iterator[dict[str, str]]:
    with open((directory or data_dir()) / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


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
        if figures:
            now = core.now()
            for r in rows("imdi_bosetting_2020.csv", directory):
                for column, measure in IMDI_COLUMNS.items():
                    repository.set_figure(
                        db,
                        now,
                        r["number"],
                        2020,
                        measure,
                        parse_count(r[column]),
                        SEED_ACTOR,
                        source=IMDI_SOURCE,
                    )
            for r in rows("ks_storbynettverk_spare_2020.csv", directory):
                repository.set_figure(
                    db,
                    now,
                    r["number"],
                    int(r["year"]),
                    Measure.SPARE,
                    int(r["spare"]),
                    SEED_ACTOR,
                    source=KS_SOURCE,
                )
    core.reload()


def ensure_seeded(core: Core) -> None:
    """Create and seed the database if it has no data yet; migrate it either way."""
    core.store.migrate()
    if not repository.is_initialized(core.store.db):
        seed(core)
