"""End to end: the bot's own scheduled backups, with `capacity-bot serve --http` as real
processes, the Slack stand-in, and the bot's clock driven by the test
(CAPACITY_CLOCK_FILE): a start after a scheduled time with no backup takes it at once;
the backup taken at its time; once with two processes; the retention (2 days, 2 weeks)
applied after each; a backup directory made unwritable, then a full disk (a small tmpfs,
where the tests run as root): each alerts the coordination channel once, warns on
/healthz and leaves the older backups as they were, and the next time succeeds. Then an
upgrade: a start on an older database backs it up first and says so.

The steps build on each other, in order. Where the tests run as root, the bot runs
without the capabilities that let root write a read-only directory (`setpriv`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.rehearsal import set_clock
from capacity.domain.rules import OSLO
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.test_unwritable import WITHOUT_OVERRIDE, fill
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

START = datetime(2026, 11, 30, 1, 59, tzinfo=UTC)  # Monday 30 November, 02:59 in Oslo
ROOT = os.geteuid() == 0


def at_three(day: int, month: int = 12) -> datetime:
    """03:00 in Oslo (CET) on a day of 2026."""
    return datetime(2026, month, day, 2, 0, tzinfo=UTC)


class Backups:
    """The module's shared state: the stand-in, the clock file, the backup directory,
    the database and the bot (restartable)."""

    def __init__(self, slack: StandIn, db: Path, clock: Path, directory: Path) -> None:
        self.slack, self.db, self.clock, self.directory = slack, db, clock, directory
        self.env = {
            "CAPACITY_CLOCK_FILE": str(clock),
            "CAPACITY_ALERT_POLL": "0.1",
            "CAPACITY_BACKUP_DIR": str(directory),
            "CAPACITY_BACKUP_AT": "03:00",
            "CAPACITY_BACKUP_KEEP": "2d 2w",
        }
        self.prefix = WITHOUT_OVERRIDE if ROOT and shutil.which("setpriv") else []
        self.bot = self.start()

    def start(self) -> BotServer:
        return BotServer(self.db, self.slack.api_url, env=self.env, prefix=self.prefix).start()

    def restart(self) -> None:
        self.bot.stop(signal.SIGTERM)
        self.bot = self.start()

    def at(self, moment: datetime) -> None:
        set_clock(self.clock, moment)

    def run(self, due: datetime) -> dict[str, Any] | None:
        """The scheduled time's row, once it has finished."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute(
                "SELECT * FROM backup_runs WHERE due = ? AND finished_at IS NOT NULL",
                [due.isoformat(timespec="microseconds")],
            ).fetchone()
        finally:
            conn.close()
        return dict(row) if row else None

    def finished(self, due: datetime, *, retention: bool = True) -> dict[str, Any]:
        """The scheduled time's row once it has finished and, for a backup this bot
        took, once the retention that follows it has run (its log line says so)."""
        row = wait_until(lambda: self.run(due), f"the backup due {due}")
        if row["status"] != "ok" or not retention:
            return row
        said = f"Backed up the database (due {due.astimezone(OSLO):%Y-%m-%d %H:%M %Z})"
        wait_until(lambda: self.logged(self.bot, said), f"the retention after {due}")
        return self.run(due) or row

    def files(self) -> list[str]:
        return sorted(p.name for p in self.directory.iterdir() if p.name != "filler")

    def alerts(self) -> list[dict[str, Any]]:
        with self.slack.lock:
            return [
                m
                for m in self.slack.posted
                if m.get("channel") == "CALERTS"
                and "backup_failed:" in str((m.get("metadata") or {}).get("event_payload"))
            ]

    def logged(self, bot: BotServer, text: str) -> bool:
        return text in bot.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def backups(_seeded_template, tmp_path_factory) -> Iterator[Backups]:
    folder = tmp_path_factory.mktemp("backups")
    db, clock, directory = folder / "capacity.db", folder / "clock", folder / "backups"
    shutil.copy(_seeded_template, db)
    directory.mkdir()
    mounted = False
    if ROOT:  # a disk of its own, to fill (16 MiB: the seeded database is about 2 MiB)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(directory)],
            capture_output=True,
            check=False,
        )
        mounted = done.returncode == 0
    set_clock(clock, START)
    with StandIn() as slack:
        state = Backups(slack, db, clock, directory)
        state.mounted = mounted  # type: ignore[attr-defined]
        try:
            yield state
        finally:
            state.bot.stop()
            if mounted:
                subprocess.run(["umount", "-l", str(directory)], check=False)


def test_a_bot_started_after_a_scheduled_time_with_no_backup_takes_it_at_once(backups):
    run = backups.finished(at_three(29, 11))  # Sunday's 03:00: the bot was not running
    assert run["status"] == "ok" and run["problem"] == ""
    [name] = backups.files()
    assert name.startswith("capacity-20261130T0159") and Path(run["path"]).name == name
    assert run["size"] == (backups.directory / name).stat().st_size
    assert backups.logged(
        backups.bot, "Scheduled backups every day at 03:00 (Norwegian time) into "
    )


def test_the_scheduled_backup_is_taken_at_its_time(backups):
    assert backups.run(at_three(30, 11)) is None  # 02:59: not yet
    backups.at(at_three(30, 11))
    run = backups.finished(at_three(30, 11))
    assert run["status"] == "ok"
    taken = datetime.fromisoformat(run["finished_at"])
    assert 0 <= (taken - at_three(30, 11)).total_seconds() < 5
    # the retention (2 days, 2 weeks): the newest of the day only; the one at 02:59 goes
    assert backups.files() == [Path(run["path"]).name]
    assert run["pruned"] == 1 and Path(run["path"]).name.startswith("capacity-20261130T0200")


