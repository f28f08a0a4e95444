"""`capacity restore` holds a backup (a SQLite file) to the rules `capacity import` holds a
JSON export to: every row is checked with the models and rules the use cases apply, on
the copy the restore stages, before anything is replaced. A backup with a row the bot
could not have made is refused naming its table, row and column, and the database stays
byte for byte as it was; the bot's own backups, of every schema version the restore
migrates, restore as before."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from capacity import Capacity, errors
from capacity.storage import dump as dump_repository
from capacity.storage.backup import backup
from capacity.storage.schema import known_migrations, migrations, rebuild_derived
from capacity.storage.store import Store
from capacity.transfer.exports import export
from capacity.transfer.restore import restore_backup
from tests import test_restore
from tests.conftest import ADMIN

# The scenario after Moria (`tests.test_restore`): assigned, settled, an alert, an editor.
_moria_template = test_restore._moria_template
moria = test_restore.moria

CAPACITY = Path(sys.executable).with_name("capacity")  # the installed command
DERIVED = ("reserved", "snapshots", "snapshot_points", "snapshot_paces")


def capacity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CAPACITY), *args], capture_output=True, text=True, timeout=120, check=False
    )


def state(directory: Path) -> dict[str, bytes]:
    """Every file in the directory, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def edited(path: Path, *statements: str) -> Path:
    """The backup at `path` edited as someone with the file could (no trigger of the
    bot's fires: the history is append-only, the figures are not)."""
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    return path


def rows_of(path: Path, table: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    found = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    conn.close()
    return found


OSLO_SPARE = (
    "UPDATE figures SET value = -100 WHERE number = '0301' AND year = 2020 AND measure = 'spare'"
)
ROOT = (
    "INSERT INTO roles (user_id, role, number, granted_at, granted_by) "
    "VALUES ('U_EVIL', 'root', '', '2026-12-01T10:00:00.000000+00:00', 'U_EVIL')"
)


@pytest.mark.slow  # processes
def test_the_audits_backup_is_refused_naming_table_row_and_column_and_changes_nothing(
    on_disk, tmp_path
):
    """What the acceptance check found: this backup restored, and then `capacity roles
    U_EVIL` failed with "'root' is not a valid Role"."""
    live = Path(on_disk.store.path)
    saved = edited(backup(live, tmp_path / "saved" / "backup.db").target, OSLO_SPARE, ROOT)
    on_disk.store.close()  # the bot is stopped for a restore
    before = state(live.parent)

    result = capacity("restore", str(saved), "--db", str(live))
    roles = capacity("roles", "U_EVIL", "--db", str(live))

    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 3, result.stderr
    assert lines[0] == (
        f"Error: {saved} has 2 problems with capacity-bot's own rules, so it is not "
        "restored; nothing was changed"
    )
    assert lines[1].startswith("  figures row ") and lines[1].endswith(
        ", value: spare capacity must be a whole number from 0 to 100000, not -100"
    )
    assert lines[2].startswith("  roles row ") and lines[2].endswith(
        ", role: Unknown role 'root': use admin or editor"
    )
    assert state(live.parent) == before  # nothing replaced, copied or staged
    assert roles.returncode == 0 and roles.stdout.startswith("U_EVIL has no roles"), roles.stderr


EDITS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "batch status hacked": (
        ("UPDATE batches SET status = 'hacked' WHERE id = 1",),
        "batches",
        "status",
    ),
    "batch of 10^12": (
        ("UPDATE batches SET persons = 1000000000000 WHERE id = 2",),
        "batches",
        "persons",
    ),
    "assignment of 10^12": (
        ("UPDATE allocations SET persons = 1000000000000 WHERE id = 1",),
        "allocations",
        "persons",
    ),
    "history not JSON": (
        (
            "INSERT INTO changes (at, actor, entity, key, after) VALUES "
            "('2026-12-01T10:00:00.000000+00:00', 'U_X', 'batch', 'batch/1', '{not json')",
        ),
        "changes",
        "after",
    ),  # fmt: skip
    "planning year 99999": (("UPDATE settings SET value = '99999'",), "settings", "value"),
    "alert hacked": (("UPDATE outbox SET status = 'hacked'",), "outbox", "status"),
    "counter at the end": (
        ("UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'changes'",),
        "sequences",
        "changes",
    ),
}


@pytest.mark.parametrize(("sql", "table", "column"), EDITS.values(), ids=EDITS.keys())
@pytest.mark.slow  # a backup and a restore each
def test_a_backup_with_a_row_the_bot_could_not_have_made_is_refused_and_the_database_stays(
    moria, tmp_path, sql, table, column
):
    live = Path(moria.store.path)
    saved = edited(backup(live, tmp_path / "backup.db").target, *sql)
    before = state(live.parent)

    with pytest.raises(errors.InvalidExport) as refused:
        restore_backup(saved, live)

    assert refused.value.code == "backup_invalid"
    first = refused.value.problems[0]
    assert (first.table, first.column) == (table, column), refused.value.problems
    assert state(live.parent) == before


