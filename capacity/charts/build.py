"""Charts made from the core's answers, in one language: a municipality's IMDi figures per
year with the planning year's places, the country's sums, or a group's places side by
side. Reads only; every text comes from the language's catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidecode import unidecode

from capacity.charts.model import (
    Chart,
    Labels,
    MunicipalityChart,
    NetworkChart,
    NetworkRow,
    Planning,
    YearFigures,
)
from capacity.domain.rules import check_year
from capacity.models import IMDI_MEASURES, CapacityLine, Measure
from capacity.models import YearFigures as CoreYear
from capacity.reference.geography import NATIONAL, NATIONAL_TITLE, NATIONAL_WORDS
from capacity.reference.names import normalize
from capacity.service import Capacity
from capacity.texts.i18n import catalogue
from capacity.usecases.queries import DEFAULT_SCOPE

CHART_YEARS = 6  # the latest years with IMDi's figures, at most: more would not read


@dataclass(frozen=True)
class Built:
    """A chart ready to render, what it is of ("Trondheim (5001)", "KS storbynettverk")
    and a file name for it."""

    chart: Chart
    what: str
    filename: str
    year: int


def build(service: Capacity, target: str | None, year: int | None, language: str) -> Built:
    """The chart a coordinator asks for with `target`: nothing or a group's name is the
    group (the network by default), the country's words the country, anything else a
    municipality (refused with suggestions when there is none)."""
    text = (target or "").strip() or DEFAULT_SCOPE
    year = check_year(year) if year is not None else service.planning_year()
    if normalize(text) in NATIONAL_WORDS:
        return country(service, year, language)
    if service.geography.group(text):
        return network(service, text, year, language)
    return municipality(service, text, year, language)


def municipality(service: Capacity, query: str, year: int, language: str) -> Built:
    t = catalogue(language, "plain")
    line = service.capacity(query, year)
    years = {item.year: item for item in line.other_years}
    own = _own_year(line)
    if own is not None:
        years[line.year] = own
    place = line.municipality
    chart = MunicipalityChart(
        title=place.label,
        years=[_year(years[y], language) for y in sorted(years)[-CHART_YEARS:]],
        labels=Labels.of(language),
        planning=Planning(line.year, line.spare, line.reserved_open, line.settled),
        caption=t("chart_source_imdi"),
    )
    return Built(chart, place.label, _file(f"{place.name_no} {place.number} {year}"), year)


def country(service: Capacity, year: int, language: str) -> Built:
    t = catalogue(language, "plain")
    title = t.scope(NATIONAL_TITLE)
    years = []
    for y in service.national_years():
        overview = service.overview(NATIONAL, y)
        totals = overview.totals
        if not any(totals[m.value].counted + totals[m.value].unknown for m in IMDI_MEASURES):
            continue  # no IMDi figures that year (spare places reported only)
        values = {
            m: totals[m.value].value if totals[m.value].known else None for m in IMDI_MEASURES
        }
        partial = max((line.partial for line in overview.lines), default="")
        note = t("chart_note", date=t.short_date(partial)) if partial else None
        years.append(YearFigures(y, values[Measure.REQUEST], values[Measure.DECISION],
                                 values[Measure.SETTLED], note))  # fmt: skip
    planned = service.overview(NATIONAL, year).totals
    spare = planned[Measure.SPARE.value]
    chart = MunicipalityChart(
        title=title,
        years=years[-CHART_YEARS:],
        labels=Labels.of(language),
        planning=Planning(
            year, spare.value, planned["reserved"].value, planned["settled_by_batches"].value or 0
        ),
        caption=t("chart_country_note"),
    )
    return Built(chart, title, _file(f"{NATIONAL} {year}"), year)


def network(service: Capacity, text: str, year: int, language: str) -> Built:
    t = catalogue(language, "plain")
    overview = service.overview(text, year)
    rows = [
        NetworkRow(
            line.municipality.name_no,
            line.spare,
            line.reserved_open,
            line.remaining,
            line.settled,
            line.overbooked,
        )
        for line in overview.lines
    ]
    chart = NetworkChart(
        title=t("overview_title", title=overview.title, year=year),
        rows=rows,
        labels=Labels.of(language),
        caption=t("chart_network_note"),
    )
    return Built(chart, overview.title, _file(f"{overview.scope} {year}"), year)


def _own_year(line: CapacityLine) -> CoreYear | None:
    """The asked year's IMDi figures as one of the others, when it has any."""
    values = {m: line.figures[m].value for m in IMDI_MEASURES if m in line.figures}
    if not values:
        return None
    return CoreYear(year=line.year, values=values, partial=line.partial)


def _year(item: CoreYear, language: str) -> YearFigures:
    t = catalogue(language, "plain")
    note = t("chart_note", date=t.short_date(item.partial)) if item.partial else None
    return YearFigures(
        item.year,
        item.values.get(Measure.REQUEST),
        item.values.get(Measure.DECISION),
        item.values.get(Measure.SETTLED),
        note,
    )


def _file(text: str) -> str:
    """`Tromsø 5401 2020` as `tromso-5401-2020.png`."""
    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")
    return f"{slug or 'chart'}.png"
