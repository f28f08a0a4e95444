"""How the CLI prints the core's answers: rich tables for people, JSON for scripts.
Words come from the English catalogue, the same one the bot uses."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from capacity.domain.households import said
from capacity.domain.totals import room_left
from capacity.models import (
    IMDI_MEASURES,
    Batch,
    CapacityExceeded,
    CapacityLine,
    Change,
    Measure,
    Overview,
    Total,
)
from capacity.reference.geography import NATIONAL
from capacity.texts import standing
from capacity.texts.i18n import catalogue
from capacity.usecases.results import AllocationResult, BatchResult

t = catalogue("en", "plain")
norwegian = catalogue("nb", "plain")


def console() -> Console:
    """Rich console; wide enough for the tables when output is not a terminal."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def number(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}".replace(",", " ")


def total(value: Total) -> str:
    """A sum; marked * when it leaves out unknowns; unknown when nothing is known."""
    if value.value is None:
        return f"unknown ({value.unknown + value.missing})"
    return number(value.value) + ("*" if value.unknown else "")


def when(moment: datetime) -> str:
    """Dates the Norwegian way, in Norwegian time: 2. desember 2026 kl. 10.30."""
    return norwegian.date(moment)


def line_json(line: CapacityLine) -> dict[str, Any]:
    return {
        "number": line.municipality.number,
        "name": line.municipality.name,
        "name_no": line.municipality.name_no,
        "year": line.year,
        "spare": line.spare,
        "reserved": line.reserved_open,
        "settled_by_batches": line.settled,
        "remaining": line.remaining,
        "overbooked": line.overbooked,
        "figures": {
            measure.value: {
                "value": figure.value,
                "known": figure.value is not None,
                "changed_at": figure.changed_at.isoformat(),
                "by": figure.actor,
                "source": figure.source,
            }
            for measure, figure in line.figures.items()
        },
        "decision_minus_request": line.decision_minus_request,
        "decision_minus_settled": line.decision_minus_settled,
        "years_with_figures": list(line.years_with_figures),
    }


def overview_json(overview: Overview) -> dict[str, Any]:
    return {
        "title": overview.title,
        "scope": overview.scope,
        "year": overview.year,
        "municipalities": [line_json(line) for line in overview.lines],
        "totals": {k: v.model_dump() for k, v in overview.totals.items()},
    }


def print_line(line: CapacityLine) -> None:
    m = line.municipality
    if not line.figures:
        years = ", ".join(map(str, line.years_with_figures)) or "none"
        console().print(
            f"{m.name} ({m.number}) has no figures for {line.year}. Years with figures: {years}"
        )
        return
    title = f"{m.name} ({m.number}), {line.year}"
    if line.as_of:
        title += f", as of {norwegian.moment(line.as_of)}"
    table = Table(title=title)
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    table.add_column("Source")
    if line.remaining is not None:
        how = "reported spare − reserved − settled through batches, never below 0"
        table.add_row("Remaining spare", number(line.remaining), how)
    if line.overbooked:
        held = ", ".join(f"{name} ({persons})" for name, persons in line.overbooking)
        table.add_row("Overbooked by", number(line.overbooked), f"batches: {held}")
    spare = line.spare_report
    if spare is not None:
        table.add_row(
            t.measure(Measure.SPARE),
            number(spare.value),
            f"{spare.source}; {spare.actor}, {norwegian.when(spare.source_date, spare.changed_at)}",
        )
    else:
        table.add_row(t.measure(Measure.SPARE), "not reported", "")
    table.add_row("Reserved for batches", number(line.reserved_open), "")
    if line.settled:
        table.add_row("Settled through batches", number(line.settled), "places used")
    for measure in Measure:
        if measure is Measure.SPARE or measure not in line.figures:
            continue
        figure = line.figures[measure]
        partial = f" (as of {figure.source_date})" if figure.source_date == line.partial else ""
        table.add_row(t.measure(measure), number(figure.value), figure.source + partial)
    if line.decision_minus_request is not None:
        table.add_row("Decision − revised request", number(line.decision_minus_request), "derived")
    if line.decision_minus_settled is not None:
        table.add_row("Decision − settled", number(line.decision_minus_settled), "derived")
    console().print(table)
    if line.named is not None:  # the name typed is another municipality in that year
        click.echo(standing.named(t, line))
    for item in line.other_years:
        values = {m: number(item.values.get(m)) for m in IMDI_MEASURES}
        note = f" (as of {item.partial})" if item.partial else ""
        click.echo(
            f"{item.year}{note}: request {values[Measure.REQUEST]}, decision "
            f"{values[Measure.DECISION]}, settled {values[Measure.SETTLED]}"
        )