@pytest.mark.slow  # a backup and a restore
def test_a_refused_restore_into_a_folder_that_is_not_there_leaves_no_folder(moria, tmp_path):
    saved = edited(backup(Path(moria.store.path), tmp_path / "backup.db").target, ROOT)

    with pytest.raises(errors.InvalidExport):
        restore_backup(saved, tmp_path / "new" / "deeper" / "capacity.db")

    assert not (tmp_path / "new").exists()


@pytest.mark.slow  # a backup and a restore
def test_a_sound_backup_restores_whole_with_the_totals_it_derives_unchanged(moria, tmp_path):
    live = Path(moria.store.path)
    saved = backup(live, tmp_path / "backup.db").target
    before = export(moria, "json")
    derived = {table: rows_of(live, table) for table in DERIVED}
    moria.report_spare("Trondheim", 70, ADMIN, year=2020, source="after the backup")

    result = restore_backup(saved, live)

    assert export(moria, "json") == before
    assert {table: rows_of(live, table) for table in DERIVED} == derived
    assert result.replaced is not None and result.migrated == ()


@pytest.mark.slow  # a backup and a restore
def test_totals_a_backup_holds_are_recomputed_from_its_rows_not_taken_on_trust(moria, tmp_path):
    live = Path(moria.store.path)
    reserved = moria.capacity("Trondheim", 2020).reserved
    saved = edited(
        backup(live, tmp_path / "backup.db").target,
        "UPDATE reserved SET persons = 99999 WHERE number = '5001' AND year = 2020",
        "UPDATE batches SET allocated = 0",
    )

    restore_backup(saved, live)

    assert moria.capacity("Trondheim", 2020).reserved == reserved > 0
    assert moria.batch("Moria 2020").allocated == 50


def at_version(source: Path, path: Path, version: int) -> Path:
    """The database at `source` as a bot of schema version `version` would hold it:
    the schema of the first `version` migrations, and the rows of its tables and columns."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
        found = dump_repository.dump(Database(conn))
    conn.close()
    db = Database(path)
    known = known_migrations()
    migrations.apply(db, stop_before=known[version] if version < len(known) else None)
    have = {table: set(dump_repository.columns(db, table)) for table in dump_repository.tables(db)}
    rows = {
        table: [{c: v for c, v in row.items() if c in have[table]} for row in found.tables[table]]
        for table in have
    }
    db.conn.execute("BEGIN")
    dump_repository.load(db, rows, {t: s for t, s in found.sequences.items() if t in have})
    rebuild_derived(db)
    db.conn.execute("COMMIT")
    db.conn.close()
    return path


@pytest.mark.parametrize("version", range(1, len(known_migrations()) + 1))
@pytest.mark.slow  # a database of that schema built, restored and migrated
def test_the_bots_own_backup_of_every_schema_version_restores_and_is_migrated(
    moria, tmp_path, version
):
    old = at_version(Path(moria.store.path), tmp_path / f"schema-{version}.db", version)

    result = restore_backup(old, tmp_path / "restored.db")

    assert result.migrated == known_migrations()[version:]
    restored = Capacity(Store(result.target))
    for place in ("Trondheim", "Oslo", "Bergen"):  # (a source's date is of schema 5 on)
        now, was = restored.capacity(place, 2020), moria.capacity(place, 2020)
        assert (now.reserved, now.spare, now.overbooked) == (
            was.reserved,
            was.spare,
            was.overbooked,
        )
        assert {m: f.value for m, f in now.figures.items()} == {
            m: f.value for m, f in was.figures.items()
        }
    assert [b.allocated for b in restored.batches()] == [b.allocated for b in moria.batches()]
    assert restored.roles("U_EDITOR") == moria.roles("U_EDITOR")
    assert len(restored.history()) == len(moria.history())
    restored.store.close()


def test_the_refusal_reads_in_every_language():
    from capacity.texts.i18n import catalogue

    error = errors.InvalidExport("b.db", [], 2, code="backup_invalid")
    said: Callable[[str], str] = lambda language: catalogue(language, "plain").refusal(error)  # noqa: E731
    assert said("en").endswith("so it is not restored; nothing was changed")
    assert said("nb").endswith("så den blir ikke gjenopprettet; ingenting ble endret")
    assert said("nn").endswith("så han blir ikkje lagd tilbake; ingenting vart endra")
