"""Collection rounds: open one over a scope, answer it, see where it stands, close it.

Each write is one transaction with its history record. Opening a round freezes its
municipalities and queues the request to every editor of each (the outbox delivers them,
once each); an answer goes through the same use case as a report (`figures.report_spare`:
attributed, with the round as its source, refused below the reservations unless
confirmed) inside the answer's own transaction, and the round keeps the council's
decision, the extra places and the comment beside IMDi's figures, never instead of them.
Answers are `round_answers.py`, reminders and snoozes `round_messages.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from capacity.domain.rounds import (
    COUNTY_PREFIX,
    LIST_SCOPE,
    NATIONAL_SCOPE,
    Member,
    OpenRound,
    Round,
    RoundClosed,
    RoundLine,
    RoundMessage,
    RoundRefused,
    RoundsHome,
    RoundState,
    RoundStatus,
    Waiting,
    check_deadline,
    check_name,
    name_key,
    parse_deadline,
)
from capacity.domain.rules import check_year
from capacity.models import Actor, Municipality
from capacity.reference.geography import NATIONAL_TITLE, NATIONAL_WORDS, structure_for
from capacity.reference.names import normalize
from capacity.storage import repository
from capacity.storage import rounds as rounds_db
from capacity.storage.store import Database
from capacity.usecases.access import require_admin
from capacity.usecases.core import Core, emit, iso
from capacity.usecases.queries import municipality, planning_year

COUNTY_WORDS = ("fylke", "county")
MAX_TITLE = 200
SOURCE = "svar på innhenting «{name}»"  # the history's source of an answer's figure


@dataclass(frozen=True)
class Opened:
    round: Round
    members: int
    asked: int  # direct messages queued
    no_contact: tuple[Municipality, ...]


# -- scopes ------------------------------------------------------------------------------


def scope_members(core: Core, text: str, year: int) -> tuple[str, str, list[Municipality]]:
    """A round's scope: `storbynettverket` (a group), `norge`, `fylke Trøndelag`, or a
    list of municipalities (`Oslo, Bergen, Trondheim`), in the year's structure:
    (key, title, members)."""
    text = " ".join((text or "").split())
    if not text:
        raise RoundRefused("round_scope_empty", field="scope")
    geography, structure = core.geography, structure_for(year)
    words = normalize(text)
    if words in NATIONAL_WORDS:
        return NATIONAL_SCOPE, NATIONAL_TITLE, geography.all(structure)
    head, _, rest = text.partition(" ")
    if normalize(head) in COUNTY_WORDS:
        county = geography.county(rest, year)
        if county is None:
            raise RoundRefused("round_county_unknown", field="scope", query=rest[:60])
        return COUNTY_PREFIX + county.number, county.name_no, geography.county_members(county)
    group = geography.group(text)
    if group is not None:
        return group.name, group.title, geography.members(group, year)
    found: list[Municipality] = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            place = municipality(core, part.strip(), year)
            if place not in found:
                found.append(place)
    if not found:
        raise RoundRefused("round_scope_empty", field="scope")
    title = ", ".join(m.name_no for m in found)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    return LIST_SCOPE, title, found


# -- finding a round ---------------------------------------------------------------------


def find(core: Core, name: str | None = None, *, db: Database | None = None) -> Round:
    """A round by its name (any case), or by its id as `#3`; without a name, the one
    open round (refused when there is none or more than one)."""
    db = db or core.store.db
    text = " ".join((name or "").split())
    if text.startswith("#") and text[1:].isdigit():
        found = rounds_db.by_id(db, int(text[1:]))
    elif text:
        found = rounds_db.by_key(db, name_key(text))
    else:
        open_ones = rounds_db.rounds(db, RoundStatus.OPEN)
        if len(open_ones) != 1:
            code = "round_none_open" if not open_ones else "round_which"
            raise RoundRefused(code, names=", ".join(f"«{r.name}»" for r in open_ones))
        return open_ones[0]
    if found is None:
        raise RoundRefused("round_not_found", name=text[:80])
    return found


def by_id(core: Core, round_id: int) -> Round:
    found = rounds_db.by_id(core.store.db, round_id)
    if found is None:
        raise RoundRefused("round_not_found", name=f"#{round_id}")
    return found


def rounds(core: Core, status: RoundStatus | str | None = None) -> list[Round]:
    return rounds_db.rounds(core.store.db, RoundStatus(status) if status else None)


def counts(core: Core, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(answered, members) per round."""
    return rounds_db.member_counts(core.store.db, round_ids) if round_ids else {}


