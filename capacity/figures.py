"""Changing figures: a municipality's reported spare capacity, and imported IMDi figures.
Each change is one transaction with its history record."""

from __future__ import annotations

from collections.abc import Iterable

from capacity import repository
from capacity.access import require_editor
from capacity.core import Core
from capacity.models import Actor, Measure
from capacity.outbox import emit
from capacity.queries import default_year, municipality
from capacity.results import ChangeResult
from capacity.rules import check_count, check_text, check_year, low_capacity_events


def report_spare(
    core: Core,
    query: str,
    value: int,
    actor: Actor,
    *,
    year: int | None = None,
    source: str = "",
    reason: str = "",
) -> ChangeResult:
    """Record a municipality's reported spare capacity for a year (default: the latest
    year with figures). A re-report of the same value is recorded too, as a
    confirmation with its own date and source."""
    check_count(value, "spare")
    year = check_year(year if year is not None else default_year(core))
    source = check_text(source, "source", required=False)
    reason = check_text(reason, "reason", required=False)
    place = municipality(core, query, year)
    require_editor(core, actor, place)
    with core.store.write() as db:
        changed, before, after = repository.set_figure(
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
        line = repository.line(db, place, year)
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
) -> int:
    """Set many figures (an import) in one transaction; returns how many changed."""
    changed = 0
    with core.store.write() as db:
        now = core.now()
        for number, year, measure, value in rows:
            did, _, _ = repository.set_figure(
                db, now, number, year, measure, value, actor, source=source
            )
            changed += did
    return changed
