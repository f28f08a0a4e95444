"""The domain's rules: limits, checks, events and totals. Pure: no SQL, no I/O.

Use cases call these with what they read from the repository; every refusal is an
`errors` exception with a code and its facts, raised before anything is written.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from capacity import errors
from capacity.domain import households
from capacity.domain.batches import BATCH_TRANSITIONS, Batch, BatchStatus
from capacity.domain.events import CapacityExceeded, Kind, Room
from capacity.domain.figures import (
    Actor,
    CapacityLine,
    Municipality,
    Role,
)
from capacity.domain.households import Unit
from capacity.domain.role_words import role_of
from capacity.domain.totals import room_left, totals  # noqa: F401 - where callers find them

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_FIGURE = 100_000
MAX_BATCH_PERSONS = 10_000
MAX_NAME_LENGTH = 80
MAX_TEXT = 500
MAX_ID = 2**53 - 1  # row ids stay exact wherever they travel as JSON numbers (JavaScript)
DEFAULT_LOW_RATIO = 0.10
OPEN_STATUSES = (BatchStatus.PLANNED, BatchStatus.ALLOCATED)  # places can still change
DEFAULT_PLANNING_YEAR = 2020  # the year of the KS letter's figures
OSLO = ZoneInfo("Europe/Oslo")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{4})")
_TIME = re.compile(r"[T ](\d{2}):(\d{2})")


# -- values ------------------------------------------------------------------------------


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_year(year: int) -> int:
    if not _whole(year) or not MIN_YEAR <= year <= MAX_YEAR:
        raise errors.InvalidInput(
            "year_range", field="year", year=year, minimum=MIN_YEAR, maximum=MAX_YEAR
        )
    return year


def check_count(value: int, field: str, *, minimum: int = 0, maximum: int = MAX_FIGURE) -> int:
    if not _whole(value) or not minimum <= value <= maximum:
        raise errors.InvalidInput(
            "count_range", field=field, value=value, minimum=minimum, maximum=maximum
        )
    return value


def check_text(value: str, field: str, *, required: bool = True, maximum: int = MAX_TEXT) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise errors.InvalidInput("text_empty", field=field)
    if len(text) > maximum:
        raise errors.InvalidInput("text_too_long", field=field, maximum=maximum)
    return text


def parse_moment(text: str) -> datetime:
    """A moment as coordinators write it, in Norwegian time. A date alone means the end
    of that day: "as of 1.10.2020" includes what was recorded on 1 October."""
    value = " ".join(str(text).split())
    date_part = _DATE.match(value)
    rest = value[date_part.end() :] if date_part else ""
    clock = _TIME.fullmatch(rest) if rest else None
    if date_part is None or (rest and clock is None) or (clock and not date_part.group(1)):
        raise errors.InvalidInput("moment_format", field="as_of", value=value[:40])
    iso_form = date_part.group(1) is not None
    year, month, day = date_part.group(1, 2, 3) if iso_form else reversed(date_part.group(4, 5, 6))
    if not 1 <= int(year) < 9999:  # a day whose end Python's datetime can hold
        raise errors.InvalidInput("moment_format", field="as_of", value=value[:40])
    _check_day(value[:40], int(year), int(month), int(day))
    day_start = datetime(int(year), int(month), int(day), tzinfo=OSLO)
    if clock:
        if int(clock.group(1)) > 23 or int(clock.group(2)) > 59:
            raise errors.InvalidInput("moment_no_time", field="as_of", value=value[:40])
        return day_start.replace(hour=int(clock.group(1)), minute=int(clock.group(2)))
    return day_start + timedelta(days=1) - timedelta(microseconds=1)


def _check_day(value: str, year: int, month: int, day: int) -> None:
    """A date that reads as one but does not exist (31.2.2020) says why."""
    if not 1 <= month <= 12:
        raise errors.InvalidInput("moment_no_month", field="as_of", value=value)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise errors.InvalidInput(
            "moment_no_day", field="as_of", value=value, month=f"{year:04d}-{month:02d}", days=days
        )


def check_report(line: CapacityLine, value: int, force: bool) -> None:
    """A report below what is already reserved (and used by settled batches) would
    leave a negative number of places: refused with the numbers, unless confirmed."""
    if value < line.reserved and not force:
        raise errors.InvalidInput(
            "below_reserved",
            field="spare",
            value=value,
            reserved=line.reserved,
            settled=line.settled,
            over=line.reserved - value,
            municipality=line.municipality,
            year=line.year,
        )


def check_batch_households(units: tuple[Unit, ...], persons: int) -> None:
    if units and households.persons(units) != persons:
        raise errors.InvalidInput(
            "sum_mismatch", field="households", total=households.persons(units), persons=persons
        )


def assignment_persons(persons: int | None, units: tuple[Unit, ...]) -> int:
    """How many persons an assignment is for: as given, or the households' sum."""
    total = households.persons(units)
    if persons is None:
        if not units:
            raise errors.InvalidInput("say_persons", field="persons")
        persons = total
    check_count(persons, "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
    if total > persons:
        raise errors.InvalidInput("sum_over", field="households", total=total, persons=persons)
    return persons


def parse_role(role: Role | str) -> Role:
    """A role by its name in any of the three languages (`redaktør` is `editor`)."""
    found = role if isinstance(role, Role) else role_of(str(role))
    if found is None:
        raise errors.InvalidInput("unknown_role", field="role", value=str(role))
    return found


def parse_status(status: BatchStatus | str) -> BatchStatus:
    try:
        return BatchStatus(status)
    except ValueError:
        raise errors.InvalidInput("unknown_status", field="status", value=str(status)) from None


# -- batches -----------------------------------------------------------------------------


def check_transition(batch: Batch, status: BatchStatus) -> None:
    if status not in BATCH_TRANSITIONS[batch.status]:
        raise errors.InvalidTransition(
            "transition", batch=batch.name, status=batch.status.value, target=status.value
        )


def check_open(batch: Batch, code: str = "assign_closed") -> None:
    """Places can be assigned or undone only while a batch is planned or allocated."""
    if batch.status not in OPEN_STATUSES:
        raise errors.InvalidTransition(code, batch=batch.name, status=batch.status.value)


def follow_allocation(batch: Batch) -> BatchStatus:
    """planned ⇄ allocated follows whether every person has a place."""
    if batch.status is BatchStatus.PLANNED and batch.unallocated == 0:
        return BatchStatus.ALLOCATED
    if batch.status is BatchStatus.ALLOCATED and batch.unallocated > 0:
        return BatchStatus.PLANNED
    return batch.status


def check_assignment(
    batch: Batch,
    municipality: Municipality,
    members: Sequence[Municipality],
    persons: int,
    units: tuple[Unit, ...],
    scope_title: str,
    *,
    picked: bool = False,
) -> None:
    """An assignment must stay in the batch's scope, within its unassigned persons,
    name households the batch still has, and never split one (nor linked ones).
    `picked`: the households are to be picked for it (they need not be named)."""
    if municipality not in members:
        raise errors.InvalidInput(
            "outside_scope", field="municipality", name=municipality.name_no, scope=scope_title
        )
    if persons > batch.unallocated:
        raise errors.InvalidInput(
            "over_unallocated",
            field="persons",
            unallocated=batch.unallocated,
            persons=batch.persons,
        )
    households.take(units, batch.unplaced_units)
    if not picked and persons - households.persons(units) > batch.singles_left:
        raise errors.InvalidInput(
            "split", field="households", households=households.said(batch.unplaced_units)
        )


# -- events ------------------------------------------------------------------------------


def batch_event(
    kind: Kind,
    batch: Batch,
    rooms: Sequence[Room],
    actor: Actor,
    persons: int,
    remaining: int,
    scope_title: str,
) -> CapacityExceeded:
    """An event about a batch against its scope, with the rooms left there."""
    return CapacityExceeded(
        kind=kind,
        batch_id=batch.id,
        batch_name=batch.name,
        year=batch.year,
        scope=batch.scope,
        scope_title=scope_title,
        persons=persons,
        remaining=remaining,
        rooms=tuple(rooms[:10]),
        actor=actor.id,
        actor_name=actor.name,
    )


def fit_events(
    batch: Batch,
    rooms: Sequence[Room],
    actor: Actor,
    scope_title: str,
    remaining: int | None = None,
) -> list[CapacityExceeded]:
    """What does not fit: more persons than what remains in the scope (`remaining`, its
    total by the one definition of `totals`; None: no spare places are reported there
    for the year, which is said as such), or a household larger than any room."""
    events: list[CapacityExceeded] = []
    need = batch.unallocated
    if remaining is None and not rooms:
        if need:
            event = batch_event(Kind.BATCH_EXCEEDS, batch, rooms, actor, need, 0, scope_title)
            events.append(event.model_copy(update={"reported": False}))
        return events
    room = sum(r.remaining for r in rooms) if remaining is None else remaining
    if need > room:
        events.append(batch_event(Kind.BATCH_EXCEEDS, batch, rooms, actor, need, room, scope_title))
    largest = max((r.remaining for r in rooms), default=0)
    unplaced = batch.unplaced_units
    if unplaced and sum(unplaced[0]) > largest:
        size = sum(unplaced[0])
        events.append(
            batch_event(Kind.HOUSEHOLD_TOO_LARGE, batch, rooms, actor, size, largest, scope_title)
        )
    return events


def low_capacity_events(
    line: CapacityLine, actor: Actor, low_ratio: float = DEFAULT_LOW_RATIO
) -> list[CapacityExceeded]:
    """Less than `low_ratio` of the reported places left, or overbooked (with the
    batches holding the places: `line.overbooking`)."""
    spare, remaining = line.spare, line.remaining
    if spare is None or remaining is None:
        return []
    m = line.municipality
    if line.overbooked:
        return [
            CapacityExceeded(
                kind=Kind.OVERBOOKED,
                year=line.year,
                scope=m.number,
                scope_title=m.name_no,
                persons=line.reserved,
                remaining=-line.overbooked,  # the event's own form; shown as "overbooked by"
                actor=actor.id,
                actor_name=actor.name,
                batches=tuple(f"{name} ({persons})" for name, persons in line.overbooking),
            )
        ]
    if spare <= 0:
        return []
    limit = spare * low_ratio  # below 10 % of 5 is below 0.5: 0 left is low
    if remaining >= limit and remaining > 0:
        return []
    return [
        CapacityExceeded(
            kind=Kind.CAPACITY_LOW,
            year=line.year,
            scope=m.number,
            scope_title=m.name_no,
            persons=line.reserved,
            remaining=remaining,
            rooms=(Room(number=m.number, name=m.name_no, remaining=remaining),),
            actor=actor.id,
            actor_name=actor.name,
            threshold=math.ceil(limit),
        )
    ]


def refused_event(
    batch: Batch,
    municipality: Municipality,
    persons: int,
    remaining: int,
    rooms: Sequence[Room],
    actor: Actor,
) -> CapacityExceeded:
    return CapacityExceeded(
        kind=Kind.ALLOCATION_REFUSED,
        batch_id=batch.id,
        batch_name=batch.name,
        year=batch.year,
        scope=municipality.number,
        scope_title=municipality.name_no,
        persons=persons,
        remaining=remaining,
        rooms=tuple(rooms[:10]),
        actor=actor.id,
        actor_name=actor.name,
    )
