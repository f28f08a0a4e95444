"""A round's reminders: queued when they are due (the schedule is a setting: 7 days, 2
days and the deadline's morning by default), by hand (`remind`), and after a person's
"remind me tomorrow" (`snooze`); only to the editors of municipalities that have not
answered, and checked again just before delivery (`wanted`), so that nobody is reminded
after their municipality answered. Every message goes through the outbox under a key of
its own, so it is delivered once, across restarts and with two bot processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from capacity.domain.rounds import (
    Reminder,
    Round,
    RoundMessage,
    RoundRefused,
    RoundStatus,
    due_reminder,
    held_by_snooze,
    snooze_until,
)
from capacity.models import Actor, Municipality
from capacity.storage import rounds as rounds_db
from capacity.storage.store import Database
from capacity.usecases.access import can_edit, require_admin
from capacity.usecases.core import Core, emit, iso
from capacity.usecases.rounds import asks, by_id, find, members_of

log = logging.getLogger("capacity.usecases.round_messages")


def _unanswered(core: Core, db: Database, found: Round) -> list[Municipality]:
    answered = rounds_db.answers(db, found.id)
    return [m for m in members_of(core, found, db) if m.number not in answered]


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%S}"


def remind(core: Core, name: str | None, actor: Actor) -> tuple[Round, int]:
    """Remind the editors of every municipality that has not answered, now (admin).
    Returns the round and how many reminders were queued."""
    require_admin(core, actor, "round_remind")
    with core.store.write() as db:
        found = find(core, name, db=db)
        if not found.open:
            raise RoundRefused("round_closed", name=found.name)
        places = _unanswered(core, db, found)
        messages = asks(core, db, found, places, "remind", f"manual-{_stamp(core.clock())}")
        emit(core, db, messages)
    return found, len(messages)


def queue_due(core: Core, found: Round, index: int | None, reminders: Sequence[Reminder]) -> int:
    """Queue the round's scheduled reminder `index` (if any) and the reminders of snoozes
    that have ended, for municipalities not answered; what was queued before is not
    queued again. Returns how many were added."""
    now = core.clock()
    with core.store.write() as db:
        current = rounds_db.by_id(db, found.id)
        if current is None or not current.open or now >= current.deadline:
            return 0
        places = _unanswered(core, db, current)
        snoozes = rounds_db.snoozes(db, current.id)
        messages: list[RoundMessage] = []
        if index is not None:
            moment = reminders[index].moment(current.deadline)
            messages += [
                m
                for m in asks(core, db, current, places, "remind", str(index))
                if not held_by_snooze(moment, *snoozes.get(m.user, (None, None)))
            ]
        for user, (_, until) in snoozes.items():
            if until <= now:
                messages += [
                    m
                    for m in asks(core, db, current, places, "remind", f"snooze-{_stamp(until)}")
                    if m.user == user
                ]
        fresh = [
            m
            for m in messages
            if rounds_db.message_status(db, m.dedupe_key) is None  # not queued before
        ]
        emit(core, db, fresh)
    return len(fresh)


def snooze(core: Core, round_id: int, actor: Actor) -> datetime:
    """ "Remind me tomorrow": this person's next reminder of the round comes a day from
    now (a scheduled one within that day is not sent). Returns when it comes."""
    found = by_id(core, round_id)
    if not found.open:
        raise RoundRefused("round_closed", name=found.name)
    now = core.clock()
    until = snooze_until(now)
    with core.store.write() as db:
        rounds_db.snooze(db, found.id, actor.id, iso(now), iso(until))
    return until


def wanted(core: Core, message: RoundMessage) -> bool:
    """Whether a message is still to be sent, just before it is: the round is open,
    the municipality has not answered, and the person is still one of its editors."""
    db = core.store.db
    found = rounds_db.by_id(db, message.round_id)
    if found is None or found.status is not RoundStatus.OPEN:
        return False
    if rounds_db.answer(db, found.id, message.number) is not None:
        return False
    place = core.geography.any_structure(message.number)
    return place is not None and can_edit(core, Actor(id=message.user), place)


def dm_channel(core: Core, user_id: str) -> str | None:
    """The direct-message channel with a person, if it was opened before."""
    return rounds_db.dm_channel(core.store.db, user_id)


def remember_dm(core: Core, user_id: str, channel: str) -> None:
    with core.store.write() as db:
        rounds_db.remember_dm(db, user_id, channel, core.now())


@dataclass
class RoundReminders:
    """Queues reminders when they are due: called by the outbox worker at each poll. It
    reads the open rounds (one small query) and writes only when a reminder or the end
    of a snooze has come that this process has not queued yet; after a restart the keys
    in the outbox keep what was queued from being queued again."""

    queue: Callable[[Round, int | None], int]
    open_rounds: Callable[[], list[Round]]
    snoozes_ended: Callable[[Round], list[str]]
    reminders: Sequence[Reminder]
    clock: Callable[[], datetime]
    done: set[tuple[int, str]] = field(default_factory=set)

    def __call__(self) -> int:
        now = self.clock()
        queued = 0
        for found in self.open_rounds():
            if now >= found.deadline:
                continue
            index = due_reminder(self.reminders, found.opened_at, found.deadline, now)
            keys = {str(index)} if index is not None else set()
            keys |= {f"snooze:{until}" for until in self.snoozes_ended(found)}
            new = {key for key in keys if (found.id, key) not in self.done}
            if not new:
                continue
            fresh_index = index if str(index) in new else None
            queued += self.queue(found, fresh_index)
            self.done |= {(found.id, key) for key in new}
        return queued


def reminders_for(core: Core, reminders: Sequence[Reminder]) -> RoundReminders:
    """The reminder schedule of this process over this core."""

    def open_rounds() -> list[Round]:
        return rounds_db.rounds(core.store.db, RoundStatus.OPEN)

    def snoozes_ended(found: Round) -> list[str]:
        now = core.clock()
        return [
            iso(until)
            for _, until in rounds_db.snoozes(core.store.db, found.id).values()
            if until <= now
        ]

    return RoundReminders(
        queue=lambda found, index: queue_due(core, found, index, reminders),
        open_rounds=open_rounds,
        snoozes_ended=snoozes_ended,
        reminders=reminders,
        clock=core.clock,
    )
