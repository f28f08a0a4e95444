"""Upgrades: a database of an older schema is backed up beside itself, named for its
schema version, before this version migrates it, and the start says so; `capacity
migrate --check` lists what would run and changes nothing; a database of a newer schema
is still refused, with no backup made; a backup that cannot be made stops the upgrade."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from capacity import errors, open_capacity
from capacity.cli import cli
from capacity.storage.backup import inspect
from capacity.storage.schema import known_migrations
from tests.test_unwritable import fill, small_disk  # noqa: F401 - a fixture


def files(directory: Path) -> dict[str, str]:
    """Every file in the directory and a digest of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def applied(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    conn.close()
    return names


@pytest.mark.slow  # 0.35 s: the schema with one more migration, worked out
def test_a_start_on_an_older_database_backs_it_up_beside_itself_first(seeded_db, upgrade):
    version = len(known_migrations())
    added = upgrade()
    service = open_capacity(seeded_db)
    done = service.upgrade
    service.store.close()
    assert (done.before, done.after, done.applied) == (version, version + 1, (added,))
    assert done.backup.parent == seeded_db.parent
    assert done.backup.name.startswith(f"capacity.db.schema-{version}-")
    assert inspect(done.backup).migrations == known_migrations()[:version]  # as it was
    assert applied(seeded_db)[-1] == added
    assert str(done) == (
        f"Upgraded {seeded_db} from schema version {version} to {version + 1} ({added}); "
        f"backed up first to {done.backup}"
    )


@pytest.mark.slow  # a new database seeded (0.25 s)
def test_a_new_database_or_one_up_to_date_takes_no_backup(tmp_path, seeded_db):
    fresh = open_capacity(tmp_path / "new.db")
    current = open_capacity(seeded_db)
    assert (fresh.upgrade, current.upgrade) == (None, None)
    fresh.store.close()
    current.store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if ".schema-" in p.name) == []


@pytest.mark.slow  # three commands (0.3 s)
def test_capacity_migrate_check_lists_what_would_run_and_changes_nothing(seeded_db, upgrade):
    added = upgrade()
    env = {"CAPACITY_DB": str(seeded_db)}
    before = files(seeded_db.parent)
    check = CliRunner().invoke(cli, ["migrate", "--check"], env=env)
    assert check.exit_code == 1, check.output
    version = len(known_migrations()) - 1
    assert check.output == (
        f"{seeded_db}: schema version {version}; this version would apply 1 migration(s), "
        f"after a backup beside it:\n  {added}\n"
    )
    assert files(seeded_db.parent) == before

    migrated = CliRunner().invoke(cli, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert migrated.output.startswith(f"Upgraded {seeded_db} from schema version {version} to ")
    [kept] = [p for p in seeded_db.parent.iterdir() if ".schema-" in p.name]
    assert f"backed up first to {kept}" in migrated.output

    again = CliRunner().invoke(cli, ["migrate", "--check"], env=env)
    assert again.exit_code == 0
    assert (
        again.output == f"{seeded_db}: schema version {version + 1}, up to date; nothing to apply\n"
    )


def test_any_command_on_an_older_database_says_it_upgraded_it(seeded_db, upgrade):
    upgrade()
    shown = CliRunner().invoke(cli, ["show", "Oslo", "--db", str(seeded_db)])
    assert shown.exit_code == 0
    assert f"Upgraded {seeded_db} from schema version" in shown.output  # on stderr


@pytest.mark.slow  # 0.3 s
def test_a_database_of_a_newer_schema_is_refused_and_no_backup_is_made(
    seeded_db, upgrade, monkeypatch
):
    upgrade()
    open_capacity(seeded_db).store.close()  # written by the newer version
    for kept in seeded_db.parent.glob("*.schema-*"):
        kept.unlink()
    monkeypatch.undo()  # this version again
    before = files(seeded_db.parent)["capacity.db"]
    with pytest.raises(errors.DatabaseProblem) as refused:
        open_capacity(seeded_db)
    assert refused.value.code == "newer_schema" and "m900_role_notes" in str(refused.value)
    check = CliRunner().invoke(cli, ["migrate", "--check", "--db", str(seeded_db)])
    assert check.exit_code == 1 and "written by a newer version" in check.output
    assert files(seeded_db.parent)["capacity.db"] == before
    assert list(seeded_db.parent.glob("*.schema-*")) == []


def test_an_upgrade_whose_backup_cannot_be_made_migrates_nothing(small_disk, seeded_db, upgrade):  # noqa: F811
    db = small_disk / "capacity.db"
    db.write_bytes(seeded_db.read_bytes())
    upgrade()
    filler = fill(small_disk)
    os.truncate(filler, filler.stat().st_size - (1 << 20))  # room to open it, not to copy it
    with pytest.raises(errors.DatabaseProblem) as refused:
        open_capacity(db)
    assert refused.value.code == "upgrade_backup_failed"
    assert "m900_role_notes" in str(refused.value) and "the disk is full" in str(refused.value)
    assert "m900_role_notes" not in applied(db)
    assert [p.name for p in small_disk.iterdir() if ".schema-" in p.name] == []
