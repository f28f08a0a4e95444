"""`/healthz` tells whether the bot can serve: the database opens, its schema is the one
this version knows, a read succeeds. A start on a database of a newer schema is refused.
A missing outbox table makes the delivery worker back off and say so once."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import create_app
from bot.http import SlackAsgi
from bot.settings import load_settings
from capacity import Capacity, errors, open_capacity
from capacity.storage.store import Store
from capacity.usecases.notify import OutboxWorker
from tests.asgi import call
from tests.waiting import wait_until

SECRET = "health-secret"


@pytest.fixture
def db(_seeded_template, tmp_path) -> Path:
    path = tmp_path / "capacity.db"
    shutil.copy(_seeded_template, path)
    return path


def healthz(db: Path, change=None) -> tuple[int, dict]:
    """Start the app on `db`, then `change(db)` behind its back, then ask /healthz."""
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    service = Capacity(Store(db))
    asgi = SlackAsgi(create_app(settings, service), SECRET)
    assert asyncio.run(call(asgi, "/healthz")).status == 200
    if change:
        service.store.close()  # the next look opens the file as it is now
        change(db)
    answer = asyncio.run(call(asgi, "/healthz"))
    service.store.close()
    return answer.status, answer.json()


def alter(sql: str):
    def change(db: Path) -> None:
        conn = sqlite3.connect(db)
        conn.executescript(sql)
        conn.close()

    return change


def corrupt(db: Path) -> None:
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for at in range(page, len(data), page):  # every page after the first: garbage
        data[at : at + 64] = b"\xa5" * 64
    db.write_bytes(bytes(data))


# A trigger no migration makes: every history record (every report) makes its actor admin.
PLANTED_TRIGGER = """CREATE TRIGGER grant_admin AFTER INSERT ON changes BEGIN
    INSERT OR IGNORE INTO roles (user_id, role, number, granted_at, granted_by)
    VALUES (NEW.actor, 'admin', '', NEW.at, 'nobody'); END"""
# One of the migrations' triggers, by its name, with another body: the history deletable.
ALTERED_TRIGGER = """DROP TRIGGER changes_append_only_delete;
    CREATE TRIGGER changes_append_only_delete BEFORE DELETE ON changes BEGIN SELECT 1; END"""


def test_a_sound_database_is_healthy(db):
    assert healthz(db) == (200, {"ok": True})


def test_sqlites_own_statistics_tables_are_allowed(db):
    assert healthz(db, alter("ANALYZE")) == (200, {"ok": True})


@pytest.mark.parametrize(
    ("sql", "names"),
    [
        (PLANTED_TRIGGER, "TRIGGER grant_admin"),
        (ALTERED_TRIGGER, "TRIGGER changes_append_only_delete"),
    ],
)
def test_a_database_with_objects_the_migrations_do_not_make_is_not_opened(db, sql, names):
    alter(sql)(db)
    before = db.read_bytes()

    with pytest.raises(errors.DatabaseProblem) as refused:
        open_capacity(db)

    assert refused.value.code in ("foreign_objects", "altered_objects")
    assert names in str(refused.value)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (corrupt, "damaged"),
        (lambda db: db.write_bytes(b"not a database at all" * 100), "damaged"),
        (alter("ALTER TABLE allocations RENAME COLUMN persons TO people"), "no column persons"),
        (alter("DROP TABLE outbox"), "no table outbox"),
        (alter("DROP TRIGGER allocation_added"), "allocation_added"),
        (
            alter(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('capacity', 'm999_from_the_future', '2030-01-01')"
            ),
            "newer version",
        ),
        (
            alter("DELETE FROM _sqlite_migrations WHERE name LIKE 'm006%'"),
            "lacks migrations",
        ),
        (alter(PLANTED_TRIGGER), "TRIGGER grant_admin, which capacity-bot's migrations do not"),
        (alter(ALTERED_TRIGGER), "TRIGGER changes_append_only_delete with other SQL"),
        (alter("CREATE VIEW everyone AS SELECT * FROM roles"), "VIEW everyone"),
        (alter("CREATE TABLE notes (body TEXT)"), "TABLE notes"),
        (alter("CREATE INDEX roles_by_role ON roles (role)"), "INDEX roles_by_role"),
        (alter("DROP INDEX changes_by_key_time"), "lacks INDEX changes_by_key_time"),
    ],
    ids=[
        "corrupt",
        "not-a-database",
        "renamed-column",
        "missing-table",
        "missing-trigger",
        "newer-schema",
        "older-schema",
        "planted-trigger",
        "altered-trigger",
        "planted-view",
        "planted-table",
        "planted-index",
        "missing-index",
    ],
)
def test_a_database_that_cannot_be_served_is_a_503_with_the_reason(db, change, words):
    status, body = healthz(db, change)
    assert status == 503
    assert body["ok"] is False and words in body["reason"], body


def test_a_database_of_a_newer_schema_is_refused_at_the_start(db):
    alter(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('capacity', 'm999_from_the_future', '2030-01-01')"
    )(db)
    before = db.read_bytes()
    with pytest.raises(errors.DatabaseProblem) as refused:
        open_capacity(db)
    assert refused.value.code == "newer_schema" and "m999_from_the_future" in str(refused.value)
    assert db.read_bytes() == before


@pytest.mark.slow
def test_capacity_bot_refuses_to_start_on_a_database_of_a_newer_schema(db):
    alter(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('capacity', 'm999_from_the_future', '2030-01-01')"
    )(db)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
        "CAPACITY_DB": str(db),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "newer version" in done.stderr and "Traceback" not in done.stderr


class Quiet:
    def post(self, event, ref):  # pragma: no cover - never reached: no outbox table
        raise AssertionError("nothing to deliver")


@pytest.mark.slow  # a worker thread backing off in real time
def test_a_missing_outbox_table_is_reported_once_and_the_worker_backs_off(db, caplog):
    service = Capacity(Store(db))
    alter("DROP TABLE outbox")(db)

    def schedule() -> None:  # queueing the weekly summary needs the outbox too
        service.queue_summary()

    worker = OutboxWorker(service.outbox, Quiet(), poll_seconds=0.01, schedule=schedule)
    with caplog.at_level(logging.INFO, logger="capacity"):
        worker.start()
        # its second round, after the first back-off (1 s): reported once, still trying
        wait_until(lambda: worker.failures >= 2, "a second failed round", timeout=10)
        worker.stop()
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in failures] == [
        "Queueing what is due failed",
        "Outbox delivery failed",
    ]
    assert all(r.exc_info and "outbox" in str(r.exc_info[1]) for r in failures)
    assert 2 <= worker.failures <= 3  # it kept trying, backing off (at 0, 1 and 3 s)
    service.store.close()
