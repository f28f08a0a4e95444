"""The retention prefers a backup that passes its check: a day's sound backup is kept and a
damaged one taken after it deleted, by hand (`capacity backup --list/--prune`) and after a
scheduled backup; nothing is deleted when no backup passes; a backup is checked again only
once its file has changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from capacity.cli import cli
from capacity.domain.backups import Keep
from capacity.storage import backup_files
from capacity.storage.backup import backup, inspect
from capacity.usecases.backups import prune
from tests import test_backup_schedule
from tests.test_backup_schedule import DUE, names, plan, scheduled

backups = test_backup_schedule.backups  # the fixture: a backup directory


def damage(path: Path) -> Path:
    """A backup file whose pages are garbage after its header (it fails its check)."""
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    return path


def test_prune_keeps_a_days_sound_backup_and_deletes_the_damaged_one_taken_after_it(
    on_disk, backups, tmp_path
):
    env = {"CAPACITY_DB": str(on_disk.store.path)}
    sound = backup(Path(on_disk.store.path), tmp_path / "sound.db").target
    shutil.copy(sound, backups / "capacity-20261202T010000.db")  # 02:00 in Oslo
    damage(backups / "capacity-20261202T020000.db")  # 03:00, the same day

    listing = CliRunner().invoke(cli, ["backup", "--list", str(backups), "--keep", "1d"], env=env)
    done = CliRunner().invoke(cli, ["backup", "--prune", str(backups), "--keep", "1d"], env=env)

    lines = listing.output.splitlines()
    assert "FAILS ITS CHECK" in lines[0] and lines[0].endswith("[to prune]"), listing.output
    assert lines[1].startswith("2026-12-02 02:00") and lines[1].endswith("[kept]")
    assert done.exit_code == 0 and "Kept 1 backup(s)" in done.output, done.output
    assert names(backups) == ["capacity-20261202T010000.db"]


def test_prune_deletes_nothing_when_no_backup_passes_its_check(on_disk, backups):
    env = {"CAPACITY_DB": str(on_disk.store.path)}
    for day in (1, 2, 3):
        damage(backups / f"capacity-202612{day:02d}T020000.db")
    done = CliRunner().invoke(cli, ["backup", "--prune", str(backups), "--keep", "1d"], env=env)
    assert done.exit_code == 0 and "Kept 3 backup(s)" in done.output and "Deleted 0" in done.output
    assert len(names(backups)) == 3


def test_the_retention_checks_a_backup_again_only_once_its_file_has_changed(
    on_disk, backups, tmp_path, monkeypatch
):
    sound = backup(Path(on_disk.store.path), tmp_path / "sound.db").target
    for day in (1, 2):
        shutil.copy(sound, backups / f"capacity-202612{day:02d}T020000.db")
    asked: list[str] = []
    checked = backup_files.checked
    monkeypatch.setattr(backup_files, "checked", lambda f: asked.append(f.path.name) or checked(f))
    database = Path(on_disk.store.path)

    prune(database, backups, Keep(daily=2, weekly=0), dry_run=True)
    prune(database, backups, Keep(daily=2, weekly=0), dry_run=True)
    damage(backups / "capacity-20261202T020000.db")
    after = prune(database, backups, Keep(daily=2, weekly=0), dry_run=True)

    newest, older = "capacity-20261202T020000.db", "capacity-20261201T020000.db"
    assert asked == [newest, older, newest]
    assert [f.path.name for f in after.kept] == [older]


def test_the_scheduled_retention_keeps_the_new_backup_over_a_damaged_one_of_the_same_day(
    on_disk, clock, backups
):
    clock.now = DUE
    damage(backups / "capacity-20261202T013000.db")  # earlier that night, and damaged
    damage(backups / "capacity-20261202T030000.db")  # later the same day, and damaged
    outcome = scheduled(on_disk, plan(backups, Keep(daily=1, weekly=0)), clock)()
    assert outcome is not None and outcome.status == "taken"
    assert names(backups) == ["capacity-20261202T020000.db"]
    assert inspect(backups / "capacity-20261202T020000.db").schema_version > 0
