"""Scheduled backups in process, the clock driven: each scheduled time backed up once by
two processes and across a restart, the retention applied after the new backup passed
its check, a failed backup recorded, alerted once and warned of on /healthz with the
older backups left as they were, a dead process's time taken over; the alert in each
language; `capacity backup --list/--prune`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import create_app
from bot.backup_blocks import backup_failed_message
from bot.cli import cli as bot_cli
from bot.http import SlackAsgi
from bot.i18n import Texts
from bot.settings import load_settings
from capacity import Capacity, errors
from capacity.cli import cli
from capacity.domain.backup_events import BackupFailed
from capacity.domain.backups import Keep
from capacity.domain.schedule import At
from capacity.storage import backup_process, backup_runs
from capacity.storage.backup import backup, inspect
from capacity.storage.schema import known_migrations
from capacity.storage.store import Store
from capacity.usecases.backups import BackupPlan, ScheduledBackups, health_warning
from tests.asgi import call
from tests.conftest import ADMIN
from tests.prometheus import value
from tests.test_health import PLANTED_TRIGGER

DUE = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 2 December, 03:00 in Oslo
SECRET = "backup-secret"


@pytest.fixture
def backups(tmp_path) -> Path:
    directory = tmp_path / "backups"
    directory.mkdir()
    return directory


DEFAULT_KEEP = Keep(daily=7, weekly=4)


def plan(directory: Path, keep: Keep | None = DEFAULT_KEEP) -> BackupPlan:
    return BackupPlan(directory, At(None, 3, 0), keep)


def scheduled(service: Capacity, the_plan: BackupPlan, clock) -> ScheduledBackups:
    """What a bot process runs at each poll."""
    return ScheduledBackups(
        lambda due: service.take_scheduled_backup(the_plan, due), the_plan.at, clock
    )


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def failures(service: Capacity) -> list:
    return [a for a in service.alerts() if a.event.kind == "backup_failed"]


@pytest.mark.slow  # seven backups (0.25 s)
def test_each_scheduled_time_is_backed_up_once_by_two_processes_and_after_a_restart(
    on_disk, clock, backups
):
    clock.now = DUE - timedelta(minutes=1)
    other = Capacity(Store(on_disk.store.path), clock=clock)  # a second bot process
    the_plan = plan(backups)
    first, second = scheduled(on_disk, the_plan, clock), scheduled(other, the_plan, clock)

    # 02:59: yesterday's 03:00 has no backup (the bot was not running): taken now, once
    assert [first().status, second().status] == ["taken", "done"]
    assert (first(), second()) == (None, None)
    assert names(backups) == ["capacity-20261202T015900.db"]

    clock.advance(minutes=1)  # 03:00
    assert [second().status, first().status] == ["taken", "done"]
    restarted = scheduled(on_disk, the_plan, clock)
    clock.advance(hours=5)
    assert restarted().status == "done" and (first(), second(), restarted()) == (None,) * 3
    assert names(backups) == ["capacity-20261202T020000.db"]  # 02:59's: the same day

    clock.now = DUE + timedelta(days=1, seconds=7)  # Thursday 03:00:07
    assert [first().status, second().status] == ["taken", "done"]
    assert names(backups) == ["capacity-20261202T020000.db", "capacity-20261203T020007.db"]
    last = on_disk.last_backup()
    assert last.ok and last.due == DUE + timedelta(days=1)
    assert Path(last.path) == backups / "capacity-20261203T020007.db"
    assert last.size == Path(last.path).stat().st_size and last.seconds > 0
    assert last.at == clock.now and health_warning(last) is None
    other.store.close()


def test_the_backup_holds_what_was_committed_and_passes_the_check_a_restore_makes(
    on_disk, clock, backups
):
    clock.now = DUE
    on_disk.report_spare("Oslo", 81, ADMIN, source="e-post")
    assert scheduled(on_disk, plan(backups), clock)().status == "taken"
    [copy] = backups.iterdir()
    assert inspect(copy).migrations == tuple(m for m in known_migrations())
    conn = sqlite3.connect(copy)
    [(spare,)] = conn.execute(
        "SELECT value FROM figures WHERE number = '0301' AND year = 2020 AND measure = 'spare'"
    ).fetchall()
    conn.close()
    assert spare == 81


def test_the_retention_deletes_only_older_backups_by_their_names_after_the_new_one_passed(
    on_disk, clock, backups, tmp_path
):
    sound = backup(Path(on_disk.store.path), tmp_path / "sound.db").target
    for day in (1, 2, 3, 4, 5):  # earlier backups, each of its day
        shutil.copy(sound, backups / f"capacity-202611{day:02d}T020000.db")
    (backups / "notes.txt").write_text("ours")
    (backups / "other-20261101T020000.db").write_bytes(b"another database's")
    clock.now = DUE
    outcome = scheduled(on_disk, plan(backups, Keep(daily=3, weekly=0)), clock)()
    assert outcome.status == "taken"
    assert [f.path.name for f in outcome.pruning.deleted] == [
        "capacity-20261101T020000.db",
        "capacity-20261102T020000.db",
        "capacity-20261103T020000.db",
    ]
    assert names(backups) == [
        "capacity-20261104T020000.db",
        "capacity-20261105T020000.db",
        "capacity-20261202T020000.db",
        "notes.txt",
        "other-20261101T020000.db",
    ]
    [row] = backup_runs.latest(on_disk.store.db)
    assert row["pruned"] == 3


@pytest.mark.slow  # 0.2 s
def test_a_backup_that_fails_its_check_leaves_the_older_ones_and_alerts_once(
    on_disk, clock, backups
):
    clock.now = DUE - timedelta(days=1)
    the_plan = plan(backups, Keep(daily=1, weekly=0))
    assert scheduled(on_disk, the_plan, clock)().status == "taken"
    before = names(backups)
    conn = sqlite3.connect(on_disk.store.path)  # someone plants a trigger
    conn.executescript(PLANTED_TRIGGER)
    conn.close()

    clock.now = DUE
    other = Capacity(Store(on_disk.store.path), clock=clock)
    first, second = scheduled(on_disk, the_plan, clock), scheduled(other, the_plan, clock)
    outcome = first()
    assert outcome.status == "failed" and outcome.problem.code == "foreign_objects"
    assert second().status == "done" and first() is None  # not tried again until tomorrow
    assert scheduled(on_disk, the_plan, clock)().status == "done"  # nor after a restart
    assert names(backups) == before  # the older backup kept (a retention of 1 day), no partial
    [alert] = failures(on_disk)
    event = alert.event
    assert (event.due, event.problem, event.directory) == (DUE, "foreign_objects", str(backups))
    assert event.following == DUE + timedelta(days=1)
    last = on_disk.last_backup()
    assert not last.ok and last.problem == "foreign_objects"
    assert "TRIGGER grant_admin" in health_warning(last)
    other.store.close()


def test_a_missing_directory_fails_and_the_next_scheduled_time_tries_again(on_disk, clock, backups):
    clock.now = DUE
    the_plan = plan(backups)
    away = backups.with_name("unmounted")
    backups.rename(away)  # the backup disk is not mounted
    schedule = scheduled(on_disk, the_plan, clock)
    outcome = schedule()
    assert outcome.status == "failed" and outcome.problem.code == "copy_no_directory"
    assert not backups.exists()  # never made: a backup would land on the wrong disk
    assert f"{backups} is not there" in health_warning(on_disk.last_backup())

    listed = CliRunner().invoke(bot_cli, ["alerts"], env={"CAPACITY_DB": str(on_disk.store.path)})
    assert listed.exit_code == 0, listed.output
    assert (
        f"backup_failed, due 2026-12-02 02:00 UTC: copy_no_directory ({backups})" in listed.output
    )

    away.rename(backups)
    clock.advance(days=1)
    assert schedule().status == "taken"
    assert health_warning(on_disk.last_backup()) is None
    assert len(failures(on_disk)) == 1


def test_a_time_held_by_a_process_that_died_is_taken_over_when_its_lease_runs_out(
    on_disk, clock, backups
):
    clock.now = DUE
    wall = time.time()
    with on_disk.store.write() as db:  # a process began it, and was killed
        backup_runs.take(db, "2026-12-02T02:00:00.000000+00:00", "dead", "x", wall, wall + 60)
    schedule = scheduled(on_disk, plan(backups), clock)
    assert schedule().status == "running" and schedule().status == "running"  # asked again
    with on_disk.store.write() as db:
        db.conn.execute("UPDATE backup_runs SET lease_until = ?", [wall - 1])
    assert schedule().status == "taken"
    assert schedule() is None and len(names(backups)) == 1


def test_healthz_serves_with_a_warning_when_the_last_backup_failed(on_disk, clock, backups):
    clock.now = DUE
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    asgi = SlackAsgi(create_app(settings, on_disk), SECRET)
    assert asyncio.run(call(asgi, "/healthz")).json() == {"ok": True}
    shutil.rmtree(backups)
    scheduled(on_disk, plan(backups), clock)()
    answer = asyncio.run(call(asgi, "/healthz"))
    assert answer.status == 200
    [warning] = answer.json()["warnings"]
    assert warning.startswith("the scheduled backup due 2026-12-02T02:00:00")
    assert f"{backups} is not there" in warning and "older backups are untouched" in warning


@pytest.mark.parametrize(
    "language,says",
    [
        ("nb", "Den planlagte sikkerhetskopien for 2. desember 2026 kl. 03.00 mislyktes"),
        ("nn", "Den planlagde tryggingskopien for 2. desember 2026 kl. 03.00 gjekk ikkje"),
        ("en", "The scheduled backup due 2 December 2026, 03:00 failed"),
    ],
)
def test_the_alert_says_when_why_and_when_the_next_is_in_the_channels_language(language, says):
    event = BackupFailed(
        due=DUE,
        at=DUE + timedelta(seconds=1),
        directory="/backups/<!channel>",
        problem="copy_disk_full",
        facts={"path": "/backups/capacity-20261202T020000.db", "free": 12},
        following=DUE + timedelta(days=1),
    )
    message = backup_failed_message(event, Texts(language))
    text = message.blocks[0]["text"]["text"]
    assert says in text.replace("*", "") and "12 KiB" in text
    assert "3. desember" in text or "3 December" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


# -- by hand: capacity backup --list / --prune ------------------------------------------


def test_capacity_backup_lists_each_backup_with_its_time_size_check_and_fate(
    on_disk, clock, backups
):
    env = {"CAPACITY_DB": str(on_disk.store.path)}
    for moment in (DUE - timedelta(days=1), DUE):
        clock.now = moment
        scheduled(on_disk, plan(backups), clock)()
    damaged = backups / "capacity-20261201T120000.db"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    result = CliRunner().invoke(cli, ["backup", "--list", str(backups), "--keep", "1d"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2026-12-02 03:00  capacity-20261202T020000.db  2.")
    assert "ok, schema version " in lines[0] and lines[0].endswith("[kept]")
    assert lines[1].startswith("2026-12-01 13:00  capacity-20261201T120000.db  0.0 MB")
    assert "FAILS ITS CHECK" in lines[1] and lines[1].endswith("[to prune]")
    assert lines[2].startswith("2026-12-01 03:00") and lines[2].endswith("[to prune]")
    assert lines[3].startswith("3 backup(s) in ") and "1 fail(s) their check" in lines[3]


def test_capacity_backup_prune_applies_the_retention_by_hand(on_disk, backups, tmp_path):
    env = {"CAPACITY_DB": str(on_disk.store.path)}
    sound = backup(Path(on_disk.store.path), tmp_path / "sound.db").target
    for day in (1, 2, 3):
        shutil.copy(sound, backups / f"capacity-202612{day:02d}T020000.db")
    dry = CliRunner().invoke(cli, ["backup", "--prune", str(backups), "--keep", "2d", "--dry-run"], env=env)  # fmt: skip
    assert dry.exit_code == 0 and "Would delete 1" in dry.output and len(names(backups)) == 3
    done = CliRunner().invoke(cli, ["backup", "--prune", str(backups)], env={**env, "CAPACITY_BACKUP_KEEP": "2d"})  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Kept 2 backup(s) (2 daily and 0 weekly)\nDeleted 1\n" in done.output
    assert names(backups) == ["capacity-20261202T020000.db", "capacity-20261203T020000.db"]
    missing = CliRunner().invoke(cli, ["backup", "--list", str(backups / "nope")], env=env)
    assert missing.exit_code == 1 and "is not there" in missing.output


@pytest.mark.slow  # two processes (0.5 s each)
def test_the_served_bot_backs_up_in_a_process_of_its_own_at_the_lowest_priority(on_disk, backups):
    target = backups / "copy.db"
    done = subprocess.run(
        [sys.executable, "-c", backup_process.CHILD, on_disk.store.path, str(target)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["idle"] or said["nice"] == backup_process.NICE
    assert said["target"] == str(target) and said["size"] == target.stat().st_size
    assert inspect(target).migrations == known_migrations()
    assert done.stderr == ""
    with pytest.raises(errors.DatabaseProblem) as refused:  # a refusal comes back as itself
        backup_process.take(Path(on_disk.store.path), target, timeout=60)
    assert refused.value.code == "backup_exists" and refused.value.facts["path"] == str(target)


def test_the_metrics_show_the_last_scheduled_backup_read_from_the_database(on_disk, clock, backups):
    settings = load_settings(slack_signing_secret=SECRET, slack_bot_token="xoxb-test")
    asgi = SlackAsgi(create_app(settings, on_disk), SECRET)

    def scraped() -> str:
        return asyncio.run(call(asgi, "/metrics")).body.decode()

    assert value(scraped(), "capacity_backup_last_age_seconds") is None  # none yet
    clock.now = DUE
    scheduled(on_disk, plan(backups), clock)()
    clock.advance(hours=2)
    text = scraped()
    assert value(text, "capacity_backup_last_age_seconds") == 7200
    assert value(text, "capacity_backup_last_ok") == 1
    shutil.rmtree(backups)
    clock.advance(hours=22)  # the next day's 03:00
    scheduled(on_disk, plan(backups), clock)()
    text = scraped()
    assert value(text, "capacity_backup_last_age_seconds") == 0
    assert value(text, "capacity_backup_last_ok") == 0