# -- who is asked ------------------------------------------------------------------------


def contacts(core: Core, db: Database, places: list[Municipality]) -> dict[str, list[str]]:
    """The editors of each municipality (by number), their roles named under any
    number the municipality has had without a merger or a split."""
    numbers = {m.number: core.geography.same_numbers(m) for m in places}
    found = rounds_db.editors(db, sorted({n for ns in numbers.values() for n in ns}))
    return {
        number: list(dict.fromkeys(user for n in same for user in found.get(n, [])))
        for number, same in numbers.items()
    }


def last_year(core: Core, db: Database, year: int, numbers: list[str]) -> dict[str, int]:
    """Each municipality's places of the year before: its answer to that year's round,
    else its reported spare places of that year."""
    found = rounds_db.reported_spare(db, year - 1, numbers)
    found.update(rounds_db.last_answers(db, year - 1, numbers))
    return found


def members_of(core: Core, found: Round, db: Database) -> list[Municipality]:
    structure = structure_for(found.year)
    places = [core.geography.get(n, structure) for n in rounds_db.members(db, found.id)]
    return [m for m in places if m is not None]


def asks(
    core: Core, db: Database, found: Round, places: list[Municipality], purpose: str, reminder: str
) -> list[RoundMessage]:
    """The messages to every editor of each of these municipalities."""
    editors = contacts(core, db, places)
    before = last_year(core, db, found.year, [m.number for m in places])
    return [
        RoundMessage(
            purpose=purpose,  # type: ignore[arg-type]
            round_id=found.id,
            round_name=found.name,
            year=found.year,
            deadline=found.deadline,
            user=user,
            number=place.number,
            name=place.name_no,
            last_year=before.get(place.number),
            reminder=reminder,
        )
        for place in places
        for user in editors.get(place.number, [])
    ]


# -- opening and closing -----------------------------------------------------------------


def open_round(
    core: Core,
    name: str,
    deadline: str | datetime,
    scope: str,
    actor: Actor,
    *,
    year: int | None = None,
) -> Opened:
    """Open a round (admin): its municipalities frozen, a request queued to every editor
    of each, in one transaction. Refused: a deadline in the past, an empty scope, a name
    that exists."""
    require_admin(core, actor, "round_open")
    name = check_name(name)
    moment = check_deadline(parse_deadline(deadline), core.clock())
    year = check_year(year if year is not None else planning_year(core))
    key, title, places = scope_members(core, scope, year)
    if not places:
        raise RoundRefused("round_scope_empty", field="scope")
    with core.store.write() as db:
        if rounds_db.name_taken(db, name_key(name)):
            raise RoundRefused("round_exists", name=name)
        now = core.now()
        round_id = rounds_db.insert_round(
            db,
            name=name,
            key=name_key(name),
            year=year,
            scope=key,
            scope_title=title,
            deadline=iso(moment),
            at=now,
            by=actor.id,
            by_name=actor.name,
            numbers=[m.number for m in places],
        )
        found = rounds_db.by_id(db, round_id)
        assert found is not None
        after = {"name": name, "year": year, "scope": key, "deadline": iso(moment)}
        after["members"] = len(places)
        repository.record(db, now, actor, "round", f"round/{round_id}", None, after)
        messages = asks(core, db, found, places, "ask", "")
        emit(core, db, messages)
        editors = contacts(core, db, places)
    no_contact = tuple(m for m in places if not editors.get(m.number))
    return Opened(found, len(places), len(messages), no_contact)


