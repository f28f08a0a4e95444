"""The replay keys kept in the database (`capacity.storage.replays`, through the facade's
`Capacity.replays`): taken once across connections, answered, expired after the window
and deleted on the way (the table does not grow), left out of exports and cleared by a
restore; and a table that cannot be written refuses as the core's writes do."""

from __future__ import annotations

import json
import sqlite3

import pytest

from capacity import Capacity, errors
from capacity.storage import backup
from capacity.storage.replays import EXPIRED_PER_TAKE, ReplayTable, Seen
from capacity.storage.store import Store


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table(seeded_db):
    clock = Clock()
    found = ReplayTable(str(seeded_db), clock)
    yield found, clock
    found.close()


def test_a_key_is_taken_once_and_its_copy_finds_the_answer_kept_under_any_of_its_keys(
    table, seeded_db
):
    one, clock = table
    other = ReplayTable(str(seeded_db), clock)  # another process's connection
    try:
        assert one.take(["sig-a", "event:Ev1"]) is None
        assert other.take(["sig-b", "event:Ev1"]) == Seen(1, 0, "", b"")  # pending
        one.keep(["sig-a", "event:Ev1"], 200, "application/json", b'{"text": "ok"}')
        assert other.take(["sig-a"]) == Seen(0, 200, "application/json", b'{"text": "ok"}')
        one.keep(["sig-a"], 500, "text/plain", b"later")  # the first answer stays
        assert other.find(["sig-a"]) == Seen(0, 200, "application/json", b'{"text": "ok"}')
    finally:
        other.close()


def test_a_key_past_its_window_no_longer_matches_and_is_taken_anew(table):
    replays, clock = table
    assert replays.take(["sig-a"]) is None
    replays.keep(["sig-a"], 200, "text/plain", b"first")
    clock.now += 300
    assert replays.find(["sig-a"]) == Seen(0, 200, "text/plain", b"first")  # the last second
    clock.now += 1
    assert replays.find(["sig-a"]) is None
    assert replays.take(["sig-a"]) is None  # a new request under it: pending again
    assert replays.find(["sig-a"]) == Seen(0, 0, "", b"")


@pytest.mark.slow
def test_expired_keys_are_deleted_on_the_way_so_the_table_holds_only_the_window(table):
    replays, clock = table
    for second in range(3_000):  # ten a second for five minutes, then as much again
        if second % 10 == 0:
            clock.now += 1
        replays.take([f"sig-{second}"])
        assert replays.count() <= 3_010 + EXPIRED_PER_TAKE
    # the window holds 3,000 keys at most (300 s at ten a second); after it the deletion
    # catches up, many expired keys at each take
    for second in range(3_000, 6_000):
        if second % 10 == 0:
            clock.now += 1
        replays.take([f"sig-{second}"])
    assert replays.count() <= 3_010 + 10
    clock.now += 10_000  # a quiet hour: the next takes empty the table
    takes = replays.count() // EXPIRED_PER_TAKE + 1
    for n in range(takes):
        replays.take([f"late-{n}"])
    assert replays.count() == takes  # the new keys alone


@pytest.mark.slow
def test_a_table_that_cannot_be_written_refuses_as_a_write_does(tmp_path, table):
    replays, clock = table
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    missing = ReplayTable(str(empty), clock)  # no such table: the write fails
    try:
        with pytest.raises(errors.Unwritable):
            missing.take(["sig-a"])
    finally:
        missing.close()
    holder = sqlite3.connect(replays.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(errors.Busy):
            replays.take(["sig-b"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_the_facade_keeps_keys_only_for_a_database_file(seeded_db):
    on_disk = Capacity(Store(seeded_db))
    in_memory = Capacity(Store(":memory:"))
    try:
        assert on_disk.replays is not None and in_memory.replays is None
        assert on_disk.replays.take(["sig-a"]) is None
    finally:
        on_disk.replays.close()
        on_disk.store.close()


@pytest.mark.slow
def test_replay_keys_are_in_no_export_and_a_restore_clears_them(seeded_db, tmp_path):
    service = Capacity(Store(seeded_db))
    assert service.replays is not None
    service.replays.take(["sig-kept", "event:Ev9"])
    service.replays.keep(["sig-kept", "event:Ev9"], 200, "text/plain", b"done")
    try:
        assert "replays" not in service.dump().tables
        copy = tmp_path / "backup.db"
        backup.backup(seeded_db, copy)
        assert sqlite3.connect(copy).execute("SELECT count(*) FROM replays").fetchone() == (2,)
        restored = tmp_path / "restored.db"
        backup.restore(copy, restored)
        service.health()  # the schema is the migrations' own, the table with it
    finally:
        service.replays.close()
        service.store.close()
    conn = sqlite3.connect(restored)
    assert conn.execute("SELECT count(*) FROM replays").fetchone() == (0,)
    conn.close()
    assert json.dumps(Capacity(Store(restored)).dump().tables)  # restored and readable
