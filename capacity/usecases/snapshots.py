"""Importing a snapshot of IMDi's figures: the figures as they stood on a day, into the
history at that day's end (Norwegian time), in one transaction, or nothing.

- The same snapshot again changes nothing: a figure whose value at that moment is the
  file's is left alone.
- An older snapshot imported after a newer one is kept in the history (an "as of" read
  of its day sees it) and never replaces the newer figures: the current figure is the
  latest record by time. Where a later snapshot held the same value as before (and so
  wrote nothing), its value is restated at its own time, so that it still reads so.
- A second file of a day already imported, with different figures, is refused unless
  `replace`: the corrections are then recorded at that day, after what they replace.
- The day must have come and fall in the file's year (the newest year with settled
  figures in it); every refusal comes before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from capacity import errors
from capacity.domain.snapshots import Snapshot, check_day, recorded_at
from capacity.models import Actor, Measure, Model
from capacity.reference import imdi
from capacity.storage import repository
from capacity.storage import snapshot_writes as writes
from capacity.storage import snapshots as snapshots_db
from capacity.storage.figures import figure_key
from capacity.storage.store import Database
from capacity.usecases.access import require_admin
from capacity.usecases.core import Core, iso

Row = tuple[str, int, Measure, int | None]  # number, year, measure, value (None: ':')


class SnapshotImport(Model):
    """What a snapshot's import did."""

    day: date
    year: int  # the year it is about (the file's newest year with settled figures)
    source: str
    rows: int  # figures read
    changed: int  # figures recorded at this snapshot (their value then differed)
    current: int  # of them, the current figure now
    kept: int  # of them, kept in the history only: a newer figure stands
    replaced: int  # figures of the same day corrected (`replace`)
    restated: int  # later snapshots' figures restated at their own time
    newest: date | None = None  # the newest snapshot day, when this one is older
    registered: bool = True  # False: the same snapshot again, nothing changed

    @property
    def unchanged(self) -> int:
        return self.rows - self.changed


@dataclass
class _Plan:
    row: Row
    before: writes.Record | None
    conflict: bool


def file_year(rows: Sequence[Row]) -> int | None:
    """The year a download is a snapshot of: the newest year with settled figures."""
    return max((year for _, year, measure, _ in rows if measure is Measure.SETTLED), default=None)


def import_snapshot(
    core: Core,
    rows: Sequence[Row],
    actor: Actor,
    *,
    day: date,
    name: str,
    digest: str,
    source: str,
    years: Collection[int] | None = None,
    replace: bool = False,
) -> SnapshotImport:
    """Record `rows` (every figure of the file, all its years) as IMDi's figures on
    `day`; only those of `years` when given."""
    require_admin(core, actor, "import_figures")
    now = core.clock()
    found = file_year(rows)
    check_day(day, found, now, name)
    year = found or day.year
    wanted = [row for row in rows if years is None or row[1] in years]
    at = recorded_at(day, now)
    with core.store.write() as db:
        same_day = snapshots_db.registered(db, day)
        plans = [_plan(db, row, at, day, same_day) for row in wanted]
        conflicts = [p for p in plans if p is not None and p.conflict]
        if conflicts and not replace:
            raise _conflict(core, day, conflicts)
        result = _write(db, plans, at, day, actor, source)
        newest = max((d for d, _ in snapshots_db.days(db, year)), default=None)
        registered = bool(result["changed"]) or not same_day
        if registered:
            snapshot = Snapshot(
                day=day,
                year=year,
                name=name,
                digest=digest,
                source=source,
                recorded_at=at,
                imported_at=iso(now),
                actor=actor.id,
                replaced=bool(conflicts),
                years=tuple(sorted({row[1] for row in wanted})),
            )
            repository.record(
                db,
                snapshot.imported_at,
                actor,
                "snapshot",
                day.isoformat(),
                None,
                snapshot.record(result["changed"]),
                source=source,
                source_date=day.isoformat(),
            )
            snapshots_db.register(db, snapshot)
            for changed_year in sorted({row[1] for row in wanted} | {year}):
                if snapshots_db.days(db, changed_year):
                    snapshots_db.rebuild(db, changed_year)
    return SnapshotImport(
        day=day,
        year=year,
        source=source,
        rows=len(wanted),
        newest=newest if newest is not None and newest > day else None,
        registered=registered,
        **result,
    )


def _plan(db: Database, row: Row, at: str, day: date, same_day: bool) -> _Plan | None:
    """What to record for one figure: nothing when its value at `at` is the file's."""
    number, year, measure, value = row
    before = writes.effective(db, figure_key(number, year, measure), at)
    if before is not None and before.value == value:
        return None
    conflict = same_day and before is not None and before.source_date == day.isoformat()
    return _Plan(row, before, conflict)


def _write(
    db: Database,
    plans: Sequence[_Plan | None],
    at: str,
    day: date,
    actor: Actor,
    source: str,
) -> dict[str, int]:
    counts = dict.fromkeys(("changed", "current", "kept", "replaced", "restated"), 0)
    later = snapshots_db.later(db, day)
    for plan in plans:
        if plan is None:
            continue
        number, year, measure, value = plan.row
        key = figure_key(number, year, measure)
        # the next snapshot holding this year's figures, if it wrote nothing for this
        # one (its value was the one before), reads this value unless restated
        following = next((s for s in later if year in s[3]), None)
        restate = None
        if following is not None and not writes.recorded_between(db, key, at, following[1]):
            held = writes.effective(db, key, following[1])
            restate = held if held is not None and held.value != value else None
        reason = "replaces the figure of the same day's snapshot" if plan.conflict else ""
        latest = writes.write(
            db, at, number, year, measure, writes.value_before(plan.before), value, actor,
            source=source, day=day, reason=reason,
        )  # fmt: skip
        counts["changed"] += 1
        counts["replaced"] += plan.conflict
        if restate is not None and following is not None:
            latest = writes.write(
                db, following[1], number, year, measure, value, restate.value, actor,
                source=following[2], day=following[0],
                reason="restated: a snapshot of an earlier day was imported after it",
            )  # fmt: skip
            counts["restated"] += 1
        counts["current" if latest.at == at else "kept"] += 1
    return counts


def _conflict(core: Core, day: date, conflicts: Sequence[_Plan]) -> errors.InvalidInput:
    """The refusal of a second file of a day with other figures: how many, and a few."""
    number, year, measure, value = conflicts[0].row
    place = core.geography.any_structure(number)
    before = conflicts[0].before
    return errors.InvalidInput(
        "snapshot_conflict",
        field="as_of",
        day=day.isoformat(),
        count=len(conflicts),
        name=place.name_no if place else number,
        year=year,
        measure=measure,
        before=imdi.shown(before.value) if before is not None else "–",
        after=imdi.shown(value),
    )
