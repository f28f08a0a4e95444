"""The bundled data: SSB's municipality lists and crosswalk, IMDi's 2020 figures, the
KS city network's letter with its spare capacity, and the network as a group.

Seeding is idempotent: reference rows are inserted if missing and figures are set
through the same history-keeping path as any change, which is a no-op when unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from capacity.models import Actor, Measure
from capacity.store import data_dir

if TYPE_CHECKING:
    from capacity.service import Capacity

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
UNPUBLISHED = ":"


def rows(name: str, directory: Path | None = None) -> Iterator[dict[str, str]]:
    with open((directory or data_dir()) / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def parse_count(cell: str) -> int | None:
    """IMDi's cell: a count, or ':' for not published (0 to 4, or not asked)."""
    cell = cell.strip()
    if cell in (UNPUBLISHED, ""):
        return None
    return int(cell)


def seed(service: Capacity, directory: Path | None = None, *, figures: bool = True) -> None:
    """Load the bundled data into the service's database (idempotent). With
    `figures=False`, only the reference data: municipalities, crosswalk and groups."""
    service.store.migrate()
    with service.store.write() as db:
        for structure, name in ((2020, "kommuner_2020.csv"), (2024, "kommuner_2024.csv")):
            db.conn.executemany(
                "INSERT OR IGNORE INTO municipalities (structure, number, name, name_no) "
                "VALUES (?, ?, ?, ?)",
                [(structure, r["number"], r["name"], r["name_no"]) for r in rows(name, directory)],
            )
        db.conn.executemany(
            "INSERT OR IGNORE INTO crosswalk (number_2020, number_2024, change) VALUES (?, ?, ?)",
            [
                (r["number_2020"], r["number_2024"], r["change"])
                for r in rows("kommuner_2020_2024_crosswalk.csv", directory)
            ],
        )
        for r in rows("groups.csv", directory):
            db.execute(
                "INSERT OR IGNORE INTO groups (name, title, aliases) VALUES (?, ?, ?)",
                [r["group"], r["title"], r["aliases"]],
            )
            db.execute(
                "INSERT OR IGNORE INTO group_members (group_name, number_2024) VALUES (?, ?)",
                [r["group"], r["number_2024"]],
            )
        service.reload()
        if figures:
            for r in rows("imdi_bosetting_2020.csv", directory):
                for column, measure in IMDI_COLUMNS.items():
                    service._set_figure(
                        db,
                        r["number"],
                        2020,
                        measure,
                        parse_count(r[column]),
                        SEED_ACTOR,
                        source=IMDI_SOURCE,
                    )
            for r in rows("ks_storbynettverk_spare_2020.csv", directory):
                service._set_figure(
                    db,
                    r["number"],
                    int(r["year"]),
                    Measure.SPARE,
                    int(r["spare"]),
                    SEED_ACTOR,
                    source=KS_SOURCE,
                )
    service.reload()


def ensure_seeded(service: Capacity) -> None:
    """Create and seed the database if it has no data yet; migrate it either way."""
    service.store.migrate()
    if not service.store.is_initialized():
        seed(service)
