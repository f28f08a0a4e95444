"""Changing figures: a municipality's reported spare capacity, and imported IMDi figures.
Each change is one transaction with its history record."""

from __future__ import annotations

from collections.abc import Iterable

from capacity.domain.rules import (
    check_count,
    check_report,
    check_text,
    check_year,
    low_capacity_events,
)
from capacity.models import Actor, Measure
from capacity.storage import figures as figures_db
from capacity.storage import repository
from capacity.usecases.access import require_admin, require_editor
from capacity.usecases.core import Core, emit
from capacity.usecases.queries import PLANNING_YEAR, default_year, municipality, planning_year
from capacity.usecases.results import ChangeResult


def report_spare(
    core: Core,
    query: str,
    value: int,
    actor: Actor,
    *,
    year: int | None = None,
    source: str = "",
    reason: str = "",
    force: bool = False,
) -> ChangeResult:
    """Record a municipality's reported spare capacity for a year (default: the
    planning year). A re-report of the same value is recorded too, as a confirmation
    with its own date and source. A value below what is already reserved there is
    refused with the numbers unless `force` (the reporter confirmed it): the place is
    then overbooked, and the coordination channel is told which batches hold it."""
    check_count(value, "spare")
    year = check_year(year if year is not None else default_year(core))
    source = check_text(source, "source", required=False)
    reason = check_text(reason, "reason", required=False)
    place = municipality(core, query, year)
    require_editor(core, actor, place)
    with core.store.write() as db:
        check_report(figures_db.line(db, place, year), value, force)
        changed, before, after = figures_db.set_figure(
            db,
            core.now(),
            place.number,
            year,
            Measure.SPARE,
            value,
            actor,
            source=source or f"reported by {actor.label}",
            reason=reason,
            force=True,
        )
        line = figures_db.line(db, place, year)
        if line.overbooked:
            line = line.model_copy(
                update={"overbooking": figures_db.batches_at(db, place.number, year)}
            )
        events = low_capacity_events(line, actor, core.low_ratio)
        alerted = emit(core, db, events)
        change = repository.last_change(db) if changed else None
    return ChangeResult(
        place, year, Measure.SPARE, before, after, change, line, tuple(events), alerted
    )


def set_figures(
    core: Core,
    rows: Iterable[tuple[str, int, Measure, int | None]],
    actor: Actor,
    *,
    source: str,
    source_date: str = "",
) -> int:
    """Set many figures (an import) in one transaction; returns how many changed."""
    changed = 0
    with core.store.write() as db:
        now = core.now()
        for number, year, measure, value in rows:
            did, _, _ = figures_db.set_figure(
                db, now, number, year, measure, value, actor, source=source,
                source_date=source_date,
            )  # fmt: skip
            changed += did
    return changed


def set_planning_year(core: Core, year: int, actor: Actor) -> tuple[int, int]:
    """Make `year` the default of every answer, report, batch and overview (admin);
    attributed in the history. Returns (before, after)."""
    check_year(year)
    require_admin(core, actor, "planning_year")
    with core.store.write() as db:
        before = planning_year(core)
        if before != year:
            repository.set_setting(db, PLANNING_YEAR, str(year))
            repository.record(db, core.now(), actor, "setting", PLANNING_YEAR, before, year)
    return before, year
