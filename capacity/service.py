"""Use cases of the capacity core: queries, reports, batches, reservations, roles.

Every write is one transaction; every change leaves an attributed history record; domain
events (capacity exceeded) are written to the outbox in the same transaction as the change
that caused them, for an adapter to deliver. Nothing here knows about Slack.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from capacity import errors
from capacity.geography import NATIONAL, NATIONAL_WORDS, Geography, structure_for
from capacity.models import (
    BATCH_TRANSITIONS,
    IMDI_MEASURES,
    Actor,
    Alert,
    Allocation,
    Batch,
    BatchStatus,
    CapacityExceeded,
    CapacityLine,
    Change,
    Figure,
    Group,
    Kind,
    Measure,
    Municipality,
    Overview,
    Role,
    Room,
    Total,
)
from capacity.names import MAX_QUERY_LENGTH, Resolution, normalize
from capacity.store import Store

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_FIGURE = 100_000
MAX_BATCH_PERSONS = 10_000
MAX_NAME_LENGTH = 80
DEFAULT_LOW_RATIO = 0.10
LINE_CACHE_SIZE = 4096  # capacity() answers kept; a national run is 357 x years

Clock = Callable[[], datetime]


def rows_of(db: Database, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    """Rows as dicts, straight from the connection: the hot paths skip sqlite-utils'
    per-statement savepoint guard (three statements for one)."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def check_year(year: int) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise errors.InvalidInput(
            f"Year must be between {MIN_YEAR} and {MAX_YEAR}, not {year!r}",
            field="year",
            value=year,
        )
    return year


def check_count(value: int, field: str, *, minimum: int = 0, maximum: int = MAX_FIGURE) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise errors.InvalidInput(
            f"{field} must be a whole number from {minimum} to {maximum}, not {value!r}",
            field=field,
            value=value,
            minimum=minimum,
            maximum=maximum,
        )
    return value


def check_text(value: str, field: str, *, required: bool = True, maximum: int = 500) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise errors.InvalidInput(f"{field} must not be empty", field=field, value=value)
    if len(text) > maximum:
        raise errors.InvalidInput(
            f"{field} is longer than {maximum} characters", field=field, maximum=maximum
        )
    return text


class ChangeResult:
    """A figure change, before → after, with the history record that explains it."""

    def __init__(
        self,
        municipality: Municipality,
        year: int,
        measure: Measure,
        before: int | None,
        after: int | None,
        change: Change | None,
        line: CapacityLine,
        events: Sequence[CapacityExceeded] = (),
        alerted: bool = False,
    ) -> None:
        self.municipality = municipality
        self.year = year
        self.measure = measure
        self.before = before
        self.after = after
        self.change = change
        self.line = line
        self.events = tuple(events)
        self.alerted = alerted

    @property
    def changed(self) -> bool:
        return self.change is not None


class BatchResult:
    """A batch after a use case, with the events it raised and whether they were queued."""

    def __init__(
        self,
        batch: Batch,
        events: Sequence[CapacityExceeded] = (),
        alerted: bool = False,
        room: int | None = None,
        created: bool = True,
    ) -> None:
        self.batch = batch
        self.events = tuple(events)
        self.alerted = alerted
        self.room = room
        self.created = created

    @property
    def fits(self) -> bool:
        return not self.events


class AllocationResult:
    """An assignment of batch places to a municipality: granted, or refused with numbers."""

    def __init__(
        self,
        batch: Batch,
        municipality: Municipality,
        persons: int,
        granted: bool,
        remaining: int,
        allocation: Allocation | None = None,
        events: Sequence[CapacityExceeded] = (),
        alerted: bool = False,
        duplicate: bool = False,
        preview: bool = False,
    ) -> None:
        self.preview = preview
        self.batch = batch
        self.municipality = municipality
        self.persons = persons
        self.granted = granted
        self.remaining = remaining  # room left in the municipality after this request
        self.allocation = allocation
        self.events = tuple(events)
        self.alerted = alerted
        self.duplicate = duplicate


