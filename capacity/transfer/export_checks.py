"""A JSON export's rows, checked with the domain's own rules before any is loaded.

An import loads only what the use cases could have written. Each row goes through the
pydantic model the reads build from it (`Municipality`, `Change`, `Batch`, `Allocation`,
`Preview`, `Alert`) and the limits of `rules` (years, counts, texts, roles, statuses,
household sizes), and across rows through the checks the use cases make before they
write: a figure's or an assignment's municipality exists in its year's structure, a
figure's history record is that figure's, and the batches' and assignments' checks of
`batch_checks`. Every problem is collected with its table, row (1-based, in the
document's order) and column; the first `MAX_SHOWN` are kept with the count. Pure:
nothing here reads or writes a database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from capacity import errors
from capacity.domain.rules import (
    MAX_FIGURE,
    MAX_ID,
    MAX_NAME_LENGTH,
    check_count,
    check_text,
    check_year,
    parse_role,
)
from capacity.models import Change, Group, Measure, Municipality, Preview
from capacity.reference.geography import STRUCTURES, Geography
from capacity.storage.figures import figure_key
from capacity.storage.outbox import _alert
from capacity.storage.repository import ABSENT
from capacity.transfer.batch_checks import check_allocations, check_batches
from capacity.transfer.round_checks import (
    ROUND_TABLES,
    check_backup_runs,
    check_round_rows,
    check_rounds,
)
from capacity.transfer.row_checks import Found, Problems, Rows, json_text, row_id, text, utc_time

PLANNING_YEAR = "planning_year"  # the one setting the use cases keep
# The keys history records are written under, per entity (`figure_key`, `batches.state`,
# `assignments.reserve`, `access.grant`, `figures.set_planning_year`, `scores`, `rounds`,
# `snapshots`). The reads take a figure's and a batch's key apart ("as of"); a record of
# another entity is read whole, so its name need only be a name.
KEYS = {
    "figure": re.compile(r"(?P<number>\d{4})/(?P<year>\d{4})/(?P<measure>[a-z_]+)"),
    "batch": re.compile(r"batch/\d{1,16}"),
    "allocation": re.compile(r"\d{4}/\d{4}/allocation/\d{1,16}"),
    "role": re.compile(r"user/.+"),
    "setting": re.compile(PLANNING_YEAR),
    "scores": re.compile("scores"),
    "round": re.compile(r"round/\d{1,16}"),
    "round_answer": re.compile(r"round/\d{1,16}/\d{4}"),
    "snapshot": re.compile(r"\d{4}-\d\d-\d\d"),  # the day of IMDi's table
}
ENTITY = re.compile(r"[a-z][a-z_]{0,39}")  # what another feature's records are about
PREVIEW_KINDS = ("plan", "assign", "cancel")


def _municipalities(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("municipalities", rows):
        with row.check("number"):
            place = Municipality.model_validate(dict(values))
            if place.structure not in STRUCTURES:
                raise ValueError(f"structure {place.structure} is not one of {STRUCTURES}")
            found.municipalities.append(place)


def _crosswalk(rows: Rows, found: Found, problems: Problems) -> None:
    numbers = {s: {m.number for m in found.municipalities if m.structure == s} for s in STRUCTURES}
    for row, values in problems.rows("crosswalk", rows):
        for structure in STRUCTURES:
            with row.check(f"number_{structure}"):
                if values.get(f"number_{structure}") not in numbers[structure]:
                    number = values.get(f"number_{structure}")
                    raise ValueError(f"{number!r} is no {structure} municipality")
        if not row.failed:
            found.crosswalk.append((values["number_2020"], values["number_2024"]))


def _groups(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("groups", rows):
        with row.check("name"):
            name = check_text(text(values.get("name"), "name"), "name", maximum=MAX_NAME_LENGTH)
            group = Group(name=name, title=values.get("title"), members=())
            found.groups[group.name] = group


def _group_members(rows: Rows, found: Found, problems: Problems) -> None:
    numbers = {m.number for m in found.municipalities if m.structure == 2024}
    for row, values in problems.rows("group_members", rows):
        with row.check("group_name"):
            if values.get("group_name") not in found.groups:
                raise ValueError(f"no group is called {values.get('group_name')!r}")
        with row.check("number_2024"):
            if values.get("number_2024") not in numbers:
                raise ValueError(f"{values.get('number_2024')!r} is no 2024 municipality")
        if not row.failed:
            found.members.setdefault(values["group_name"], []).append(values["number_2024"])
    by_key = {(m.structure, m.number): m for m in found.municipalities}
    groups = {
        name: group.model_copy(
            update={"members": tuple(by_key[(2024, n)] for n in found.members.get(name, []))}
        )
        for name, group in found.groups.items()
    }
    found.geography = Geography(found.municipalities, found.crosswalk, groups)


def _changes(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("changes", rows):
        with row.check("id"):
            row_id(values.get("id"))
        with row.check("at"):
            utc_time(values.get("at"), "at")
        read = {}
        for column in ("before", "after"):  # JSON text, as the reads take it
            with row.check(column):
                read[column] = json_text(values.get(column), column)
        if not row.failed:
            with row.check("entity"):
                change = Change.model_validate({**values, **read})
        if not row.failed and change.entity in KEYS:
            key = KEYS[change.entity].fullmatch(change.key)
            if key is None:
                row.problem("key", f"{change.key[:40]!r} is not the key of a {change.entity}")
        elif not row.failed and not ENTITY.fullmatch(change.entity):
            row.problem("entity", f"{change.entity[:40]!r} is not what a record is about")
        if not row.failed and change.entity == "figure":  # what "as of" reads take
            with row.check("key"):
                measure = Measure(key["measure"]).value  # type: ignore[index]
            for column, value in read.items():
                with row.check(column):
                    if value is not None and not (column == "before" and value == ABSENT):
                        check_count(value, measure, maximum=MAX_FIGURE)
        if not row.failed:
            found.changes[change.id] = (change.entity, change.key, change.at, change.after)
        elif isinstance(values.get("id"), int):
            found.changes[values["id"]] = None  # wrong, and said so: not said again


def _figures(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("figures", rows):
        with row.check("year"):
            year = check_year(values.get("year"))
        with row.check("measure"):
            measure = Measure(values.get("measure"))
        if row.failed:
            continue
        number, value = values.get("number"), values.get("value")
        with row.check("number"):
            found.place(number, year)
        with row.check("value"):
            if value is not None:
                check_count(value, measure.value, maximum=MAX_FIGURE)
        if row.failed:
            continue
        change_id = values.get("change_id")
        record = found.changes.get(change_id) if isinstance(change_id, int) else ("",) * 4
        if record is None:  # its history record is wrong, and said so
            continue
        with row.check("change_id"):
            entity, key, when, after = record or ("", "", None, None)
            if (entity, key) != ("figure", figure_key(str(number), year, measure)):
                raise ValueError(f"history record {values.get('change_id')!r} is not this figure's")
            if after != value:
                raise ValueError(f"the value is not the {after!r} its history record sets")
        if not row.failed and measure is Measure.SPARE and when is not None:
            found.spare[(str(number), year)] = (value, when)


def _settings(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("settings", rows):
        with row.check("value"):
            if values.get("key") != PLANNING_YEAR:
                raise ValueError(f"{values.get('key')!r} is not a setting of capacity-bot")
            if not re.fullmatch(r"\d{4}", str(values.get("value"))):
                raise ValueError(f"the planning year {values.get('value')!r} is not a year")
            check_year(int(values["value"]))


def _roles(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("roles", rows):
        role, number = values.get("role"), values.get("number")
        with row.check("user_id"):
            check_text(text(values.get("user_id"), "user_id"), "user_id")
        with row.check("granted_at"):
            utc_time(values.get("granted_at"), "granted_at")
        with row.check("role"):
            if parse_role(role).value != role:  # type: ignore[arg-type]
                raise ValueError(f"the role {role!r} is not written as the bot writes it")
        with row.check("number"):
            if role == "admin" and number != "":
                raise errors.InvalidInput("admin_no_place")
            if role == "editor":
                found.known(number)


def _scores(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("scores", rows):
        with row.check("number"):
            found.known(values.get("number"))
        with row.check("score"):
            score = values.get("score")
            if not isinstance(score, int | float) or isinstance(score, bool):
                raise ValueError(f"{score!r} is not a number")
            if not math.isfinite(score):
                raise ValueError(f"{score!r} is not a finite number")


def _previews(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("previews", rows):
        with row.check("lines"):
            read = {c: json_text(values.get(c), c) for c in ("lines", "facts", "allocations")}
            Preview.model_validate({**values, **read, "allocations": read["allocations"] or ()})
        with row.check("kind"):
            if values.get("kind") not in PREVIEW_KINDS:
                raise ValueError(f"{values.get('kind')!r} is not a kind of preview")
        with row.check("batch_id"):
            if values.get("batch_id") not in found.batches:
                raise ValueError(f"batch {values.get('batch_id')!r} is not in the export")


def _outbox(rows: Rows, found: Found, problems: Problems) -> None:
    for row, values in problems.rows("outbox", rows):
        with row.check("created_at"):
            utc_time(values.get("created_at"), "created_at")
        with row.check("payload"):
            _alert({**values, "id": row_id(values.get("id"))})  # as the delivery reads it


# In this order: a table's rows are checked against those of the tables before it.
CHECKS: tuple[tuple[str, Callable[[Rows, Found, Problems], None]], ...] = (
    ("municipalities", _municipalities),
    ("crosswalk", _crosswalk),
    ("groups", _groups),
    ("group_members", _group_members),
    ("changes", _changes),
    ("figures", _figures),
    ("settings", _settings),
    ("batches", check_batches),
    ("allocations", check_allocations),
    ("roles", _roles),
    ("scores", _scores),
    ("previews", _previews),
    ("outbox", _outbox),
    ("rounds", check_rounds),
    *((table, partial(check_round_rows, table=table)) for table in ROUND_TABLES),
    ("backup_runs", check_backup_runs),
)


def check(
    tables: Mapping[str, Rows],
    sequences: Mapping[str, Any],
    name: str,
    *,
    code: str = "export_invalid",
) -> None:
    """Raise `InvalidExport` (with `code`: `backup_invalid` for a backup's rows), listing
    the first problems and how many there are, when a row of the document breaks a rule
    the use cases keep."""
    problems, found = Problems(), Found()
    for table, rule in CHECKS:
        rule(tables.get(table, ()), found, problems)
    for table, seq in sequences.items():
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_ID:
            problems.add("sequences", 0, table, f"the counter {seq!r} is not 0 to {MAX_ID}")
    if problems.count:
        raise errors.InvalidExport(name, problems.shown, problems.count, code=code)
