"""A round's reminders: due at 7 days, 2 days and the deadline's morning (a setting),
only to the editors of municipalities that have not answered, each once; "remind me
tomorrow"; by hand; and checked again just before delivery."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from capacity.domain.rounds import DEFAULT_REMINDERS, Reminder, due_reminder, parse_reminders
from tests.conftest import ADMIN
from tests.test_rounds import EDITORS, JAN_5, answer, messages, open_network, with_editors

REMINDERS = parse_reminders(DEFAULT_REMINDERS)


@pytest.fixture
def network(fresh, clock):
    return with_editors(fresh, clock)


def reminded(service) -> list[tuple[str, str]]:
    return sorted((m.reminder, m.number) for m in messages(service, "remind"))


def test_the_default_reminders_are_7_days_2_days_and_the_deadlines_morning():
    week, two_days, morning = REMINDERS
    assert (week, two_days, morning) == (
        Reminder(7, time(9, 0)),
        Reminder(2, time(9, 0)),
        Reminder(0, time(9, 0)),
    )
    assert parse_reminders("2d, 0d 7.30") == (Reminder(2, time(9)), Reminder(0, time(7, 30)))
    assert parse_reminders("off") == ()
    with pytest.raises(ValueError, match="like '7d 09:00"):
        parse_reminders("weekly")


def test_only_the_latest_reminder_whose_time_has_come_is_due():
    deadline = datetime(2027, 1, 15, 22, 59, 59, tzinfo=UTC)
    opened = datetime(2027, 1, 5, 9, tzinfo=UTC)
    at = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)  # 09:00 Oslo
    assert due_reminder(REMINDERS, opened, deadline, at - timedelta(seconds=1)) is None
    assert due_reminder(REMINDERS, opened, deadline, at) == 0
    assert due_reminder(REMINDERS, opened, deadline, at + timedelta(days=6)) == 1  # 2 missed
    late_open = datetime(2027, 1, 9, tzinfo=UTC)  # opened after the 7-day reminder
    assert due_reminder(REMINDERS, late_open, deadline, at + timedelta(days=1)) is None


def test_reminders_reach_the_unanswered_at_their_times_once_each(network, clock):
    open_network(network)
    for number, spare in (("0301", 73), ("4601", 50), ("5001", 115)):
        answer(network, number, spare)
    schedule = network.round_reminders(REMINDERS)
    assert schedule() == 0
    clock.now = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)  # 09:00 Oslo, 7 days before
    assert schedule() == 4
    assert schedule() == 0 and network.round_reminders(REMINDERS)() == 0  # and after a restart
    answer(network, "3201", 30)
    clock.now = datetime(2027, 1, 13, 8, 0, 1, tzinfo=UTC)
    assert schedule() == 3
    clock.now = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert schedule() == 3
    clock.now = datetime(2027, 1, 16, 8, 0, tzinfo=UTC)  # past the deadline
    assert network.round_reminders(REMINDERS)() == 0
    assert reminded(network) == sorted(
        [("0", n) for n in ("1103", "3201", "4204", "5501")]
        + [(str(i), n) for i in (1, 2) for n in ("1103", "4204", "5501")]
    )


def test_remind_me_tomorrow_holds_a_persons_reminders_for_a_day(network, clock):
    open_network(network)
    clock.now = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
    round_id = network.round(None).id
    until = network.snooze_round(round_id, EDITORS["1103"])
    assert until == datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    schedule = network.round_reminders(REMINDERS)
    clock.now = datetime(2027, 1, 13, 8, 0, tzinfo=UTC)  # the 2-day reminder: held for 1103
    assert schedule() == 6
    assert "1103" not in {n for _, n in reminded(network)}
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # a day after the click
    assert schedule() == 1
    assert [m.user for m in messages(network, "remind") if m.reminder.startswith("snooze-")] == [
        "U_ED1103"
    ]
    assert schedule() == 0


def test_a_reminder_by_hand_goes_to_every_unanswered_editor_now(network):
    open_network(network)
    answer(network, "0301", 73)
    found, count = network.remind_round("Kapasitet 2027", ADMIN)
    assert count == 6 and found.name == "Kapasitet 2027"


def test_a_message_is_not_wanted_once_its_municipality_answered_or_the_round_closed(network):
    open_network(network)
    [oslo] = [m for m in messages(network, "ask") if m.number == "0301"]
    [bergen] = [m for m in messages(network, "ask") if m.number == "4601"]
    assert network.round_message_wanted(oslo)
    answer(network, "0301", 73)
    assert not network.round_message_wanted(oslo)
    assert network.round_message_wanted(bergen)
    network.close_round(None, ADMIN)
    assert not network.round_message_wanted(bergen)


def test_a_reminder_is_not_queued_before_the_round_opened(network, clock):
    clock.now = JAN_5 + timedelta(days=5)  # opened after the 7-day reminder's time
    open_network(network)
    clock.advance(hours=1)
    assert network.round_reminders(REMINDERS)() == 0
