from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from capacity import Actor, Capacity
from capacity.store import Store

ADMIN = Actor(id="U_ADMIN", name="Ada Admin")
CLI = Actor(id="cli:test", name="test", trusted=True)


class FakeClock:
    """A clock that moves only when told to, for "as of" and retry tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory):
    """Seed one database file per session; tests copy it (seeding takes ~0.5 s)."""
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    service = Capacity.open(str(path))
    service.store.close()
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def seeded_in_memory(template, **options) -> Capacity:
    """What `Capacity.open(":memory:")` makes, copied from the session's seeded file."""
    import sqlite3

    store = Store(":memory:")
    source = sqlite3.connect(template)
    source.backup(store.db.conn)
    source.close()
    return Capacity(store, **options)


@pytest.fixture
def seeded(_seeded_template) -> Capacity:
    """A seeded database in memory, as `Capacity.open(":memory:")` makes it: no roles."""
    return seeded_in_memory(_seeded_template)


@pytest.fixture
def fresh(_seeded_template, clock) -> Capacity:
    """A seeded database in memory, with an admin user U_ADMIN."""
    service = seeded_in_memory(_seeded_template, clock=clock)
    service.grant(ADMIN.id, "admin", CLI)
    return service


@pytest.fixture
def on_disk(_seeded_template, tmp_path, clock) -> Capacity:
    """A seeded database file (WAL, one connection per thread)."""
    import shutil

    path = tmp_path / "capacity.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path), clock=clock)
    service.grant(ADMIN.id, "admin", CLI)
    yield service
    service.store.close()


@pytest.fixture
def upgrade(monkeypatch):
    """Call it to make this code one migration ahead of every database (as after an
    upgrade): a column added to `roles`. Returns the migration's name."""
    from capacity.schema import migrations

    def m900_role_notes(db) -> None:
        db.execute("ALTER TABLE roles ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    def apply() -> str:
        added = migrations._Migration("m900_role_notes", m900_role_notes)
        monkeypatch.setattr(migrations, "_migrations", [*migrations._migrations, added])
        return added.name

    return apply
