"""The events of collection rounds the outbox delivers: a direct message to a person
(the request, a reminder) and the closing summary for the coordination channel. Apart
from `rounds.py` so that `events.py` can name them without importing the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from capacity.domain.figures import Model


class RoundMessage(Model):
    """A direct message to one editor about one municipality: the request when the
    round opens, or a reminder. Delivered once (its key)."""

    kind: Literal["round_message"] = "round_message"
    purpose: Literal["ask", "remind"]
    round_id: int
    round_name: str
    year: int
    deadline: datetime
    user: str
    number: str
    name: str
    last_year: int | None = None
    reminder: str = ""  # which reminder: its index in the schedule, "manual-…", "snooze-…"

    @property
    def dedupe_key(self) -> str:
        return f"round:{self.round_id}:{self.purpose}:{self.reminder}:{self.number}:{self.user}"


class RoundClosed(Model):
    """The coordination channel's summary when a round is closed."""

    kind: Literal["round_closed"] = "round_closed"
    round_id: int
    round_name: str
    year: int
    scope_title: str
    deadline: datetime
    closed_at: datetime
    closed_by: str
    members: int
    answered: int
    late: tuple[str, ...]
    not_answered: tuple[str, ...]
    no_contact: tuple[str, ...]
    offered: int
    extra: int
    last_year: int | None = None

    @property
    def dedupe_key(self) -> str:
        return f"round:{self.round_id}:closed"


class RoundLine(Model):
    """An open round as the weekly summary lists it."""

    name: str
    year: int
    deadline: datetime
    answered: int
    members: int
    late: int = 0
    not_answered: tuple[str, ...] = ()  # the names of those that have not (the first few)
