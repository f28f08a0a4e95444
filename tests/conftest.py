from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from capacity import Actor, Capacity
from capacity.reference.geography import Geography
from capacity.storage.repository import load_geography
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn

ADMIN = Actor(id="U_ADMIN", name="Ada Admin")
CLI = Actor(id="cli:test", name="test", trusted=True)


def pytest_configure(config: pytest.Config) -> None:
    # This machine sets PYTHONDONTWRITEBYTECODE: without their caches, every run rewrote
    # the asserts of the 113 test modules and compiled the code they import, in each of
    # the two workers (about 7 s of CPU apiece, a third of the quick run). From here on,
    # before the test modules are collected, the caches are written under __pycache__
    # (ignored by git, never in the package).
    sys.dont_write_bytecode = False


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


@pytest.fixture(scope="session")
def _seeded_geography(_seeded_template) -> Geography:
    """The seed's reference data (municipalities, their names, groups), read once: every
    copy of the seeded database holds the same, and a `Geography` is never changed in
    place (a change of reference data calls `reload()`, which reads it anew)."""
    store = Store(_seeded_template)
    geography = load_geography(store.db)
    store.close()
    return geography


def sharing(service: Capacity, geography: Geography) -> Capacity:
    """`service` with the session's reference data instead of reading its own (about
    30 ms a service, paid by most tests)."""
    service.core._geography = geography
    return service


def seeded_in_memory(template, geography: Geography | None = None, **options) -> Capacity:
    """What `Capacity.open(":memory:")` makes, copied from the session's seeded file."""
    import sqlite3

    store = Store(":memory:")
    source = sqlite3.connect(template)
    source.backup(store.db.conn)
    source.close()
    service = Capacity(store, **options)
    return sharing(service, geography) if geography else service


@pytest.fixture
def seeded(_seeded_template, _seeded_geography) -> Capacity:
    """A seeded database in memory, as `Capacity.open(":memory:")` makes it: no roles."""
    return seeded_in_memory(_seeded_template, _seeded_geography)


@pytest.fixture
def fresh(_seeded_template, _seeded_geography, clock) -> Capacity:
    """A seeded database in memory, with an admin user U_ADMIN."""
    service = seeded_in_memory(_seeded_template, _seeded_geography, clock=clock)
    service.grant(ADMIN.id, "admin", CLI)
    return service


@pytest.fixture
def seeded_db(_seeded_template, tmp_path) -> Path:
    """A copy of the seeded database file, for a bot server or the CLI to open."""
    path = tmp_path / "capacity.db"
    shutil.copy(_seeded_template, path)
    return path


@pytest.fixture
def admin_db(seeded_db) -> Path:
    """A copy of the seeded database file in which U_ADMIN is an admin (a bot server's)."""
    service = Capacity(Store(seeded_db))
    service.grant(ADMIN.id, "admin", CLI)
    service.store.close()
    return seeded_db


@pytest.fixture
def on_disk(seeded_db, _seeded_geography, clock) -> Capacity:
    """A seeded database file (WAL, one connection per thread)."""
    service = sharing(Capacity(Store(seeded_db), clock=clock), _seeded_geography)
    service.grant(ADMIN.id, "admin", CLI)
    yield service
    service.store.close()


@pytest.fixture
def upgrade(monkeypatch):
    """Call it to make this code one migration ahead of every database (as after an
    upgrade): a column added to `roles`. Returns the migration's name."""
    from capacity.storage.schema import migrations

    def m900_role_notes(db) -> None:
        db.execute("ALTER TABLE roles ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    def apply() -> str:
        added = migrations._Migration("m900_role_notes", m900_role_notes)
        monkeypatch.setattr(migrations, "_migrations", [*migrations._migrations, added])
        return added.name

    return apply


# The bot as a real HTTP server against a stand-in for Slack, for the end-to-end modules
# (a module names its own `db`, and may bring its own `slack`).
@pytest.fixture(scope="module")
def slack():
    with StandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def bot(db, slack):
    with BotServer(db, slack.api_url, language="nb") as server:
        yield server


@pytest.fixture(scope="module")
def bot_en(db, slack):
    with BotServer(db, slack.api_url, language="en") as server:
        yield server
