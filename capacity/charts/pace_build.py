"""The pace chart made from the core's answer (`Capacity.pace`), in one language: a
municipality's year (a scope's pace is answered in words and tables, not charted)."""

from __future__ import annotations

from datetime import date

from capacity import errors
from capacity.charts.build import Built, _file
from capacity.charts.pace_model import PaceChart, PaceLabels, Projection
from capacity.domain.pace_scope import ScopePace
from capacity.service import Capacity
from capacity.texts.i18n import catalogue


def build_pace(service: Capacity, target: str | None, year: int | None, language: str) -> Built:
    """The chart of a municipality's settled through `year` (the planning year unless
    told); a group, a county or the country is refused with the usage."""
    answer = service.pace((target or "").strip() or None, year)
    if isinstance(answer, ScopePace):
        raise errors.InvalidInput("pace_chart_scope", field="municipality")
    t = catalogue(language, "plain")
    place, p = answer.municipality, answer.pace
    points = tuple((point.day, point.settled) for point in answer.points)
    if p.over and p.settled is not None:  # the year's result, at its end
        points += ((date(p.year, 12, 31), p.settled),)
    projection = None
    if p.projection is not None and p.day is not None and p.settled is not None:
        projection = Projection(p.day, p.settled, p.projection.low, p.projection.high)
    chart = PaceChart(
        title=t.text("pace", "chart_title", {"name": place.label, "year": p.year}),
        year=p.year,
        decision=p.decision or None,
        points=points,
        labels=PaceLabels.of(language),
        batches=answer.batches,
        projection=projection,
        caption=t.text("pace", "chart_caption", {}),
    )
    name = f"{place.name_no} {place.number} tempo {p.year}"
    return Built(chart, place.label, _file(name), p.year)  # type: ignore[arg-type]
