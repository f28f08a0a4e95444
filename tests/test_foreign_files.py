"""Restores and imports hold only what the bot made: a backup with a trigger, view, table
or index the migrations do not make (or one of theirs with other SQL) is refused with its
name, from the command line as an operator types it, and the database stays as it was."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from capacity.storage.backup import backup
from tests.test_health import ALTERED_TRIGGER, PLANTED_TRIGGER

CAPACITY = Path(sys.executable).with_name("capacity")  # the installed command


def capacity(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CAPACITY), *args], capture_output=True, text=True, timeout=120, check=False
    )


def planted(path: Path, sql: str) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path


def state(directory: Path) -> dict[str, bytes]:
    """Every file in the directory, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def roles(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    found = conn.execute("SELECT user_id, role FROM roles ORDER BY user_id").fetchall()
    conn.close()
    return found


@pytest.mark.slow  # two processes
def test_a_planted_trigger_grants_admin_with_a_report_and_the_start_refuses_it(seeded_db, tmp_path):
    """What the audit found: the trigger makes whoever reports an admin. The database
    is now refused before anything runs on it."""
    victim = tmp_path / "victim.db"
    victim.write_bytes(seeded_db.read_bytes())
    planted(victim, PLANTED_TRIGGER)
    conn = sqlite3.connect(victim)  # what the trigger would do, were it let run
    conn.execute(
        "INSERT INTO changes (at, actor, entity, key) VALUES ('2026', 'U_ANYONE', 'figure', 'x')"
    )
    assert conn.execute("SELECT user_id, role FROM roles").fetchall() == [("U_ANYONE", "admin")]
    conn.rollback()
    conn.close()
    before = state(tmp_path)

    report = capacity(
        "report-spare", "Oslo", "80", "--source", "e-post", "--by", "U_ANYONE", "--db", str(victim)
    )

    assert report.returncode == 1, report.stderr
    assert "TRIGGER grant_admin" in report.stderr and "Traceback" not in report.stderr
    assert state(tmp_path) == before
    assert roles(victim) == []


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        (PLANTED_TRIGGER, "holds TRIGGER grant_admin, which capacity-bot's migrations do not"),
        (ALTERED_TRIGGER, "holds TRIGGER changes_append_only_delete with other SQL"),
        ("CREATE VIEW everyone AS SELECT * FROM roles", "holds VIEW everyone"),
        ("CREATE TABLE notes (body TEXT)", "holds TABLE notes"),
    ],
    ids=["planted-trigger", "altered-trigger", "planted-view", "planted-table"],
)
@pytest.mark.slow  # a process each
def test_capacity_restore_refuses_a_backup_with_objects_the_migrations_do_not_make(
    on_disk, tmp_path, sql, says
):
    live = Path(on_disk.store.path)
    saved = backup(live, tmp_path / "saved" / "backup.db").target
    planted(saved, sql)
    on_disk.store.close()  # the bot is stopped for a restore
    before = state(live.parent)

    result = capacity("restore", str(saved), "--db", str(live))

    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(f"Error: {saved} {says}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert state(live.parent) == before  # nothing replaced, copied or staged


def test_a_backup_of_a_database_with_a_planted_trigger_is_refused_and_leaves_no_file(
    seeded_db, tmp_path
):
    planted(seeded_db, PLANTED_TRIGGER)
    (tmp_path / "out").mkdir()

    with pytest.raises(Exception, match="TRIGGER grant_admin"):
        backup(seeded_db, tmp_path / "out" / "backup.db")

    assert list((tmp_path / "out").iterdir()) == []