class Capacity:
    """The capacity core's entry point: one per process, safe to share across threads."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utc_now,
        low_ratio: float = DEFAULT_LOW_RATIO,
    ) -> None:
        self.store = store
        self.clock = clock
        self.low_ratio = low_ratio
        self._geography: Geography | None = None
        # capacity() answers by (structure, number, year asked), valid for one
        # `store.generation()`: a repeated question costs a dict lookup, not 5 queries.
        self._line_cache: dict[tuple[int, str, int | None], tuple[int, CapacityLine]] = {}
        self.on_alert_queued: Callable[[], None] | None = None  # set by an adapter

    @classmethod
    def open(cls, path: str | None = None, **options: Any) -> Capacity:
        """Open (creating and seeding if needed) the database at `path`."""
        from capacity.seed import ensure_seeded

        service = cls(Store(path), **options)
        ensure_seeded(service)
        return service

    def now(self) -> str:
        return iso(self.clock())

    # -- reference data ----------------------------------------------------------------

    @property
    def geography(self) -> Geography:
        if self._geography is None:
            self._geography = self._load_geography()
        return self._geography

    def reload(self) -> None:
        self._geography = None

    def _load_geography(self) -> Geography:
        db = self.store.db
        municipalities = [
            Municipality(**row)
            for row in rows_of(
                db,
                "SELECT structure, number, name, name_no FROM municipalities "
                "ORDER BY structure, number",
            )
        ]
        crosswalk = [
            (row["number_2020"], row["number_2024"])
            for row in rows_of(db, "SELECT number_2020, number_2024 FROM crosswalk")
        ]
        by_key = {(m.structure, m.number): m for m in municipalities}
        groups: dict[str, Group] = {}
        aliases: dict[str, str] = {}
        for row in rows_of(db, "SELECT name, title, aliases FROM groups ORDER BY name"):
            members = tuple(
                by_key[(2024, member["number_2024"])]
                for member in rows_of(
                    db,
                    "SELECT number_2024 FROM group_members WHERE group_name = ? ORDER BY rowid",
                    [row["name"]],
                )
                if (2024, member["number_2024"]) in by_key
            )
            groups[row["name"]] = Group(name=row["name"], title=row["title"], members=members)
            for alias in filter(None, row["aliases"].split("|")):
                aliases[normalize(alias)] = row["name"]
        return Geography(municipalities, crosswalk, groups, aliases)

    # -- name resolution ---------------------------------------------------------------

    def resolve(self, query: str, year: int | None = None) -> Resolution:
        return self.geography.resolve(query, year)

    def municipality(self, query: str, year: int | None = None) -> Municipality:
        """Exactly one municipality for the text, or an error carrying the candidates."""
        resolution = self.resolve(query, year)
        if resolution.found:
            return resolution.found
        if resolution.problem == "ambiguous":
            names = ", ".join(m.label for m in resolution.candidates)
            raise errors.AmbiguousMunicipality(
                f"'{resolution.query}' matches several municipalities: {names}",
                resolution=resolution,
            )
        if resolution.problem == "too_long":
            raise errors.InvalidInput(
                f"That is longer than any municipality name ({MAX_QUERY_LENGTH} characters "
                "at most); give a name or a 4-digit number",
                field="municipality",
                resolution=resolution,
            )
        if resolution.problem == "empty":
            raise errors.InvalidInput(
                "Name a municipality (a name or a 4-digit number)",
                field="municipality",
                resolution=resolution,
            )
        hint = ""
        if resolution.suggestions:
            hint = " Did you mean " + ", ".join(m.label for m in resolution.suggestions) + "?"
        shown = resolution.query[:MAX_QUERY_LENGTH]
        raise errors.MunicipalityNotFound(
            f"No municipality matches '{shown}'.{hint}", resolution=resolution
        )

    def years_with_figures(self, municipality: Municipality) -> tuple[int, ...]:
        numbers = self.geography.lineage_numbers(municipality)
        marks = ",".join("?" * len(numbers))
        rows = self.store.db.conn.execute(
            f"SELECT DISTINCT year FROM figures WHERE number IN ({marks}) ORDER BY year",
            numbers,
        ).fetchall()
        return tuple(row[0] for row in rows)

    def latest_year(self) -> int | None:
        row = self.store.db.conn.execute("SELECT max(year) FROM figures").fetchone()
        return row[0] if row else None

    # -- queries -----------------------------------------------------------------------

    def capacity(
        self, query: str, year: int | None = None, *, as_of: datetime | None = None
    ) -> CapacityLine:
        """Capacity of one municipality: the latest year with figures unless `year`."""
        if year is not None:
            check_year(year)
        current = self.municipality(query, year)
        key = (current.structure, current.number, year)
        generation = self.store.generation() if as_of is None else None
        cached = self._line_cache.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        years = self.years_with_figures(current)
        if year is not None:
            municipality = current
        else:
            year = years[-1] if years else self.clock().year
            municipality = self._only(self.geography.project(current, structure_for(year)), query)
        if as_of is not None:
            return self._line_as_of(municipality, year, as_of, years)
        with self.store.read() as db:
            line = self._line(db, municipality, year, years)
        if years:  # without figures, the year is the clock's: not cached
            if len(self._line_cache) >= LINE_CACHE_SIZE:
                self._line_cache.clear()
            self._line_cache[key] = (generation, line)  # type: ignore[assignment]
        return line

    def _only(self, found: list[Municipality], query: str) -> Municipality:
        if len(found) == 1:
            return found[0]
        if not found:
            raise errors.MunicipalityNotFound(f"No municipality matches '{query}'")
        raise errors.AmbiguousMunicipality(
            f"'{query}' stands for several municipalities that year: "
            + ", ".join(m.label for m in found),
            resolution=Resolution(query=query, candidates=tuple(found), problem="ambiguous"),
        )

    def _line(
        self, db: Database, municipality: Municipality, year: int, years: tuple[int, ...] = ()
    ) -> CapacityLine:
        rows = db.conn.execute(
            """SELECT f.measure, f.value, c.at, c.actor, c.actor_name, c.source
               FROM figures f JOIN changes c ON c.id = f.change_id
               WHERE f.number = ? AND f.year = ?""",
            [municipality.number, year],
        ).fetchall()
        row = db.conn.execute(
            "SELECT persons FROM reserved WHERE number = ? AND year = ?",
            [municipality.number, year],
        ).fetchone()
        reserved = row[0] if row else 0
        return CapacityLine(
            municipality=municipality,
            year=year,
            figures={row[0]: _figure(*row) for row in rows},
            reserved=reserved,
            years_with_figures=years,
        )

    def _line_as_of(
        self, municipality: Municipality, year: int, as_of: datetime, years: tuple[int, ...]
    ) -> CapacityLine:
        moment = iso(as_of)
        db = self.store.db
        figures: dict[Measure, Figure] = {}
        for measure in Measure:
            row = db.conn.execute(
                """SELECT after, at, actor, actor_name, source FROM changes
                   WHERE entity = 'figure' AND key = ? AND at <= ?
                   ORDER BY at DESC, id DESC LIMIT 1""",
                [_figure_key(municipality.number, year, measure), moment],
            ).fetchone()
            if row and row[0] is not None:
                value = json.loads(row[0])
                if value != "deleted":
                    figures[measure] = _figure(measure.value, value, *row[1:])
        reserved = db.conn.execute(
            """SELECT coalesce(sum(persons), 0) FROM allocations
               WHERE number = ? AND year = ? AND created_at <= ?
                 AND (released_at IS NULL OR released_at > ?)""",
            [municipality.number, year, moment, moment],
        ).fetchone()[0]
        return CapacityLine(
            municipality=municipality,
            year=year,
            figures=figures,
            reserved=reserved,
            years_with_figures=years,
        )

    def scope(self, text: str | None) -> tuple[str, str, list[Municipality] | None]:
        """A scope word: a group ("storbynettverket"), the country ("norge", "alle"),
        or a municipality. Returns (scope key, title, members or None for the country)."""
        text = (text or "").strip() or "storbynettverket"
        key = normalize(text)
        if key in NATIONAL_WORDS:
            return NATIONAL, "Norge", None
        group = self.geography.group(text)
        if group:
            return group.name, group.title, list(group.members)
        municipality = self.municipality(text)
        return municipality.number, municipality.name_no, [municipality]

    def overview(self, scope: str | None = None, year: int | None = None) -> Overview:
        """Capacity over a group or the country, with totals, in the latest year."""
        key, title, members = self.scope(scope)
        if year is None:
            year = self.latest_year() or self.clock().year
        check_year(year)
        structure = structure_for(year)
        if members is None:
            municipalities = self.geography.all(structure)
        else:
            municipalities = [p for m in members for p in self.geography.project(m, structure)]
            municipalities = list(dict.fromkeys(municipalities))
        with self.store.read() as db:
            lines = self._lines(db, municipalities, year)
        return Overview(title=title, scope=key, year=year, lines=lines, totals=_totals(lines))

    def _lines(
        self, db: Database, municipalities: list[Municipality], year: int
    ) -> tuple[CapacityLine, ...]:
        figures: dict[str, dict[Measure, Figure]] = {}
        for row in db.conn.execute(
            """SELECT f.number, f.measure, f.value, c.at, c.actor, c.actor_name, c.source
               FROM figures f JOIN changes c ON c.id = f.change_id
               WHERE f.year = ?""",
            [year],
        ):
            figures.setdefault(row[0], {})[Measure(row[1])] = _figure(*row[1:])
        reserved = dict(
            db.conn.execute(
                "SELECT number, persons FROM reserved WHERE year = ?",
                [year],
            ).fetchall()
        )
        return tuple(
            CapacityLine(
                municipality=m,
                year=year,
                figures=figures.get(m.number, {}),
                reserved=reserved.get(m.number, 0),
            )
            for m in municipalities
        )

    def history(self, query: str | None = None, *, limit: int | None = None) -> list[Change]:
        """The history records of a municipality (all its numbers), or of everything."""
        db = self.store.db
        sql = "SELECT * FROM changes"
        params: list[Any] = []
        if query is not None:
            municipality = self.municipality(query)
            numbers = self.geography.lineage_numbers(municipality)
            clauses = " OR ".join(["key LIKE ?"] * len(numbers))
            sql += f" WHERE ({clauses})"
            params = [f"{number}/%" for number in numbers]
        sql += " ORDER BY id"
        if limit:
            sql = f"SELECT * FROM ({sql.replace(' ORDER BY id', '')} ORDER BY id DESC LIMIT ?) ORDER BY id"
            params.append(limit)
        return [_change(row) for row in rows_of(db, sql, params)]

    # -- writes: figures ---------------------------------------------------------------

    def _record(
        self,
        db: Database,
        actor: Actor,
        entity: str,
        key: str,
        before: Any,
        after: Any,
        *,
        source: str = "",
        reason: str = "",
    ) -> int:
        cursor = db.conn.execute(
            """INSERT INTO changes (at, actor, actor_name, source, reason, entity, key,
                                   before, after)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                self.now(),
                actor.id,
                actor.name,
                source,
                reason,
                entity,
                key,
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ],
        )
        return int(cursor.lastrowid or 0)

    def _set_figure(
        self,
        db: Database,
        number: str,
        year: int,
        measure: Measure,
        value: int | None,
        actor: Actor,
        *,
        source: str = "",
        reason: str = "",
        force: bool = False,
    ) -> tuple[bool, int | None, int | None]:
        """Set one figure; a no-op when unchanged (unless `force`, for a re-report)."""
        row = db.conn.execute(
            "SELECT value FROM figures WHERE number = ? AND year = ? AND measure = ?",
            [number, year, measure.value],
        ).fetchone()
        before = row[0] if row else None
        if row is not None and before == value and not force:
            return False, before, value
        change_id = self._record(
            db,
            actor,
            "figure",
            _figure_key(number, year, measure),
            before if row else "absent",
            value,
            source=source,
            reason=reason,
        )
        db.conn.execute(
            """INSERT INTO figures (number, year, measure, value, change_id)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (number, year, measure)
               DO UPDATE SET value = excluded.value, change_id = excluded.change_id""",
            [number, year, measure.value, value, change_id],
        )
        return True, before, value

    def report_spare(
        self,
        query: str,
        value: int,
        actor: Actor,
        *,
        year: int | None = None,
        source: str = "",
        reason: str = "",
    ) -> ChangeResult:
        """Record a municipality's reported spare capacity for a year (default: the
        latest year with figures). A re-report of the same value is recorded too, as
        a confirmation with its own date and source."""
        check_count(value, "spare capacity")
        year = check_year(year if year is not None else self._default_year())
        source = check_text(source, "source", required=False)
        reason = check_text(reason, "reason", required=False)
        municipality = self.municipality(query, year)
        self._require_editor(actor, municipality)
        with self.store.write() as db:
            changed, before, after = self._set_figure(
                db,
                municipality.number,
                year,
                Measure.SPARE,
                value,
                actor,
                source=source or f"reported by {actor.label}",
                reason=reason,
                force=True,
            )
            line = self._line(db, municipality, year)
            events = self._low_capacity_events(line, actor)
            alerted = self._emit(db, events)
            change = self._last_change(db) if changed else None
        return ChangeResult(
            municipality, year, Measure.SPARE, before, after, change, line, events, alerted
        )

    def set_figures(
        self,
        rows: Iterable[tuple[str, int, Measure, int | None]],
        actor: Actor,
        *,
        source: str,
    ) -> int:
        """Set many figures (an import) in one transaction; returns how many changed."""
        changed = 0
        with self.store.write() as db:
            for number, year, measure, value in rows:
                did, _, _ = self._set_figure(db, number, year, measure, value, actor, source=source)
                changed += did
        return changed

    def _default_year(self) -> int:
        return self.latest_year() or self.clock().year

    def _last_change(self, db: Database) -> Change:
        row = next(rows_of(db, "SELECT * FROM changes ORDER BY id DESC LIMIT 1"))
        return _change(row)

    # -- roles -------------------------------------------------------------------------

    def roles(self, user_id: str) -> list[tuple[Role, Municipality | None]]:
        result: list[tuple[Role, Municipality | None]] = []
        for row in rows_of(
            self.store.db,
            "SELECT role, number FROM roles WHERE user_id = ? ORDER BY role, number",
            [user_id],
        ):
            municipality = self.geography.get(row["number"], 2024) if row["number"] else None
            result.append((Role(row["role"]), municipality))
        return result

    def is_admin(self, actor: Actor) -> bool:
        if actor.trusted:
            return True
        row = self.store.db.conn.execute(
            "SELECT 1 FROM roles WHERE user_id = ? AND role = 'admin'", [actor.id]
        ).fetchone()
        return row is not None

    def can_edit(self, actor: Actor, municipality: Municipality) -> bool:
        if self.is_admin(actor):
            return True
        numbers = self.geography.lineage_numbers(municipality)
        marks = ",".join("?" * len(numbers))
        row = self.store.db.conn.execute(
            f"SELECT 1 FROM roles WHERE user_id = ? AND role = 'editor' AND number IN ({marks})",
            [actor.id, *numbers],
        ).fetchone()
        return row is not None

    def _require_admin(self, actor: Actor, action: str) -> None:
        if not self.is_admin(actor):
            raise errors.PermissionDenied(
                f"{actor.label} may not {action}: it needs the admin role",
                actor=actor.id,
                action=action,
                needs="admin",
            )

    def _require_editor(self, actor: Actor, municipality: Municipality) -> None:
        if not self.can_edit(actor, municipality):
            raise errors.PermissionDenied(
                f"{actor.label} may not change figures for {municipality.label}: "
                f"it needs the admin role or the editor role for {municipality.name_no}",
                actor=actor.id,
                action="edit",
                needs="editor",
                municipality=municipality,
            )

    def grant(
        self, user_id: str, role: Role | str, actor: Actor, municipality: str | None = None
    ) -> bool:
        """Grant a role; an editor role names a municipality. True if it was new."""
        user_id = check_text(user_id, "user", maximum=64)
        role = _role(role)
        self._require_admin(actor, "grant roles")
        number = ""
        if role is Role.EDITOR:
            if not municipality:
                raise errors.InvalidInput(
                    "The editor role needs a municipality",
                    field="municipality",
                    reason="editor_needs_place",
                )
            current = self.municipality(municipality)
            number = current.number
        elif municipality:
            raise errors.InvalidInput(
                "The admin role covers every municipality; name none",
                field="municipality",
                reason="admin_no_place",
            )
        with self.store.write() as db:
            exists = db.conn.execute(
                "SELECT 1 FROM roles WHERE user_id = ? AND role = ? AND number = ?",
                [user_id, role.value, number],
            ).fetchone()
            if exists:
                return False
            db.conn.execute(
                "INSERT INTO roles (user_id, role, number, granted_at, granted_by) "
                "VALUES (?, ?, ?, ?, ?)",
                [user_id, role.value, number, self.now(), actor.id],
            )
            self._record(
                db, actor, "role", f"user/{user_id}", None, {"role": role.value, "number": number}
            )
        return True

    def revoke(
        self, user_id: str, role: Role | str, actor: Actor, municipality: str | None = None
    ) -> bool:
        role = _role(role)
        self._require_admin(actor, "revoke roles")
        number = self.municipality(municipality).number if municipality else ""
        with self.store.write() as db:
            cursor = db.conn.execute(
                "DELETE FROM roles WHERE user_id = ? AND role = ? AND number = ?",
                [user_id, role.value, number],
            )
            if not cursor.rowcount:
                return False
            self._record(
                db, actor, "role", f"user/{user_id}", {"role": role.value, "number": number}, None
            )
        return True

    # -- batches -----------------------------------------------------------------------

    def create_batch(
        self,
        name: str,
        persons: int,
        actor: Actor,
        *,
        year: int | None = None,
        households: Sequence[int] = (),
        scope: str | None = None,
    ) -> BatchResult:
        """Register a relocation batch and check it against its scope's remaining room.

        A batch that does not fit is still registered (it is a plan to be worked out),
        and the shortfall is raised as an event for the coordination channel.
        """
        name = check_text(name, "batch name", maximum=MAX_NAME_LENGTH)
        check_count(persons, "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
        year = check_year(year if year is not None else self._default_year())
        households = tuple(check_count(h, "household size", minimum=1) for h in households)
        if households and sum(households) != persons:
            raise errors.InvalidInput(
                f"The household sizes add up to {sum(households)}, but the batch has "
                f"{persons} persons",
                field="households",
                reason="sum_mismatch",
                total=sum(households),
                persons=persons,
            )
        scope_key, scope_title, _ = self.scope(scope)
        self._require_admin(actor, "register relocation batches")
        with self.store.write() as db:
            if db.conn.execute(
                "SELECT 1 FROM batches WHERE name = ? COLLATE NOCASE AND year = ?", [name, year]
            ).fetchone():
                raise errors.BatchExists(
                    f"A batch named '{name}' exists for {year} already", name=name, year=year
                )
            cursor = db.conn.execute(
                """INSERT INTO batches (name, year, persons, households, scope, status,
                                        created_at, created_by)
                   VALUES (?, ?, ?, ?, ?, 'planned', ?, ?)""",
                [name, year, persons, json.dumps(households), scope_key, self.now(), actor.id],
            )
            batch_id = int(cursor.lastrowid or 0)
            batch = self._batch(db, batch_id)
            self._record(db, actor, "batch", f"batch/{batch_id}", None, _batch_state(batch))
            rooms = self._rooms(db, batch)
            events = self._fit_events(batch, rooms, actor)
            alerted = self._emit(db, events)
        return BatchResult(batch, events, alerted, room=sum(r.remaining for r in rooms))

    def batch(self, ref: str | int, year: int | None = None) -> Batch:
        """A batch by id or name (the newest year with that name unless `year`)."""
        return self._find_batch(self.store.db, ref, year, allocations=True)

    def batches(self, year: int | None = None, *, include_cancelled: bool = True) -> list[Batch]:
        db = self.store.db
        sql = "SELECT id FROM batches"
        clauses, params = [], []
        if year is not None:
            clauses.append("year = ?")
            params.append(year)
        if not include_cancelled:
            clauses.append("status != 'cancelled'")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY year DESC, id DESC"
        return [
            self._batch(db, row[0], allocations=True)
            for row in db.conn.execute(sql, params).fetchall()
        ]

    def _find_batch(
        self, db: Database, ref: str | int, year: int | None = None, *, allocations: bool = False
    ) -> Batch:
        if isinstance(ref, int) or (
            isinstance(ref, str) and re.fullmatch(r"[0-9]{1,18}", ref.strip())
        ):
            try:
                return self._batch(db, int(ref), allocations=allocations)
            except (StopIteration, OverflowError):
                row = None
        else:
            name = " ".join(str(ref).split())
            sql = "SELECT id FROM batches WHERE name = ? COLLATE NOCASE"
            params: list[Any] = [name]
            if year is not None:
                sql += " AND year = ?"
                params.append(year)
            row = db.conn.execute(sql + " ORDER BY year DESC, id DESC LIMIT 1", params).fetchone()
        if not row:
            raise errors.BatchNotFound(f"No relocation batch named '{ref}'", name=str(ref))
        return self._batch(db, row[0], allocations=allocations)

    def _batch(self, db: Database, batch_id: int, *, allocations: bool = False) -> Batch:
        """A batch with its assigned totals; with its allocations when asked for (the
        totals come from one aggregate, so a use case's cost does not grow with them)."""
        row = next(rows_of(db, "SELECT * FROM batches WHERE id = ?", [batch_id]))
        allocated = row["allocated"]
        placed = "[]"
        if row["households"] != "[]":
            placed = db.conn.execute(
                "SELECT json_group_array(json(households)) FROM allocations "
                "WHERE batch_id = ? AND active = 1",
                [batch_id],
            ).fetchone()[0]
        return Batch(
            id=row["id"],
            name=row["name"],
            year=row["year"],
            persons=row["persons"],
            households=tuple(json.loads(row["households"])),
            scope=row["scope"],
            status=BatchStatus(row["status"]),
            created_at=row["created_at"],
            created_by=row["created_by"],
            allocated=allocated,
            placed_households=tuple(size for sizes in json.loads(placed) for size in sizes),
            allocations=tuple(
                self._allocation_from(a, row["year"])
                for a in rows_of(
                    db, "SELECT * FROM allocations WHERE batch_id = ? ORDER BY id", [batch_id]
                )
            )
            if allocations
            else (),
        )

    def _allocation(self, db: Database, allocation_id: int) -> Allocation:
        row = next(rows_of(db, "SELECT * FROM allocations WHERE id = ?", [allocation_id]))
        return self._allocation_from(row, row["year"])

    def _allocation_from(self, a: dict[str, Any], year: int) -> Allocation:
        m = self.geography.get(a["number"], structure_for(year))
        return Allocation(
            id=a["id"],
            batch_id=a["batch_id"],
            number=a["number"],
            municipality=m.name_no if m else a["number"],
            persons=a["persons"],
            households=tuple(json.loads(a["households"])),
            active=bool(a["active"]),
            created_at=a["created_at"],
            created_by=a["created_by"],
        )

    def _scope_members(self, scope: str, year: int) -> list[Municipality]:
        structure = structure_for(year)
        if scope == NATIONAL:
            return self.geography.all(structure)
        group = self.geography.groups.get(scope)
        if group:
            return self.geography.members(group, year)
        found = self.geography.get(scope, structure)
        if found:
            return [found]
        for other in (2020, 2024):
            if (m := self.geography.get(scope, other)) is not None:
                return self.geography.project(m, structure)
        return []

    def scope_title(self, scope: str) -> str:
        if scope == NATIONAL:
            return "Norge"
        group = self.geography.groups.get(scope)
        if group:
            return group.title
        for structure in (2024, 2020):
            if (m := self.geography.get(scope, structure)) is not None:
                return m.name_no
        return scope

    def _rooms(self, db: Database, batch: Batch) -> list[Room]:
        """Remaining room per municipality of the batch's scope, most first."""
        members = self._scope_members(batch.scope, batch.year)
        lines = self._lines(db, members, batch.year)
        rooms = [
            Room(
                number=line.municipality.number,
                name=line.municipality.name_no,
                remaining=line.remaining,
            )
            for line in lines
            if line.remaining is not None and line.remaining > 0
        ]
        return sorted(rooms, key=lambda r: (-r.remaining, r.name))

    def _batch_event(
        self,
        kind: Kind,
        batch: Batch,
        rooms: list[Room],
        actor: Actor,
        persons: int,
        remaining: int,
    ) -> CapacityExceeded:
        """An event about a batch against its scope, with the rooms left there."""
        return CapacityExceeded(
            kind=kind,
            batch_id=batch.id,
            batch_name=batch.name,
            year=batch.year,
            scope=batch.scope,
            scope_title=self.scope_title(batch.scope),
            persons=persons,
            remaining=remaining,
            rooms=tuple(rooms[:10]),
            actor=actor.id,
            actor_name=actor.name,
        )

    def _fit_events(self, batch: Batch, rooms: list[Room], actor: Actor) -> list[CapacityExceeded]:
        events: list[CapacityExceeded] = []
        need = batch.unallocated
        room = sum(r.remaining for r in rooms)
        if need > room:
            events.append(self._batch_event(Kind.BATCH_EXCEEDS, batch, rooms, actor, need, room))
        largest = rooms[0].remaining if rooms else 0
        unplaced = batch.unplaced_households
        if unplaced and unplaced[0] > largest:
            events.append(
                self._batch_event(
                    Kind.HOUSEHOLD_TOO_LARGE, batch, rooms, actor, unplaced[0], largest
                )
            )
        return events

    def _low_capacity_events(self, line: CapacityLine, actor: Actor) -> list[CapacityExceeded]:
        spare, remaining = line.spare, line.remaining
        if spare is None or remaining is None or spare <= 0:
            return []
        limit = spare * self.low_ratio  # below 10 % of 5 is below 0.5: 0 left is low
        if remaining >= limit and remaining > 0:
            return []
        threshold = math.ceil(limit)
        m = line.municipality
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
                threshold=threshold,
            )
        ]

    def allocate(
        self,
        batch_ref: str | int,
        query: str,
        persons: int | None,
        actor: Actor,
        *,
        households: Sequence[int] = (),
        request_key: str | None = None,
        year: int | None = None,
        dry_run: bool = False,
    ) -> AllocationResult:
        """Reserve places of a batch in a municipality, or refuse with the numbers.

        `request_key` makes the request idempotent: the same key never reserves twice
        (a double click, a resubmitted form, Slack's retry). `dry_run` checks everything
        and reserves nothing: a refusal is still raised as an event, a fit is returned
        with `preview` set.
        """
        households = tuple(check_count(h, "household size", minimum=1) for h in households)
        if persons is None:
            if not households:
                raise errors.InvalidInput(
                    "Say how many persons to assign", field="persons", reason="say_persons"
                )
            persons = sum(households)
        check_count(persons, "persons", minimum=1, maximum=MAX_BATCH_PERSONS)
        if sum(households) > persons:
            raise errors.InvalidInput(
                f"The household sizes add up to {sum(households)}, more than {persons}",
                field="households",
                reason="sum_over",
                total=sum(households),
                persons=persons,
            )
        with self.store.write() as db:
            batch = self._find_batch(db, batch_ref, year)
            municipality = self.municipality(query, batch.year)
            if request_key:
                row = db.conn.execute(
                    "SELECT id FROM allocations WHERE request_key = ?", [request_key]
                ).fetchone()
                if row:
                    allocation = self._allocation(db, row[0])
                    place = self.geography.get(allocation.number, structure_for(batch.year))
                    line = self._line(db, place or municipality, batch.year)
                    return AllocationResult(
                        batch,
                        place or municipality,
                        allocation.persons,
                        True,
                        line.remaining or 0,
                        allocation,
                        duplicate=True,
                    )
            self._require_editor(actor, municipality)
            if batch.status not in (BatchStatus.PLANNED, BatchStatus.ALLOCATED):
                raise errors.InvalidTransition(
                    f"Batch '{batch.name}' is {batch.status.value}; places can only be "
                    "assigned while it is planned or allocated",
                    batch=batch.name,
                    status=batch.status.value,
                )
            members = self._scope_members(batch.scope, batch.year)
            if municipality not in members:
                raise errors.InvalidInput(
                    f"{municipality.name_no} is outside the batch's scope "
                    f"({self.scope_title(batch.scope)})",
                    field="municipality",
                    reason="outside_scope",
                    name=municipality.name_no,
                    scope=self.scope_title(batch.scope),
                )
            if persons > batch.unallocated:
                raise errors.InvalidInput(
                    f"Only {batch.unallocated} of the batch's {batch.persons} persons are "
                    f"not yet assigned",
                    field="persons",
                    reason="over_unallocated",
                    unallocated=batch.unallocated,
                    persons=batch.persons,
                )
            unplaced = list(batch.unplaced_households)
            for size in households:
                if size not in unplaced:
                    raise errors.InvalidInput(
                        f"The batch has no unplaced household of {size}",
                        field="households",
                        reason="no_household",
                        size=size,
                    )
                unplaced.remove(size)
            singles_left = batch.unallocated - sum(batch.unplaced_households)
            if persons - sum(households) > singles_left:
                raise errors.InvalidInput(
                    f"{sum(batch.unplaced_households)} of the unassigned persons belong to "
                    f"households not yet placed ({_sizes(batch.unplaced_households)}); "
                    "name the households to assign them, households are never split",
                    field="households",
                    reason="split",
                    households=batch.unplaced_households,
                )
            line = self._line(db, municipality, batch.year)
            if line.remaining is None:
                raise errors.InvalidInput(
                    f"{municipality.name_no} has reported no spare capacity for {batch.year}",
                    field="municipality",
                    reason="no_spare",
                    municipality=municipality,
                    year=batch.year,
                )
            if persons > line.remaining:
                event = CapacityExceeded(
                    kind=Kind.ALLOCATION_REFUSED,
                    batch_id=batch.id,
                    batch_name=batch.name,
                    year=batch.year,
                    scope=municipality.number,
                    scope_title=municipality.name_no,
                    persons=persons,
                    remaining=line.remaining,
                    rooms=tuple(self._rooms(db, batch)[:10]),
                    actor=actor.id,
                    actor_name=actor.name,
                )
                alerted = self._emit(db, [event])
                return AllocationResult(
                    batch,
                    municipality,
                    persons,
                    False,
                    line.remaining,
                    events=[event],
                    alerted=alerted,
                )
            if dry_run:
                return AllocationResult(
                    batch, municipality, persons, True, line.remaining - persons, preview=True
                )
            now = self.now()
            cursor = db.conn.execute(
                """INSERT INTO allocations (batch_id, number, year, persons, households,
                                            created_at, created_by, request_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    batch.id,
                    municipality.number,
                    batch.year,
                    persons,
                    json.dumps(households),
                    now,
                    actor.id,
                    request_key,
                ],
            )
            allocation_id = int(cursor.lastrowid or 0)
            self._record(
                db,
                actor,
                "allocation",
                f"{municipality.number}/{batch.year}/allocation/{allocation_id}",
                None,
                {
                    "batch": batch.name,
                    "batch_id": batch.id,
                    "persons": persons,
                    "households": list(households),
                },
            )
            batch = self._update_status(
                db,
                batch.model_copy(
                    update={
                        "allocated": batch.allocated + persons,
                        "placed_households": batch.placed_households + households,
                    }
                ),
                actor,
            )
            line = line.model_copy(update={"reserved": line.reserved + persons})
            events = self._low_capacity_events(line, actor)
            alerted = self._emit(db, events)
            allocation = Allocation(
                id=allocation_id,
                batch_id=batch.id,
                number=municipality.number,
                municipality=municipality.name_no,
                persons=persons,
                households=households,
                active=True,
                created_at=now,
                created_by=actor.id,
            )
        return AllocationResult(
            batch,
            municipality,
            persons,
            True,
            line.remaining or 0,
            allocation,
            events=events,
            alerted=alerted,
        )

    def allocate_auto(self, batch_ref: str | int, actor: Actor) -> list[AllocationResult]:
        """Spread a batch's unassigned persons over its scope, households whole, the
        largest household to the municipality with the most room left. All or nothing:
        when the batch does not fit, nothing is reserved and the shortfall is raised."""
        self._require_admin(actor, "distribute relocation batches")
        with self.store.write() as db:
            batch = self._find_batch(db, batch_ref)
            rooms = self._rooms(db, batch)
            events = self._fit_events(batch, rooms, actor)
            if events:
                self._emit(db, events)
                return []
            plan = _distribute(batch, rooms)
            if plan is None:  # the households cannot be packed whole into the rooms left
                event = self._batch_event(
                    Kind.HOUSEHOLDS_DO_NOT_FIT,
                    batch,
                    rooms,
                    actor,
                    persons=sum(batch.unplaced_households),
                    remaining=sum(r.remaining for r in rooms),
                )
                self._emit(db, [event])
                return []
            results = []
            for number, persons, households in plan:
                results.append(
                    self.allocate(
                        batch.id, number, persons, actor, households=households, year=batch.year
                    )
                )
        return results

    def release(self, allocation_id: int, actor: Actor, *, reason: str = "") -> Batch:
        """Undo an assignment: its places go back to the municipality."""
        with self.store.write() as db:
            row = db.conn.execute(
                "SELECT batch_id, number, year, active FROM allocations WHERE id = ?",
                [allocation_id],
            ).fetchone()
            if not row:
                raise errors.InvalidInput(f"No assignment {allocation_id}", field="allocation")
            batch = self._batch(db, row[0])
            municipality = self.geography.get(row[1], structure_for(row[2]))
            if municipality is None or not self.can_edit(actor, municipality):
                self._require_admin(actor, "undo assignments")
            if batch.status not in (BatchStatus.PLANNED, BatchStatus.ALLOCATED):
                raise errors.InvalidTransition(
                    f"Batch '{batch.name}' is {batch.status.value}; its assignments are final",
                    batch=batch.name,
                    status=batch.status.value,
                )
            if row[3]:
                self._release_rows(db, [allocation_id], actor, reason or "undone")
                self._update_status(db, self._batch(db, batch.id), actor)
            return self._batch(db, batch.id, allocations=True)

    def _release_rows(self, db: Database, ids: list[int], actor: Actor, reason: str) -> None:
        now = self.now()
        for allocation_id in ids:
            row = db.conn.execute(
                "SELECT number, year, persons, batch_id FROM allocations WHERE id = ?",
                [allocation_id],
            ).fetchone()
            db.conn.execute(
                "UPDATE allocations SET active = 0, released_at = ? WHERE id = ?",
                [now, allocation_id],
            )
            self._record(
                db,
                actor,
                "allocation",
                f"{row[0]}/{row[1]}/allocation/{allocation_id}",
                {"batch_id": row[3], "persons": row[2], "active": True},
                {"batch_id": row[3], "persons": row[2], "active": False},
                reason=reason,
            )

    def _update_status(self, db: Database, batch: Batch, actor: Actor) -> Batch:
        """planned ⇄ allocated follows whether every person has a place."""
        target = batch.status
        if batch.status is BatchStatus.PLANNED and batch.unallocated == 0:
            target = BatchStatus.ALLOCATED
        elif batch.status is BatchStatus.ALLOCATED and batch.unallocated > 0:
            target = BatchStatus.PLANNED
        if target is not batch.status:
            db.conn.execute("UPDATE batches SET status = ? WHERE id = ?", [target.value, batch.id])
            self._record(
                db,
                actor,
                "batch",
                f"batch/{batch.id}",
                {"status": batch.status.value},
                {"status": target.value},
            )
            return batch.model_copy(update={"status": target})
        return batch

    def set_status(
        self, batch_ref: str | int, status: BatchStatus | str, actor: Actor, *, reason: str = ""
    ) -> Batch:
        """Move a batch through its life: arrived, settled, or cancelled.

        Cancelling releases every reservation. Settling adds the persons to each
        municipality's settled figure, attributed to the actor.
        """
        try:
            status = BatchStatus(status)
        except ValueError:
            raise errors.InvalidInput(f"Unknown status '{status}'", field="status") from None
        self._require_admin(actor, f"mark batches {status.value}")
        reason = check_text(reason, "reason", required=False)
        with self.store.write() as db:
            batch = self._find_batch(db, batch_ref)
            if status not in BATCH_TRANSITIONS[batch.status]:
                raise errors.InvalidTransition(
                    f"Batch '{batch.name}' is {batch.status.value} and cannot become "
                    f"{status.value}",
                    batch=batch.name,
                    status=batch.status.value,
                    target=status.value,
                )
            if status is BatchStatus.CANCELLED:
                active = [
                    row[0]
                    for row in db.conn.execute(
                        "SELECT id FROM allocations WHERE batch_id = ? AND active = 1", [batch.id]
                    )
                ]
                self._release_rows(db, active, actor, reason or f"batch '{batch.name}' cancelled")
            if status is BatchStatus.SETTLED:
                self._count_settled(db, self._batch(db, batch.id, allocations=True), actor)
            db.conn.execute("UPDATE batches SET status = ? WHERE id = ?", [status.value, batch.id])
            self._record(
                db,
                actor,
                "batch",
                f"batch/{batch.id}",
                {"status": batch.status.value},
                {"status": status.value},
                reason=reason,
            )
            return self._batch(db, batch.id, allocations=True)

    def _count_settled(self, db: Database, batch: Batch, actor: Actor) -> None:
        per_place: dict[str, int] = {}
        for allocation in batch.allocations:
            if allocation.active:
                per_place[allocation.number] = (
                    per_place.get(allocation.number, 0) + allocation.persons
                )
        for number, persons in per_place.items():
            row = db.conn.execute(
                "SELECT value FROM figures WHERE number = ? AND year = ? AND measure = ?",
                [number, batch.year, Measure.SETTLED.value],
            ).fetchone()
            if row is not None and row[0] is None:
                # IMDi did not publish the figure (0 to 4, or not asked); adding to an
                # unknown would invent a number, so the figure stays unknown.
                continue
            before = row[0] if row else 0
            self._set_figure(
                db,
                number,
                batch.year,
                Measure.SETTLED,
                before + persons,
                actor,
                source=f"relocation batch '{batch.name}' settled",
            )

    # -- outbox --------------------------------------------------------------------------

    def _emit(self, db: Database, events: Sequence[CapacityExceeded]) -> bool:
        """Queue events in the outbox, in the caller's transaction. An event whose
        condition was announced before (same key) is not queued again."""
        queued = False
        for event in events:
            cursor = db.conn.execute(
                """INSERT OR IGNORE INTO outbox (created_at, dedupe_key, kind, payload,
                                                 next_attempt_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [
                    self.now(),
                    event.dedupe_key,
                    event.kind.value,
                    event.model_dump_json(),
                    self.now(),
                ],
            )
            queued = queued or cursor.rowcount > 0
        if queued and self.on_alert_queued is not None:
            self.store.after_commit(self.on_alert_queued)
        return queued or bool(events) and self._already_announced(db, events)

    def _already_announced(self, db: Database, events: Sequence[CapacityExceeded]) -> bool:
        keys = [e.dedupe_key for e in events]
        marks = ",".join("?" * len(keys))
        row = db.conn.execute(
            f"SELECT 1 FROM outbox WHERE dedupe_key IN ({marks})", keys
        ).fetchone()
        return row is not None

    def alerts(self, status: str | None = None) -> list[Alert]:
        sql = "SELECT * FROM outbox"
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        return [_alert(row) for row in rows_of(self.store.db, sql + " ORDER BY id", params)]

    def claim_due_alerts(self, lease_seconds: float = 30.0, limit: int = 20) -> list[Alert]:
        """Take the pending alerts that are due, leasing them so that another worker
        (another process on the same database) does not take them at the same time."""
        now = self.clock()
        due = self.store.db.conn.execute(
            "SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1",
            [iso(now)],
        ).fetchone()
        if not due:  # the common case when polling: no write lock taken
            return []
        lease_until = iso(datetime.fromtimestamp(now.timestamp() + lease_seconds, UTC))
        with self.store.write() as db:
            rows = list(
                rows_of(
                    db,
                    "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                    "ORDER BY id LIMIT ?",
                    [iso(now), limit],
                )
            )
            for row in rows:
                db.conn.execute(
                    "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ?",
                    [lease_until, row["id"]],
                )
                row["attempts"] += 1
        return [_alert(row) for row in rows]

    def mark_sent(self, alert_id: int, delivery_ref: str = "") -> None:
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, delivery_ref = ?, "
                "last_error = '' WHERE id = ?",
                [self.now(), delivery_ref, alert_id],
            )

    def mark_retry(self, alert_id: int, error: str, delay_seconds: float) -> None:
        when = iso(datetime.fromtimestamp(self.clock().timestamp() + delay_seconds, UTC))
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                [when, error[:500], alert_id],
            )

    def mark_failed(self, alert_id: int, error: str) -> None:
        with self.store.write() as db:
            db.conn.execute(
                "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                [error[:500], alert_id],
            )

    def retry_alerts(self, ids: Iterable[int] | None = None) -> int:
        """Make failed (or the given) alerts pending and due now."""
        with self.store.write() as db:
            if ids is None:
                cursor = db.conn.execute(
                    "UPDATE outbox SET status = 'pending', next_attempt_at = ? "
                    "WHERE status = 'failed'",
                    [self.now()],
                )
            else:
                ids = list(ids)
                marks = ",".join("?" * len(ids))
                cursor = db.conn.execute(
                    f"UPDATE outbox SET status = 'pending', next_attempt_at = ? "
                    f"WHERE status != 'sent' AND id IN ({marks})",
                    [self.now(), *ids],
                )
            return cursor.rowcount


