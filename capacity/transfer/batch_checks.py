"""A JSON export's batches and assignments, checked as the use cases check them before
they write (`export_checks` checks the rest): a batch's limits, households and scope; an
assignment within its batch's scope and year, no more persons or households than the
batch has left (`rules.check_assignment`, with the batch as it stood with the earlier
assignments), none active in a cancelled batch; and no municipality booked beyond its
reported places by assignments. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from capacity import errors
from capacity.domain import households
from capacity.domain.rules import (
    MAX_BATCH_PERSONS,
    MAX_NAME_LENGTH,
    assignment_persons,
    check_assignment,
    check_batch_households,
    check_count,
    check_text,
    check_year,
    parse_status,
)
from capacity.models import Allocation, Batch, BatchStatus
from capacity.transfer.row_checks import Found, Problems, Rows, row_id, text, units, utc_time


def check_batches(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("batches", rows):
        with row.check("name"):
            name = text(values.get("name"), "name")
            if check_text(name, "batch_name", maximum=MAX_NAME_LENGTH) != name:
                raise ValueError(f"the name {name!r} has spaces the bot never keeps")
        with row.check("persons"):
            check_count(values.get("persons"), "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
        with row.check("year"):
            check_year(values.get("year"))
        with row.check("status"):
            parse_status(values.get("status"))
        with row.check("created_at"):
            utc_time(values.get("created_at"), "created_at")
        with row.check("households"):
            sizes = units(values)
            check_batch_households(sizes, values.get("persons"))  # type: ignore[arg-type]
        if row.failed:
            continue
        with row.check("scope"):
            if not found.scope_numbers(str(values.get("scope")), values["year"]):
                raise ValueError(f"{values.get('scope')!r} is no group, country or municipality")
        with row.check("id"):
            batch = Batch.model_validate(
                {**values, "id": row_id(values.get("id")), "allocated": 0}
                | {"households": households.flat(sizes), "units": sizes}
            )
        if not row.failed:
            found.batches[batch.id] = batch


def check_allocations(rows: Rows, found: Found, problems: Problems) -> None:
    placed: dict[int, tuple[households.Unit, ...]] = defaultdict(tuple)
    allocated: dict[int, int] = defaultdict(int)
    booked: dict[tuple[str, int], list[tuple[int, int, datetime]]] = defaultdict(list)
    for row, values in problems.rows("allocations", rows):
        batch_id = values.get("batch_id")
        batch = found.batches.get(batch_id) if isinstance(batch_id, int) else None
        with row.check("batch_id"):
            if batch is None:
                raise ValueError(f"batch {values.get('batch_id')!r} is not in the export")
        with row.check("created_at"):
            utc_time(values.get("created_at"), "created_at")
            utc_time(values.get("released_at"), "released_at", empty=True)
        with row.check("active"):
            if values.get("active") not in (0, 1) or isinstance(values.get("active"), float):
                raise ValueError(f"active is {values.get('active')!r}, not 0 or 1")
        with row.check("households"):
            sizes = units(values)
        if row.failed:
            continue
        with row.check("id"):
            allocation = Allocation.model_validate(
                {**values, "id": row_id(values.get("id")), "municipality": ""}
                | {"households": households.flat(sizes), "units": sizes}
            )
        if row.failed:
            continue
        with row.check("persons"):
            assignment_persons(allocation.persons, allocation.units)
        assert batch is not None
        with row.check("year"):
            if values.get("year") != batch.year:
                raise ValueError(f"the year is not its batch's ({batch.year})")
        with row.check("number"):
            place = found.place(allocation.number, batch.year)
            if place.number not in found.scope_numbers(batch.scope, batch.year):
                raise errors.InvalidInput("outside_scope", name=place.name_no, scope=batch.scope)
        if row.failed or not allocation.active:
            continue
        with row.check("persons"):
            if batch.status is BatchStatus.CANCELLED:  # cancelling released every one
                raise errors.InvalidTransition(
                    "assign_closed", batch=batch.name, status=batch.status.value
                )
            # The batch as it stood with the assignments before this one.
            before = {"allocated": allocated[batch.id], "placed_units": placed[batch.id]}
            check_assignment(
                batch.model_copy(update=before),
                place,
                (place,),  # in the scope: the members that matter (the check above)
                allocation.persons,
                allocation.units,
                batch.scope,
            )
        if row.failed:
            continue
        placed[batch.id] += allocation.units
        allocated[batch.id] += allocation.persons
        booked[(place.number, batch.year)].append(
            (row.at, allocation.persons, allocation.created_at)
        )
    _overbooked(booked, found, problems)


def _overbooked(
    booked: Mapping[tuple[str, int], list[tuple[int, int, datetime]]],
    found: Found,
    problems: Problems,
) -> None:
    """An assignment is refused beyond the room left, so more reserved than reported
    (or reserved where nothing is reported) is only ever a report made after the
    assignments: confirmed ("save anyway"), or imported."""
    for (number, year), rows in booked.items():
        value, reported = found.spare.get((number, year), (None, None))
        reserved = sum(persons for _, persons, _ in rows)
        if value is not None and reserved <= value:
            continue
        at, _, latest = max(rows, key=lambda row: row[2])
        if reported is not None and reported >= latest:
            continue
        problems.add(
            "allocations",
            at,
            "persons",
            f"{number} has {reserved} places reserved for {year} and "
            f"{'none' if value is None else value} reported: the assignments overbook it "
            "(only a report made after them may)",
        )
