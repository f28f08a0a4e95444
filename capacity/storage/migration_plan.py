"""What a start of this version would do to a database's schema, read without changing
anything (`capacity migrate --check`): the migrations it has applied, those this version
would apply, and those it has applied that this version does not know (a newer
version's, which are refused)."""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from capacity import errors
from capacity.storage.backup import SQLITE_HEADER
from capacity.storage.schema import known_migrations, migrations


@dataclass(frozen=True)
class MigrationPlan:
    path: Path
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def version(self) -> int:
        return len(self.applied)


def plan(path: Path) -> MigrationPlan:
    """Read `path` (opened read-only) and compare its migrations with this version's."""
    if not path.is_file():
        raise errors.DatabaseProblem("no_database", path=str(path))
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise errors.DatabaseProblem("not_sqlite", path=str(path))
    # Read only; with no write-ahead log beside it (no process has it open), immutable,
    # so that not even the empty `-wal` and `-shm` files a reader makes are made.
    wal = Path(f"{path}-wal").exists()
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?{'mode=ro' if wal else 'immutable=1'}"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            applied = tuple(m.name for m in migrations.applied(Database(conn)))
    except sqlite3.DatabaseError as error:
        raise errors.DatabaseProblem("damaged", path=str(path), problems=[str(error)]) from None
    if not applied:
        raise errors.DatabaseProblem("not_capacity", path=str(path))
    known = known_migrations()
    return MigrationPlan(
        path=path,
        applied=applied,
        pending=tuple(name for name in known if name not in applied),
        unknown=tuple(name for name in applied if name not in known),
    )
