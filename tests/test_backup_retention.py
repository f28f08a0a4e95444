"""The rules of scheduled backups, pure: when they are due (CAPACITY_BACKUP_AT, read as
CAPACITY_SUMMARY_AT is), and which backups a retention keeps (CAPACITY_BACKUP_KEEP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import SettingsError, load_settings
from capacity.domain.backups import Keep, kept, parse_keep
from capacity.domain.schedule import At
from capacity.usecases.backups import parse_backup_time
from capacity.usecases.summary import parse_summary_time


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("03:00", At(None, 3, 0)),
        ("3.15", At(None, 3, 15)),
        ("søn 03:00", At(6, 3, 0)),
        ("Sunday 23:59", At(6, 23, 59)),
        ("laurdag 04:30", At(5, 4, 30)),
        ("off", None),
    ],
)
def test_a_backup_time_is_a_time_for_every_day_or_a_weekday_and_a_time(text, expected):
    assert parse_backup_time(text) == expected


def test_the_summary_still_wants_a_weekday_where_backups_take_a_time_alone():
    with pytest.raises(ValueError, match="like 'mon 08:00'"):
        parse_summary_time("08:00")
    assert parse_summary_time("søn 03:00") == parse_backup_time("søn 03:00")


@pytest.mark.parametrize("text", ["", "søn", "24:00", "3:60", "xyz 03:00", "03:00 søn"])
def test_a_backup_time_that_is_not_one_is_a_clear_start_up_error(text):
    with pytest.raises(SettingsError) as error:
        load_settings(capacity_backup_at=text)
    message = str(error.value)
    assert "CAPACITY_BACKUP_AT" in message and "'03:00' (every day)" in message


def test_backups_are_off_until_a_directory_is_given_and_then_daily_at_three(tmp_path):
    assert load_settings(capacity_backup_dir="").backup_plan is None
    plan = load_settings(capacity_backup_dir=str(tmp_path)).backup_plan
    assert plan is not None and (plan.directory, str(plan.at)) == (tmp_path, "03:00")
    assert plan.keep == Keep(daily=7, weekly=4)
    assert (
        load_settings(capacity_backup_dir=str(tmp_path), capacity_backup_at="off").backup_plan
        is None
    )


def test_the_latest_scheduled_time_is_norwegian_time_whatever_the_season():
    daily = At(None, 3, 0)
    assert daily.latest(utc(2026, 12, 2, 1, 59)) == utc(2026, 12, 1, 2, 0)  # 02:59 in Oslo
    assert daily.latest(utc(2026, 12, 2, 2, 0)) == utc(2026, 12, 2, 2, 0)  # 03:00 CET
    assert daily.latest(utc(2026, 7, 2, 1, 0)) == utc(2026, 7, 2, 1, 0)  # 03:00 CEST
    assert daily.following(utc(2026, 12, 2, 2, 0)) == utc(2026, 12, 3, 2, 0)
    weekly = At(6, 3, 0)  # Sundays
    assert weekly.latest(utc(2026, 12, 2, 12, 0)) == utc(2026, 11, 29, 2, 0)
    assert weekly.following(utc(2026, 12, 2, 12, 0)) == utc(2026, 12, 6, 2, 0)


def test_a_time_the_clock_change_skips_or_repeats_comes_once():
    at = At(None, 2, 30)
    # 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 is the moment after the gap
    spring = at.latest(utc(2026, 3, 29, 12, 0))
    assert spring == utc(2026, 3, 29, 1, 30)
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; the first 02:30 counts
    autumn = at.latest(utc(2026, 10, 25, 12, 0))
    assert autumn == utc(2026, 10, 25, 0, 30)
    assert at.following(autumn) == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("7d 4w", Keep(7, 4)),
        ("7 daily, 4 weekly", Keep(7, 4)),
        ("14 dager og 8 uker", Keep(14, 8)),
        ("3d", Keep(3, 0)),
        ("2w", Keep(0, 2)),
        ("all", None),
    ],
)
def test_a_retention_is_days_and_weeks(text, expected):
    assert parse_keep(text) == expected


@pytest.mark.parametrize("text", ["", "0d", "0d 0w", "7", "7x", "seven days", "-1d"])
def test_a_retention_that_keeps_nothing_or_is_not_one_is_refused(text):
    with pytest.raises(SettingsError, match="CAPACITY_BACKUP_KEEP.*like '7d 4w'"):
        load_settings(capacity_backup_keep=text)


def nightly(first: datetime, days: int) -> list[datetime]:
    return [first + timedelta(days=n) for n in range(days)]


def test_the_retention_keeps_the_newest_of_each_of_the_last_days_and_weeks():
    taken = nightly(utc(2026, 11, 1, 2, 0), 40)  # every night at 03:00 in Oslo, to 10 Dec
    found = kept(taken, lambda moment: moment, Keep(daily=7, weekly=4))
    assert found[:7] == sorted(taken[-7:], reverse=True)  # 4-10 December
    # the 4 weeks: 50 and 49 are kept already (10 and 6 December), then the newest of
    # weeks 48 and 47: their Sundays
    assert found[7:] == [utc(2026, 11, 29, 2, 0), utc(2026, 11, 22, 2, 0)]


def test_only_days_that_have_a_backup_count_so_a_gap_deletes_nothing_older():
    before_gap = nightly(utc(2026, 11, 1, 2, 0), 3)
    after_gap = [utc(2026, 11, 20, 2, 0)]  # the disk was full for two weeks
    found = kept(before_gap + after_gap, lambda moment: moment, Keep(daily=3, weekly=0))
    assert found == [after_gap[0], before_gap[2], before_gap[1]]


def test_a_day_is_a_norwegian_day():
    late = utc(2026, 12, 1, 22, 30)  # 23:30 in Oslo on 1 December
    after_midnight = utc(2026, 12, 1, 23, 30)  # 00:30 in Oslo on 2 December
    assert kept([late, after_midnight], lambda m: m, Keep(daily=2, weekly=0)) == [
        after_midnight,
        late,
    ]


def test_several_backups_of_a_day_leave_the_newest_and_keeping_all_keeps_all():
    taken = [utc(2026, 12, 2, 2, 0), utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 15, 0)]
    assert kept(taken, lambda m: m, Keep(daily=1, weekly=1)) == [taken[2]]
    assert kept(taken, lambda m: m, None) == sorted(taken, reverse=True)


def test_a_damaged_backup_never_stands_for_its_day_in_place_of_a_sound_one():
    sound_one, damaged = utc(2026, 12, 2, 1, 0), utc(2026, 12, 2, 2, 0)  # 02:00, 03:00
    asked: list[datetime] = []

    def passes(moment: datetime) -> bool:
        asked.append(moment)
        return moment != damaged

    assert kept([sound_one, damaged], lambda m: m, Keep(daily=7, weekly=4), passes) == [sound_one]
    assert asked == [damaged, sound_one]  # each asked once, newest first


def test_days_of_damaged_backups_push_no_sound_one_out_of_the_days_kept():
    sound = nightly(utc(2026, 11, 1, 2, 0), 3)
    damaged = nightly(utc(2026, 11, 10, 2, 0), 5)  # five nights of a failing disk
    found = kept(sound + damaged, lambda m: m, Keep(daily=3, weekly=0), lambda m: m in sound)
    assert found == sorted(sound, reverse=True)


def test_only_the_backups_that_could_be_kept_are_checked():
    taken = nightly(utc(2026, 11, 1, 2, 0), 30)
    asked: list[datetime] = []
    kept(taken, lambda m: m, Keep(daily=2, weekly=1), lambda m: asked.append(m) is None)
    assert asked == [taken[-1], taken[-2]]  # the newest week's is the newest day's
