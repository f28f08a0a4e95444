"""`capacity backup` and `capacity restore`: consistent copies of a database in use, and
restores that refuse what is not ours and never lose the database they replace."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capacity import Capacity, errors
from capacity.storage.backup import backup, restore
from capacity.storage.store import Store
from capacity.transfer.exports import export
from tests.conftest import ADMIN

WRITER = """
import sys
from pathlib import Path
from capacity import Actor, Capacity
service = Capacity.open(sys.argv[1])
stop, i = Path(sys.argv[2]), 0
while not stop.exists():
    service.report_spare("Oslo", 1000 + i, Actor(id="writer", trusted=True), source="loop")
    i += 1
"""


def spare(path: Path, place: str = "0301") -> tuple[int, int]:
    """(Oslo's reported spare for 2020, how many history records that figure has)."""
    with sqlite3.connect(path) as conn:
        value = conn.execute(
            "SELECT value FROM figures WHERE number = ? AND year = 2020 AND measure = 'spare'",
            [place],
        ).fetchone()[0]
        records = conn.execute(
            "SELECT count(*) FROM changes WHERE key = ?", [f"{place}/2020/spare"]
        ).fetchone()[0]
    conn.close()
    return value, records


def files(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


def refused(code: str, call, *args, **kwargs) -> errors.CapacityError:
    with pytest.raises(errors.CapacityError) as raised:
        call(*args, **kwargs)
    assert raised.value.code == code, str(raised.value)
    return raised.value


# -- backing up ----------------------------------------------------------------------------


def test_a_backup_holds_what_is_still_in_the_write_ahead_log_and_a_file_copy_does_not(
    on_disk, tmp_path
):
    on_disk.store.db.execute("PRAGMA wal_autocheckpoint = 0")
    on_disk.report_spare("Oslo", 61, ADMIN, year=2020, source="e-post")
    live = Path(on_disk.store.path)
    shutil.copy(live, tmp_path / "copied.db")  # what copying data/capacity.db gives

    result = backup(live, tmp_path / "backup.db")

    assert spare(tmp_path / "copied.db")[0] == 73  # the change is still in the WAL
    assert spare(result.target) == (61, 2)
    assert result.info.schema_version == on_disk.version()
    assert result.info.history_records == len(on_disk.history())


@pytest.mark.slow
def test_backups_taken_while_another_process_writes_are_each_one_consistent_state(
    on_disk, tmp_path
):
    live, stop = Path(on_disk.store.path), tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(stop)])
    try:
        seen: list[tuple[int, int]] = []
        for n in range(6):
            deadline = time.monotonic() + 30
            while spare(live) in ([(73, 1)] + seen[-1:]) and time.monotonic() < deadline:
                time.sleep(0.005)  # wait for the writer's next change
            copy = backup(live, tmp_path / f"backup-{n}.db").target
            assert writer.poll() is None, "the writer was still writing"
            seen.append(spare(copy))
    finally:
        stop.touch()
        assert writer.wait(timeout=60) == 0

    for value, records in seen:  # each copy: the figure and its history agree
        assert records == value - 1000 + 2
    assert [value for value, _ in seen] == sorted(set(value for value, _ in seen))
    for n in range(6):
        with sqlite3.connect(tmp_path / f"backup-{n}.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        conn.close()


def test_a_backup_into_a_directory_is_named_by_its_time(on_disk, tmp_path):
    target = tmp_path / "backups"
    target.mkdir()

    result = backup(Path(on_disk.store.path), target)

    assert result.target.parent == target
    assert result.target.name.startswith("capacity-") and result.target.suffix == ".db"
    assert files(target) == {result.target.name}


def test_a_backup_never_overwrites_a_file(on_disk, tmp_path):
    existing = tmp_path / "old.db"
    existing.write_bytes(b"an older backup")

    refused("backup_exists", backup, Path(on_disk.store.path), existing)
    refused("same_file", backup, Path(on_disk.store.path), Path(on_disk.store.path))

    assert existing.read_bytes() == b"an older backup"


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"number,year\n0301,2020\n", "not_sqlite"), (None, "not_capacity")],
)
def test_a_backup_of_what_is_not_a_capacity_database_is_refused_and_leaves_no_file(
    tmp_path, content, code
):
    source = tmp_path / "source.db"
    if content is None:
        sqlite3.connect(source).execute("CREATE TABLE other (x)").connection.close()
    else:
        source.write_bytes(content)
    (tmp_path / "out").mkdir()

    refused(code, backup, source, tmp_path / "out" / "backup.db")
    refused("no_database", backup, tmp_path / "missing.db", tmp_path / "out" / "b.db")

    assert files(tmp_path / "out") == set()


# -- restoring -----------------------------------------------------------------------------


@pytest.mark.slow
def test_restore_brings_the_backup_back_and_keeps_the_replaced_database_beside_it(
    on_disk, tmp_path
):
    live = Path(on_disk.store.path)
    saved = backup(live, tmp_path / "saved.db").target
    before = export(on_disk, "json")
    on_disk.report_spare("Trondheim", 7, ADMIN, year=2020, source="after the backup")
    changed = export(on_disk, "json")

    result = restore(saved, live)

    assert export(on_disk, "json") == before  # the open service reads the restored data
    assert on_disk.capacity("Trondheim", 2020).spare == 115
    assert result.replaced is not None and result.replaced.name.startswith("capacity.db.replaced-")
    kept = Capacity(Store(result.replaced))
    assert export(kept, "json") == changed
    kept.store.close()
    assert result.migrated == ()