def test_two_processes_take_the_scheduled_backup_once(backups):
    second = BotServer(backups.db, backups.slack.api_url, env=backups.env, prefix=backups.prefix)
    with second:
        backups.at(at_three(1))
        backups.finished(at_three(1), retention=False)  # either process may take it
        both = (backups.bot, second)
        taken = "Backed up the database (due 2026-12-01 03:00 CET)"
        seen = "The backup due 2026-12-01 03:00 CET is done already"
        wait_until(
            lambda: (
                sorted(backups.logged(b, taken) for b in both) == [False, True]
                and sorted(backups.logged(b, seen) for b in both) == [False, True]
            ),
            "one process taking the backup, the other seeing it taken",
        )
    assert [name[:22] for name in backups.files()] == [
        "capacity-20261130T0200",
        "capacity-20261201T0200",
    ]


def test_the_retention_keeps_two_days_and_two_weeks(backups):
    for day, kept in [
        (2, ["20261201", "20261202"]),  # Wednesday: 30 November goes
        (7, ["20261202", "20261207"]),  # Monday, week 50: the 2nd stays as week 49's
        (8, ["20261202", "20261207", "20261208"]),  # the 2nd: week 49's newest
    ]:
        backups.at(at_three(day))
        assert backups.finished(at_three(day))["status"] == "ok"
        assert [name[9:17] for name in backups.files()] == kept, day


def unwritable(directory: Path) -> None:
    directory.chmod(0o555)


def test_a_directory_made_unwritable_alerts_once_warns_and_leaves_the_older_backups(backups):
    if ROOT and not backups.prefix:
        pytest.skip("root writes a read-only directory; setpriv, to run without that, is missing")
    before = {name: (backups.directory / name).read_bytes() for name in backups.files()}
    unwritable(backups.directory)
    try:
        backups.at(at_three(9))
        run = backups.finished(at_three(9))
        assert (run["status"], run["problem"]) == ("failed", "copy_read_only")
        [alert] = wait_until(backups.alerts, "the alert in the coordination channel")
        text = alert["blocks"][0]["text"]["text"]
        assert text.startswith(":warning: *Den planlagte sikkerhetskopien for 9. desember 2026")
        assert "er skrivebeskyttet" in text and "10. desember 2026 kl. 03.00" in text
        health = backups.bot.get("/healthz")
        assert health.status == 200, health.text  # serving: a warning, not a 503
        [warning] = health.json()["warnings"]
        assert "the scheduled backup due 2026-12-09T02:00:00" in warning
        assert "is read-only, or the bot may not write there" in warning

        backups.restart()  # the same scheduled time: not tried, not alerted again
        wait_until(
            lambda: backups.logged(backups.bot, "The backup due 2026-12-09 03:00 CET is done"),
            "the restarted bot seeing the failed time done",
        )
        assert len(backups.alerts()) == 1
        assert {n: (backups.directory / n).read_bytes() for n in backups.files()} == before
    finally:
        backups.directory.chmod(0o755)


def test_a_full_disk_alerts_once_and_the_next_backup_succeeds_when_there_is_room(backups):
    if not backups.mounted:  # type: ignore[attr-defined]
        pytest.skip("a full disk is a small tmpfs, which only root can mount")
    alerted = len(backups.alerts())
    before = backups.files()
    filler = fill(backups.directory)
    backups.at(at_three(10))
    run = backups.finished(at_three(10))
    assert (run["status"], run["problem"]) == ("failed", "copy_disk_full")
    wait_until(lambda: len(backups.alerts()) == alerted + 1, "the disk-full alert")
    said = backups.alerts()[-1]["blocks"][0]["text"]["text"]
    assert "capacity-20261210T0200" in said and "disken er full" in said
    assert ".partial-" not in said  # the backup it was to be, not the copy being written
    assert backups.files() == before  # no partial copy left, nothing pruned

    filler.unlink()
    backups.at(at_three(11))
    run = backups.finished(at_three(11))
    assert run["status"] == "ok"
    assert backups.bot.get("/healthz").json() == {"ok": True}
    assert [name[9:17] for name in backups.files()] == ["20261202", "20261208", "20261211"]
    assert len(backups.alerts()) == alerted + 1


def test_a_start_on_an_older_database_backs_it_up_first_and_says_so(backups, tmp_path):
    db = tmp_path / "older.db"
    shutil.copy(backups.db, db)
    conn = sqlite3.connect(db)  # as an earlier version left it: no backup_runs yet
    conn.execute("DROP TABLE backup_runs")
    conn.execute("DROP TABLE replays")  # (a later migration's)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN ('backups_runs', 'replays_table')")
    conn.commit()
    conn.close()
    with BotServer(
        db, backups.slack.api_url, env={"CAPACITY_CLOCK_FILE": str(backups.clock)}
    ) as bot:
        [kept] = tmp_path.glob("older.db.schema-8-*")
        said = (
            f"Upgraded {db} from schema version 8 to 10 (backups_runs, replays_table); "
            f"backed up first to {kept}"
        )
        assert backups.logged(bot, said)
        assert bot.get("/healthz").status == 200
    check = sqlite3.connect(kept)
    names = [row[0] for row in check.execute("SELECT name FROM _sqlite_migrations")]
    check.close()
    assert len(names) == 8 and "backups_runs" not in names