def close_round(core: Core, name: str | None, actor: Actor) -> tuple[Round, RoundClosed]:
    """Close a round (admin): answers can no longer be given or changed, and the
    coordination channel gets the closing summary (through the outbox)."""
    require_admin(core, actor, "round_close")
    with core.store.write() as db:
        found = find(core, name, db=db)
        if not found.open:
            raise RoundRefused("round_closed", name=found.name)
        now = core.now()
        rounds_db.close(db, found.id, now, actor.name or actor.id)
        closed = rounds_db.by_id(db, found.id)
        assert closed is not None
        state = status_in(core, db, closed)
        repository.record(db, now, actor, "round", f"round/{found.id}", "open", "closed")
        event = RoundClosed(
            round_id=closed.id,
            round_name=closed.name,
            year=closed.year,
            scope_title=closed.scope_title,
            deadline=closed.deadline,
            closed_at=closed.closed_at or core.clock(),
            closed_by=actor.name or actor.id,
            members=len(state.members),
            answered=len(state.answered),
            late=tuple(m.municipality.name_no for m in state.late),
            not_answered=tuple(m.municipality.name_no for m in state.not_answered),
            no_contact=tuple(m.municipality.name_no for m in state.no_contact),
            offered=state.offered,
            extra=state.extra,
            last_year=state.last_year,
        )
        emit(core, db, [event])
    return closed, event


# -- where a round stands ----------------------------------------------------------------


def status(core: Core, name: str | None = None) -> RoundState:
    with core.store.read() as db:
        return status_in(core, db, find(core, name, db=db))


def status_by_id(core: Core, round_id: int) -> RoundState:
    with core.store.read() as db:
        found = rounds_db.by_id(db, round_id)
        if found is None:
            raise RoundRefused("round_not_found", name=f"#{round_id}")
        return status_in(core, db, found)


def status_in(core: Core, db: Database, found: Round) -> RoundState:
    places = members_of(core, found, db)
    numbers = [m.number for m in places]
    answers = rounds_db.answers(db, found.id)
    editors = contacts(core, db, places)
    failed = rounds_db.undelivered(db, found.id)
    before = last_year(core, db, found.year, numbers)
    members = []
    for place in places:
        county = core.geography.county_of(place)
        members.append(
            Member(
                municipality=place,
                county=county.name_no if county else "",
                answer=answers.get(place.number),
                editors=tuple(editors.get(place.number, [])),
                undelivered=tuple(failed.get(place.number, [])),
                last_year=before.get(place.number),
            )
        )
    return RoundState(
        round=found,
        members=tuple(members),
        at=core.clock(),
        pending_messages=rounds_db.pending_messages(db, found.id),
    )


# -- the Home ----------------------------------------------------------------------------

MAX_HOME = 5


def home(core: Core, user_id: str, admin: bool) -> RoundsHome:
    """The rounds waiting for this user's answer (as an editor), and for an admin the
    open rounds with how many have answered."""
    with core.store.read() as db:
        numbers: set[str] = set()
        for number in rounds_db.edited_by(db, user_id):
            place = core.geography.any_structure(number)
            numbers.update(core.geography.same_numbers(place) if place else [number])
        waiting = []
        found_rounds: dict[int, Round | None] = {}
        for round_id, number in rounds_db.rounds_waiting_for(db, sorted(numbers))[:MAX_HOME]:
            if round_id not in found_rounds:
                found_rounds[round_id] = rounds_db.by_id(db, round_id)
            found = found_rounds[round_id]
            place = core.geography.get(number, structure_for(found.year)) if found else None
            if found is not None and place is not None:
                waiting.append(Waiting(round=found, municipality=place))
        open_rounds: list[OpenRound] = []
        if admin:
            current = rounds_db.rounds(db, RoundStatus.OPEN)[-MAX_HOME:]
            tallies = rounds_db.member_counts(db, [f.id for f in current]) if current else {}
            open_rounds = [
                OpenRound(
                    round=f,
                    answered=tallies.get(f.id, (0, 0))[0],
                    members=tallies.get(f.id, (0, 0))[1],
                )  # fmt: skip
                for f in current
            ]
    return RoundsHome(waiting=tuple(waiting), open=tuple(open_rounds))


SUMMARY_NAMES = 30  # names of those not answered, per round, in the weekly summary


def summary_lines(core: Core) -> tuple[RoundLine, ...]:
    """The open rounds as the weekly summary lists them, with who has not answered."""
    with core.store.read() as db:
        lines = []
        for found in rounds_db.rounds(db, RoundStatus.OPEN):
            state = status_in(core, db, found)
            lines.append(
                RoundLine(
                    name=found.name,
                    year=found.year,
                    deadline=found.deadline,
                    answered=len(state.answered),
                    members=len(state.members),
                    late=len(state.late),
                    not_answered=tuple(
                        m.municipality.name_no for m in state.not_answered[:SUMMARY_NAMES]
                    ),
                )
            )
    return tuple(lines)