@pytest.mark.slow
def test_restore_creates_a_database_that_is_not_there(on_disk, tmp_path):
    saved = backup(Path(on_disk.store.path), tmp_path / "saved.db").target

    result = restore(saved, tmp_path / "new" / "capacity.db")

    assert result.replaced is None
    restored = Capacity(Store(result.target))
    assert export(restored, "json") == export(on_disk, "json")
    restored.store.close()
    assert files(tmp_path / "new") == {"capacity.db"}


def damaged(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\xa5" * (4096 * 3)
    path.write_bytes(bytes(data))
    return path


def newer(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('capacity', 'm999_from_the_future', '2030-01-01')"
        )
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda path: path.write_text("number,year\n") and path, "not_sqlite"),
        (lambda path: sqlite3.connect(path).execute("CREATE TABLE x (y)") and path, "not_capacity"),
        (damaged, "damaged"),
        (newer, "newer_schema"),
    ],
)
@pytest.mark.slow
def test_restore_refuses_what_is_not_a_sound_capacity_database_of_a_known_schema(
    on_disk, tmp_path, make, code
):
    live = Path(on_disk.store.path)
    candidate = tmp_path / "candidate.db"
    if code in ("damaged", "newer_schema"):
        backup(live, candidate)
    make(candidate)
    before = export(on_disk, "json")
    present = files(live.parent)

    refused(code, restore, candidate, live)

    assert export(on_disk, "json") == before
    assert files(live.parent) == present  # no replaced copy, no staged file


def test_restore_refuses_the_database_itself(on_disk):
    live = Path(on_disk.store.path)
    refused("same_file", restore, live, live)


def test_an_older_backup_is_migrated_when_restored(on_disk, tmp_path, upgrade):
    on_disk.create_batch("Moria 2020", 50, ADMIN, year=2020)
    on_disk.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    old = backup(Path(on_disk.store.path), tmp_path / "old.db").target
    name = upgrade()  # the code is upgraded; the backup is older

    result = restore(old, tmp_path / "restored.db")

    assert result.migrated == (name,)
    assert result.info.migrations[-1] == name
    restored = Capacity(Store(result.target))
    assert restored.capacity("Trondheim", 2020).reserved == 20
    assert restored.batch("Moria 2020").allocated == 20
    assert restored.roles(ADMIN.id) == on_disk.roles(ADMIN.id)
    restored.store.close()


def test_restore_over_a_damaged_database_keeps_the_damaged_file_whole(on_disk, tmp_path):
    saved = backup(Path(on_disk.store.path), tmp_path / "saved.db").target
    broken = tmp_path / "broken" / "capacity.db"
    broken.parent.mkdir()
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50 + b"garbage" * 1000)
    original = broken.read_bytes()

    result = restore(saved, broken)

    assert result.replaced is not None and result.replaced.read_bytes() == original
    restored = Capacity(Store(broken))
    assert restored.capacity("Trondheim", 2020).spare == 115
    restored.store.close()


def test_a_backup_of_another_page_size_restores_into_a_database_in_use(on_disk, tmp_path):
    saved = backup(Path(on_disk.store.path), tmp_path / "saved.db").target
    with sqlite3.connect(saved, isolation_level=None) as conn:
        conn.execute("PRAGMA page_size = 8192")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    conn.close()
    on_disk.report_spare("Bergen", 3, ADMIN, year=2020, source="after")

    restore(saved, Path(on_disk.store.path))

    assert on_disk.capacity("Bergen", 2020).spare == 50


@pytest.mark.slow
def test_a_restore_while_another_process_writes_leaves_a_sound_database(on_disk, tmp_path):
    live, stop = Path(on_disk.store.path), tmp_path / "stop"
    saved = backup(live, tmp_path / "saved.db").target
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(live), str(stop)])
    try:
        deadline = time.monotonic() + 30
        while spare(live) == (73, 1) and time.monotonic() < deadline:
            time.sleep(0.005)
        result = restore(saved, live)
        assert writer.poll() is None, "the writer was still writing"
    finally:
        stop.touch()
        assert writer.wait(timeout=60) == 0

    value, records = spare(result.replaced)
    assert records == value - 1000 + 2  # the replaced copy is one state of the writer's
    with sqlite3.connect(live) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        last = conn.execute(
            "SELECT after FROM changes WHERE key = '0301/2020/spare' ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    conn.close()
    assert int(last) == spare(live)[0]  # the figure and its history agree


def test_every_refusal_has_a_text_in_both_languages_and_the_new_ones_read_in_bokmal():
    from capacity.texts.i18n import catalogue

    english, bokmal = catalogue("en", "plain"), catalogue("nb", "plain")
    # the same keys, the singulars (`import_one`) too: tests/test_catalogues.py
    assert set(english.entries["refusal"]) == set(bokmal.entries["refusal"])
    error = errors.DatabaseProblem("holds_data", path="ny.db", what="batches: 2")
    assert bokmal.refusal(error).startswith("databasen ny.db har data fra før")
    assert "Nothing was changed" in english.refusal(error)
