"""Upgrades: a database of an older schema is backed up before this version's migrations
change it (beside it, named for its schema version), in the migrations' own write
transaction, so that the copy is exactly what was there; a backup that fails stops the
upgrade, and nothing is migrated. `check` says what a start would do, changing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from capacity import errors
from capacity.storage import backup_files, migration_plan
from capacity.storage.migration_plan import MigrationPlan
from capacity.usecases.core import Core


@dataclass(frozen=True)
class Upgrade:
    """What a start did to an older database: its schema version before and after, the
    migrations it applied, and the backup it took first."""

    path: str
    before: int
    applied: tuple[str, ...]
    backup: Path

    @property
    def after(self) -> int:
        return self.before + len(self.applied)

    def __str__(self) -> str:
        return (
            f"Upgraded {self.path} from schema version {self.before} to {self.after} "
            f"({', '.join(self.applied)}); backed up first to {self.backup}"
        )


def migrate(core: Core) -> Upgrade | None:
    """Apply this version's pending migrations, backing the database up first when it
    holds an older version's schema (a new database has nothing to keep). Returns what
    was done to an older database, else None."""
    if core.store.memory:
        core.store.migrate()
        return None
    done: list[Upgrade] = []
    path = Path(core.store.path)

    def back_up_first(applied: tuple[str, ...], pending: tuple[str, ...]) -> None:
        if not applied:
            return
        try:
            result = backup_files.before_upgrade(path, len(applied), clock=core.clock)
        except errors.CapacityError as problem:
            raise errors.DatabaseProblem(
                "upgrade_backup_failed", path=str(path), names=", ".join(pending), why=str(problem)
            ) from None
        done.append(Upgrade(str(path), len(applied), pending, result.target))

    core.store.migrate(before=back_up_first)
    return done[0] if done else None


def check(path: Path) -> MigrationPlan:
    """The migrations a start would apply to the database at `path`, read only."""
    return migration_plan.plan(path)
