"""Collection rounds (innhenting): a round asks the municipalities in its scope for their
spare places by a deadline, reminds those who have not answered, and shows who has.

Pure models and rules: what a round, an answer and a round's state are, when a deadline
or an answer is acceptable, when reminders are due, and the events the outbox delivers
(a message to a person, the closing summary). No SQL, no Slack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from capacity import errors
from capacity.domain.figures import Model, Municipality
from capacity.domain.round_events import RoundClosed as RoundClosed  # re-exported
from capacity.domain.round_events import RoundLine as RoundLine
from capacity.domain.round_events import RoundMessage as RoundMessage
from capacity.domain.rules import MAX_FIGURE, MAX_NAME_LENGTH, OSLO, check_count, parse_moment

MAX_COMMENT = 1000
NATIONAL_SCOPE = "norge"
COUNTY_PREFIX = "fylke:"
LIST_SCOPE = "liste"


class RoundRefused(errors.CapacityError):
    """A request about a collection round the core refuses; nothing was changed"""

    code = "round"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Round(Model):
    """A collection round: its municipalities are frozen when it opens."""

    id: int
    name: str
    year: int
    scope: str  # a group's name, "norge", "fylke:50", or "liste"
    scope_title: str
    deadline: datetime
    status: RoundStatus
    opened_at: datetime
    opened_by: str
    opened_by_name: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""
    version: int = 0  # moves with every change its tracker shows

    @property
    def open(self) -> bool:
        return self.status is RoundStatus.OPEN


class RoundAnswer(Model):
    """A municipality's answer: the spare places (also saved as its reported figure),
    and beside IMDi's figures, never instead of them, the council's decision or the date
    one is expected, the places it could add with more help, and a comment."""

    number: str
    spare: int
    decision: int | None = None
    decision_expected: date | None = None
    extra: int | None = None
    comment: str = ""
    answered_by: str
    answered_by_name: str = ""
    answered_at: datetime
    late: bool = False
    change_id: int | None = None  # the history record of the spare places

    @property
    def who(self) -> str:
        return self.answered_by_name or self.answered_by


class Undelivered(Model):
    """A direct message of the round that Slack did not take, and why."""

    user: str
    reason: str


class Member(Model):
    """A municipality of a round as its status shows it."""

    municipality: Municipality
    county: str  # the county's name ("" when unknown)
    answer: RoundAnswer | None = None
    editors: tuple[str, ...] = ()
    undelivered: tuple[Undelivered, ...] = ()
    last_year: int | None = None  # last year's answer (or reported spare places)

    @property
    def no_contact(self) -> bool:
        return not self.editors


class CountyCount(Model):
    county: str
    answered: int
    members: int


class RoundState(Model):
    """A round as it stands: every municipality with its answer, its contacts and any
    message that could not be delivered; what is still on its way."""

    round: Round
    members: tuple[Member, ...]
    at: datetime
    pending_messages: int = 0

    @property
    def answered(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.answer is not None)

    @property
    def not_answered(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.answer is None)

    @property
    def late(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.answer is not None and m.answer.late)

    @property
    def no_contact(self) -> tuple[Member, ...]:
        return tuple(m for m in self.not_answered if m.no_contact)

    @property
    def undelivered(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.undelivered)

    @property
    def offered(self) -> int:
        return sum(m.answer.spare for m in self.answered if m.answer is not None)

    @property
    def extra(self) -> int:
        return sum(m.answer.extra or 0 for m in self.answered if m.answer is not None)

    @property
    def last_year(self) -> int | None:
        """Last year's places of the municipalities that have answered (None: none known)."""
        known = [m.last_year for m in self.answered if m.last_year is not None]
        return sum(known) if known else None

    @property
    def past_deadline(self) -> bool:
        return self.at > self.round.deadline

    def by_county(self) -> list[CountyCount]:
        counts: dict[str, list[int]] = {}
        for member in self.members:
            count = counts.setdefault(member.county, [0, 0])
            count[0] += member.answer is not None
            count[1] += 1
        return [CountyCount(county=c, answered=a, members=n) for c, (a, n) in counts.items()]


class Waiting(Model):
    """A round waiting for an editor's answer for one of their municipalities."""

    round: Round
    municipality: Municipality


class OpenRound(Model):
    round: Round
    answered: int
    members: int


class RoundsHome(Model):
    """What the Home shows of rounds: an editor's waiting answers; an admin's open rounds."""

    waiting: tuple[Waiting, ...] = ()
    open: tuple[OpenRound, ...] = ()


# -- rules -------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Round names are told apart without case or extra spaces."""
    return " ".join(name.casefold().split())


def check_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise errors.InvalidInput("text_empty", field="round_name")
    if len(text) > MAX_NAME_LENGTH:
        raise errors.InvalidInput("text_too_long", field="round_name", maximum=MAX_NAME_LENGTH)
    return text