def print_overview(overview: Overview, show_all: bool) -> None:
    lines = overview.lines
    national = overview.scope == NATIONAL
    if national and not show_all:
        lines = tuple(
            sorted(
                (ln for ln in lines if ln.spare is not None), key=lambda ln: -(ln.remaining or 0)
            )
        )
    title = f"{overview.title} {overview.year}"
    if overview.as_of:
        title += f", as of {norwegian.moment(overview.as_of)}"
    table = Table(title=title)
    table.add_column("Municipality", no_wrap=True)
    measures = (Measure.ORIGINAL_REQUEST, Measure.REQUEST, Measure.DECISION, Measure.SETTLED)
    for heading in ("Spare", "Reserved", "Settled (batches)", "Remaining", "Overbooked",
                    "Orig. req.", "Revised req.", "Decision", "Settled"):  # fmt: skip
        table.add_column(heading, justify="right")
    for line in lines:
        table.add_row(
            line.municipality.label,
            number(line.spare) if line.spare is not None else "-",
            number(line.reserved_open),
            number(line.settled),
            "-" if line.remaining is None else number(line.remaining),
            number(line.overbooked) if line.overbooked else "",
            *(number(line.value(m)) if m in line.figures else "-" for m in measures),
        )
    totals = overview.totals
    table.add_section()
    table.add_row(
        f"Total ({len(overview.lines)} municipalities)",
        total(totals["spare"]),
        number(totals["reserved"].value),
        number(totals["settled_by_batches"].value),
        total(totals["remaining"]),
        number(totals["overbooked"].value) if totals["overbooked"].value else "",
        *(total(totals[m.value]) for m in measures),
    )
    console().print(table)
    over = standing.overbooked_of(overview.lines)
    label = standing.text(t, "total_label")
    click.echo(standing.total_line(t, totals, over, overview.year, label).replace("*", ""))
    if note := standing.room_note(t, totals, room_left(overview.lines)):
        click.echo(note)
    if national and not show_all:
        click.echo(
            f"{len(lines)} of {len(overview.lines)} municipalities have reported spare capacity; "
            "--all lists every one."
        )
    unknown = {m: totals[m.value].unknown for m in IMDI_MEASURES if totals[m.value].unknown}
    if unknown:
        click.echo(
            "Totals leave out figures IMDi did not publish (':', 0–4 or not asked): "
            + ", ".join(f"{t.measure(m).lower()} {n}" for m, n in unknown.items())
        )


def value(shown: Any) -> str:
    if shown is None:
        return "unknown"
    if shown == "absent":
        return "-"
    if isinstance(shown, dict):
        return ", ".join(f"{k}={v}" for k, v in shown.items())
    return str(shown)


def print_history(changes: list[Change]) -> None:
    table = Table()
    for heading in ("When (Norwegian time)", "What", "Before", "After", "By", "Source / reason"):
        table.add_column(heading)
    for change in changes:
        table.add_row(
            norwegian.when(change.source_date, change.at),
            change.key,
            value(change.before),
            value(change.after),
            change.actor_name or change.actor,
            "; ".join(filter(None, (change.source, change.reason))),
        )
    console().print(table)


def event_text(event: CapacityExceeded) -> str:
    if not event.reported:  # no spare places are reported in the scope that year
        values = {"persons": event.persons, "scope": event.scope_title, "year": event.year}
        return standing.text(t, "event_batch_none", **values)
    return t.text(
        "event",
        event.kind.value,
        {
            "persons": event.persons,
            "remaining": max(0, event.remaining),
            "scope": event.scope_title,
            "threshold": event.threshold,
            "over": -event.remaining,
            "batches": ", ".join(event.batches),
        },
    )


def print_batch_result(result: BatchResult) -> None:
    b = result.batch
    click.echo(
        f"Batch #{b.id} '{b.name}' {b.year}: {b.persons} persons, scope {b.scope}, {b.status.value}"
    )
    click.echo(f"Remaining capacity in scope: {standing.room(t, result.room, b.year)}")
    for event in result.events:
        click.echo(f"Warning: {event_text(event)}", err=True)


def print_allocation(result: AllocationResult) -> None:
    if result.granted:
        click.echo(
            f"Reserved {result.persons} of '{result.batch.name}' in {result.municipality.label}; "
            f"{number(result.remaining)} places left there"
        )
    else:
        click.echo(
            f"Refused: {result.persons} persons do not fit in {result.municipality.label}, "
            f"only {number(result.remaining)} places left",
            err=True,
        )


def print_batches(batches: list[Batch]) -> None:
    table = Table()
    for heading in ("#", "Name", "Year", "Persons", "Assigned", "Scope", "Status"):
        table.add_column(heading)
    for b in batches:
        table.add_row(
            str(b.id),
            b.name,
            str(b.year),
            str(b.persons),
            str(b.allocated),
            b.scope,
            b.status.value,
        )
    console().print(table)


def print_batch(b: Batch) -> None:
    households = said(b.units) or "not known"
    click.echo(
        f"Batch #{b.id} '{b.name}' {b.year}: {b.persons} persons (households {households}), "
        f"scope {b.scope}, {b.status.value}; {b.allocated} assigned, {b.unallocated} not yet"
    )
    table = Table()
    for heading in ("#", "Municipality", "Persons", "Households", "Active", "By"):
        table.add_column(heading)
    for a in b.allocations:
        table.add_row(
            str(a.id),
            f"{a.municipality} ({a.number})",
            str(a.persons),
            said(a.units),
            "yes" if a.active else "released",
            a.created_by,
        )
    console().print(table)