# -- helpers ---------------------------------------------------------------------------------


def _sizes(households: Sequence[int]) -> str:
    return ",".join(str(size) for size in households)


def _figure_key(number: str, year: int, measure: Measure) -> str:
    return f"{number}/{year}/{measure.value}"


def _figure(
    measure: str, value: int | None, at: str, actor: str, actor_name: str, source: str
) -> Figure:
    return Figure(
        measure=Measure(measure),
        value=value,
        changed_at=at,
        actor=actor_name or actor,
        source=source,
    )


def _change(row: dict[str, Any]) -> Change:
    return Change(
        **{
            **row,
            "before": json.loads(row["before"]) if row["before"] is not None else None,
            "after": json.loads(row["after"]) if row["after"] is not None else None,
        }
    )


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=row["id"],
        created_at=row["created_at"],
        dedupe_key=row["dedupe_key"],
        event=CapacityExceeded.model_validate_json(row["payload"]),
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        delivery_ref=row["delivery_ref"],
    )


def _role(role: Role | str) -> Role:
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        raise errors.InvalidInput(
            f"Unknown role '{role}': use admin or editor", field="role"
        ) from None


def _batch_state(batch: Batch) -> dict[str, Any]:
    return {
        "name": batch.name,
        "year": batch.year,
        "persons": batch.persons,
        "households": list(batch.households),
        "scope": batch.scope,
        "status": batch.status.value,
    }