def parse_deadline(text: str | datetime) -> datetime:
    """A deadline as coordinators write it, Norwegian time: `15.1.2027`, `2027-01-15`,
    `2027-01-15 12:00`; a date alone means the end of that day."""
    if isinstance(text, datetime):
        return text
    try:
        return parse_moment(text)
    except errors.InvalidInput as error:
        if error.code.startswith("moment_no_"):  # 31.2.2027, 15.13.2027, 25:00: say why
            raise RoundRefused(error.code, **{**error.facts, "field": "deadline"}) from None
        raise RoundRefused("round_deadline_format", value=str(text)[:40]) from None


def check_deadline(deadline: datetime, now: datetime) -> datetime:
    if deadline <= now:
        raise RoundRefused("round_deadline_past", deadline=deadline)
    return deadline


def is_late(answered_at: datetime, deadline: datetime) -> bool:
    return answered_at > deadline


def check_answer(
    spare: int,
    decision: int | None,
    decision_expected: date | None,
    extra: int | None,
    comment: str,
) -> str:
    """The answer's values: whole numbers from 0; a decision or the date one is
    expected, not both; a comment of at most MAX_COMMENT characters. The comment, tidied."""
    check_count(spare, "spare")
    if decision is not None:
        check_count(decision, "decision")
    if extra is not None:
        check_count(extra, "extra", maximum=MAX_FIGURE)
    if decision is not None and decision_expected is not None:
        raise RoundRefused("round_decision_or_date", field="decision_expected")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise errors.InvalidInput("text_too_long", field="comment", maximum=MAX_COMMENT)
    return text


# -- reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A reminder `days` before the deadline's date, at `at` Norwegian time."""

    days: int
    at: time

    def moment(self, deadline: datetime) -> datetime:
        day = deadline.astimezone(OSLO).date() - timedelta(days=self.days)
        return datetime.combine(day, self.at, tzinfo=OSLO)

    def __str__(self) -> str:
        return f"{self.days}d {self.at:%H:%M}"


DEFAULT_REMINDERS = "7d 09:00, 2d 09:00, 0d 09:00"
_REMINDER = re.compile(r"([0-9]{1,2})\s*d(?:\s+([0-9]{1,2})[:.]([0-9]{2}))?")


def parse_reminders(text: str) -> tuple[Reminder, ...]:
    """`7d 09:00, 2d 09:00, 0d 09:00`: days before the deadline's date, each at a time
    (09:00 when left out); `off` for none. Raises ValueError saying what is accepted."""
    words = text.strip().lower()
    if words in ("off", "none", "av", ""):
        return ()
    found = []
    for part in words.split(","):
        match = _REMINDER.fullmatch(part.strip())
        hour, minute = (int(match[2]), int(match[3])) if match and match[2] else (9, 0)
        if match is None or hour > 23 or minute > 59:
            raise ValueError(
                f"{text!r} is not a list of reminders: write it like '7d 09:00, 2d 09:00, "
                "0d 09:00' (days before the deadline's date, each at a time, Norwegian "
                "time), or 'off' for none"
            )
        found.append(Reminder(int(match[1]), time(hour, minute)))
    return tuple(sorted(set(found), key=lambda r: (-r.days, r.at)))


def due_reminder(
    reminders: Sequence[Reminder], opened_at: datetime, deadline: datetime, now: datetime
) -> int | None:
    """The reminder due at `now`: the latest one whose moment has come, after the round
    opened and before its deadline. A bot that was down for two reminders sends the
    second only. None when none is due."""
    due = None
    for index, reminder in enumerate(reminders):
        moment = reminder.moment(deadline)
        if opened_at < moment <= now and moment < deadline:
            due = index
    return due


def snooze_until(now: datetime) -> datetime:
    """ "Remind me tomorrow": the same time the next day, Norwegian time."""
    local = now.astimezone(OSLO)
    return datetime.combine(local.date() + timedelta(days=1), local.timetz())


def held_by_snooze(moment: datetime, snoozed_at: datetime | None, until: datetime | None) -> bool:
    """A reminder falling within a person's snooze is not sent (the snooze's own
    reminder comes when it ends)."""
    return until is not None and snoozed_at is not None and snoozed_at <= moment < until


# -- people by e-mail ----------------------------------------------------------------------

_EMAIL = re.compile(r"[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")


def email_address(text: str) -> str | None:
    """An e-mail address as an admin types it, plain or as Slack's `<mailto:…|…>`
    link; None when the text is not one."""
    text = text.strip()
    link = _MAILTO.fullmatch(text)
    if link:
        text = link.group(1)
    return text.lower() if _EMAIL.fullmatch(text) else None
