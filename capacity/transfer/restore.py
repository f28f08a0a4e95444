"""Loading a JSON export (`exports.export(service, "json")`) back into a database.

The document holds every table's rows as they were, the AUTOINCREMENT counters and the
migrations the database had applied. Loading builds a new database beside the target:
the schema as far as the document's migrations, every row in one transaction (the history
with its own ids, times, actors, sources, before and after: the append-only table takes
inserts), the reservation totals rebuilt from the allocations, then the later migrations
of this code, if any. Every row is first checked with the domain's rules (`export_checks`:
the models and limits the use cases apply), so that nothing a use case would refuse is
loaded. Only a checked database is put in place (`backup.install`), the one it replaces
kept beside it; so a document that fails anywhere changes nothing.

The target must be new, or hold nothing but the bundled data `capacity init` loads: a
database with data of its own is refused, and left as it was.

A backup (a SQLite file, `capacity restore`) is held to the same rules: `restore_backup`
has `backup.restore` hand it the staged copy's rows, in the shape this document holds
them, and they go through `export_checks` before the copy is put in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from capacity import errors
from capacity.domain.clock import Clock, utc_now
from capacity.storage import backup
from capacity.storage import dump as dump_repository
from capacity.storage.schema import known_migrations, migrations, rebuild_derived
from capacity.storage.store import Store
from capacity.transfer import export_checks
from capacity.usecases.seed import IMDI, KS, SEED_ACTOR

FORMAT = "capacity-bot export"
FORMAT_VERSION = 1
BUNDLED_BY = frozenset({SEED_ACTOR.id, IMDI.id, KS.id})  # who the bundled data is recorded by


@dataclass(frozen=True)
class Document:
    """A JSON export, checked for its shape (its rows are checked by loading them)."""

    migrations: tuple[str, ...]
    tables: dict[str, list[dict[str, Any]]]
    sequences: dict[str, int]


@dataclass(frozen=True)
class Imported:
    """What an import of a JSON export did."""

    target: Path
    rows: int
    schema_version: int
    migrated: tuple[str, ...]
    replaced: Path | None


def document(data: bytes, name: str) -> Document:
    """The export in `data`, or a refusal saying why it is not one this code can load."""
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise errors.InvalidInput("not_export", name=name) from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise errors.InvalidInput("not_export", name=name)
    names, tables, sequences = found.get("migrations"), found.get("tables"), found.get("sequences")
    if (
        found.get("format_version") != FORMAT_VERSION
        or not isinstance(names, list)
        or not all(isinstance(n, str) for n in names)
        or found.get("schema_version") != len(names)
        or not isinstance(tables, dict)
        or not all(
            isinstance(rows, list) and all(isinstance(row, dict) for row in rows)
            for rows in tables.values()
        )
        or not isinstance(sequences, dict)
    ):
        raise errors.InvalidInput("not_export", name=name)
    known = known_migrations()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise errors.DatabaseProblem("newer_schema", path=name, names=", ".join(unknown))
    if tuple(names) != known[: len(names)] or not names:
        raise errors.InvalidInput("not_export", name=name)
    return Document(migrations=tuple(names), tables=tables, sequences=sequences)


def _check_target(target: Path) -> None:
    """A target that exists must be a capacity database holding only the bundled data."""
    if not target.exists():
        return
    backup.inspect(target)
    store = Store(target)
    try:
        entered = dump_repository.entered(store.db, BUNDLED_BY)
    finally:
        store.close()
    if entered:
        what = ", ".join(f"{table}: {count}" for table, count in entered.items())
        raise errors.DatabaseProblem("holds_data", path=str(target), what=what)


def _build(path: Path, found: Document) -> tuple[int, tuple[str, ...]]:
    """A new database at `path` holding the document: (rows loaded, migrations after)."""
    store = Store(path)
    try:
        known = known_migrations()
        later = known[len(found.migrations) :]
        with store.write() as db:
            migrations.apply(db, stop_before=later[0] if later else None)
        with store.write() as db:
            rows = dump_repository.load(db, found.tables, found.sequences)
            rebuild_derived(db)
        store.migrate()
    finally:
        store.close()
    return rows, later


def import_json(data: bytes, name: str, target: Path, *, clock: Clock = utc_now) -> Imported:
    """Load the JSON export `data` (a file called `name`) into the database at `target`:
    created when missing; an existing one must hold nothing but the bundled data and is
    kept beside it (`.replaced-<UTC time>`). Refused, with nothing changed, when the
    document is not an export, is of a newer schema, has rows the domain's rules refuse
    (`export_checks`: every problem found, with its table, row and column), or does
    not fit the schema."""
    target = Path(target)
    found = document(data, name)
    export_checks.check(found.tables, found.sequences, name)  # every row, before any file
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = backup.beside(target, "importing", clock)
    try:
        rows, later = _build(staged, found)
        backup.inspect(staged, name=Path(name), newer_ok=False)
        _check_target(target)  # once more: nothing entered while the new one was built
        replaced = backup.install(staged, target, clock=clock)
    finally:
        backup.remove(staged)
    return Imported(
        target=target,
        rows=rows,
        schema_version=len(found.migrations),
        migrated=later,
        replaced=replaced,
    )


def restore_backup(source: Path, target: Path, *, clock: Clock = utc_now) -> backup.RestoreResult:
    """`capacity restore FILE`: the backup `source` in place of the database at `target`
    (`backup.restore`: a sound capacity database of a schema this code knows, exactly the
    schema its migrations make), its rows first checked with the rules an import of a
    JSON export applies (`export_checks`), on the copy the restore stages: a row the bot
    could not have made is refused with its table, row and column (`backup_invalid`), and
    the database at `target` is left as it was."""
    name = str(source)

    def rows(found: dump_repository.Dump) -> None:
        export_checks.check(found.tables, found.sequences, name, code="backup_invalid")

    return backup.restore(source, target, clock=clock, check=rows)