def _totals(lines: Sequence[CapacityLine]) -> dict[str, Total]:
    """Sums that never count an unknown figure as 0: each says how many were unknown."""
    totals: dict[str, Total] = {}
    for measure in (*IMDI_MEASURES, Measure.SPARE):
        value = counted = unknown = missing = 0
        for line in lines:
            figure = line.figures.get(measure)
            if figure is None:
                missing += 1
            elif figure.value is None:
                unknown += 1
            else:
                value += figure.value
                counted += 1
        totals[measure.value] = Total(
            value=value, counted=counted, unknown=unknown, missing=missing
        )
    with_spare = [line for line in lines if line.spare is not None]
    totals["reserved"] = Total(
        value=sum(line.reserved for line in lines), counted=len(lines), unknown=0, missing=0
    )
    totals["remaining"] = Total(
        value=sum(line.remaining or 0 for line in with_spare),
        counted=len(with_spare),
        unknown=0,
        missing=len(lines) - len(with_spare),
    )
    return totals


def _pack(
    households: tuple[int, ...], room: dict[str, int], proportional: bool
) -> tuple[dict[str, list[int]], dict[str, int]] | None:
    """Households whole, largest first: where the largest share of room is left (spread
    in proportion to what each municipality offered), or where it fits tightest."""
    left = dict(room)
    placed: dict[str, list[int]] = {number: [] for number in left}
    for size in households:
        fits = [n for n in left if left[n] >= size]
        if not fits:
            return None
        if proportional:
            number = max(fits, key=lambda n: (left[n] / room[n], left[n], n))
        else:
            number = min(fits, key=lambda n: (left[n] - size, n))
        placed[number].append(size)
        left[number] -= size
    return placed, left


def _distribute(batch: Batch, rooms: list[Room]) -> list[tuple[str, int, tuple[int, ...]]] | None:
    """Households whole and persons without a household in proportion to the room left;
    None when the households cannot be packed whole. The caller has checked that the
    batch's persons fit the total room."""
    room = {r.number: r.remaining for r in rooms}
    packed = _pack(batch.unplaced_households, room, proportional=True) or _pack(
        batch.unplaced_households, room, proportional=False
    )
    if packed is None:
        return None
    placed, left = packed
    singles = batch.unallocated - sum(batch.unplaced_households)
    extra: dict[str, int] = dict.fromkeys(left, 0)
    total_room = sum(max(v, 0) for v in left.values())
    if singles and total_room:
        for number in left:
            extra[number] = min(left[number], singles * max(left[number], 0) // total_room)
        short = singles - sum(extra.values())
        for number in sorted(left, key=lambda n: -(left[n] - extra[n])):
            if short <= 0:
                break
            take = min(short, left[number] - extra[number])
            extra[number] += take
            short -= take
    plan = []
    for number in left:
        persons = sum(placed[number]) + extra[number]
        if persons:
            plan.append((number, persons, tuple(placed[number])))
    return plan
