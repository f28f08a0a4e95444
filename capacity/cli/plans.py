"""How the CLI prints plans: a table per municipality, why it is fair, what is missing;
JSON for scripts."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from capacity.cli.render import console, number
from capacity.domain.households import said
from capacity.usecases.results import PlanApplied, PlanLine, PlanResult


def _line_json(line: PlanLine) -> dict[str, Any]:
    return {
        "number": line.municipality.number,
        "name": line.municipality.name_no,
        "persons": line.persons,
        "households": [list(unit) for unit in line.units],
        "room_before": line.room,
        "room_after": line.room_after,
        "share": round(line.share, 6),
        "allocation_id": line.allocation_id,
    }


def plan_json(plan: PlanResult, applied: PlanApplied | None = None) -> dict[str, Any]:
    missing = plan.missing
    return {
        "batch": plan.batch.name,
        "year": plan.batch.year,
        "key": plan.key,
        "persons": plan.persons,
        "placed": plan.placed,
        "room": plan.room,
        "municipalities_with_room": plan.municipalities,
        "max_share": round(plan.max_share, 6),
        "optimal": plan.optimal,
        "scores": plan.scores,
        "lines": [_line_json(line) for line in (applied.lines if applied else plan.lines)],
        "missing": None
        if missing is None
        else {
            "persons": missing.persons,
            "room_short": missing.room_short,
            "households": [list(unit) for unit in plan.left],
            "too_large": [
                {"households": list(t.unit), "size": t.size, "largest_room": t.largest_room}
                for t in missing.too_large
            ],
        },
        "applied": applied is not None,
    }


def print_plan(plan: PlanResult) -> None:
    b = plan.batch
    table = Table(title=f"Plan for '{b.name}' ({b.year}): {plan.placed} of {plan.persons} placed")
    for heading in ("Municipality", "Persons", "Room before", "Room after", "Share"):
        table.add_column(heading, justify="left" if heading == "Municipality" else "right")
    table.add_column("Households")
    for line in plan.lines:
        table.add_row(
            line.municipality.label,
            number(line.persons),
            number(line.room),
            number(line.room_after),
            f"{line.share:.1%}",
            said(line.units) or "-",
        )
    console().print(table)
    fairest = plan.fairest
    if fairest is not None:
        proven = "the lowest possible" if plan.optimal else "the best found in the time allowed"
        click.echo(
            f"Highest share of room used: {plan.max_share:.1%} ({fairest.municipality.name_no}), "
            f"{proven}; the scope had {number(plan.room)} spare places in {plan.municipalities} "
            "municipalities."
        )
    if plan.scores:
        click.echo(f"Equally fair plans decided by the scores from {plan.scores}.")
    print_missing(plan)


def print_missing(plan: PlanResult) -> None:
    missing = plan.missing
    if missing is None:
        return
    households = f" (households {said(plan.left)})" if plan.left else ""
    click.echo(f"Not placed: {missing.persons} persons{households}.", err=True)
    if missing.room_short:
        click.echo(f"The scope is {missing.room_short} places short.", err=True)
    for too in missing.too_large:
        click.echo(
            f"Households {said([too.unit])} ({too.size} persons) are larger than the largest "
            f"room left ({too.largest_room}).",
            err=True,
        )
