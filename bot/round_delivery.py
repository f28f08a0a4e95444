"""A round's direct messages, delivered by the outbox worker: the request when a round
opens, and each reminder, to one editor about one municipality.

Exactly once, as the alerts are: the outbox leases each message to one worker (one bot
process of several), and each is posted with its key in the message's metadata; when an
earlier attempt's outcome is unknown (a timeout, a crash between posting and recording
it), the person's direct-message channel is searched for the key before posting again
(`conversations.history`, scope `im:history`). An attempt Slack refused outright
(`ratelimited`, an error answer) is known not to have posted, and is not searched for.

The direct-message channel comes from `conversations.open` once per person and is kept
in the database. Just before posting, the message is checked again: one whose
municipality has answered, whose round has closed, or whose person is no longer an
editor there is not sent (never a reminder after the answer). Calls are paced
(`bot.pace`): about one message a second per channel, the workspace's rate across them,
and nothing of a method until Slack's `Retry-After` has passed. A person Slack cannot
write to (`user_not_found`, `channel_not_found`, …) fails for good, and the round's
status shows it with the reason.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.i18n import Texts
from bot.notifier import alert_key, find_posted, paced_call
from bot.pace import Pace
from bot.round_forms import MESSAGE_TYPE, request_message
from capacity import Capacity
from capacity.domain.rounds import RoundMessage
from capacity.models import Alert
from capacity.usecases.notify import PermanentFailure, TemporaryFailure

log = logging.getLogger("bot.rounds")

NOT_SENT = "not sent: "  # a delivery reference for a message that was no longer wanted
MAX_KNOWN = 100_000
SLACK_ERROR = re.compile(r"[a-z_]+")  # Slack's error codes (not a lost connection's text)


class PersonDelivery:
    def __init__(
        self,
        client: WebClient,
        service: Capacity,
        texts: Texts,
        pace: Pace,
        texts_for: Callable[[str], Texts | None] | None = None,
    ) -> None:
        self.client = client
        self.service = service
        self.texts = texts  # the channel's language: for a person whose own is not known
        self.texts_for = texts_for  # a person's own language, when known without asking
        self.pace = pace
        self._not_posted: set[int] = set()  # outbox ids whose last attempt surely failed
        self._lock = threading.Lock()

    def deliver(self, alert: Alert) -> str:
        message = alert.event
        assert isinstance(message, RoundMessage)
        if not self.service.round_message_wanted(message):
            return NOT_SENT + "answered, closed, or no longer an editor"
        channel = self._channel(message.user)
        key = alert_key(alert)
        with self._lock:
            known = alert.id in self._not_posted
        if alert.attempts > 1 and not known:
            found = find_posted(self.client, channel, alert.created_at, key, MESSAGE_TYPE)
            if found:
                log.info("Message %s was posted before (ts %s); not again", alert.id, found)
                return found
        texts = (self.texts_for(message.user) if self.texts_for else None) or self.texts
        shown = request_message(message, texts)
        try:
            response = self._call(
                "chat.postMessage",
                channel,
                channel=channel,
                text=shown.text,
                blocks=shown.blocks,
                metadata={"event_type": MESSAGE_TYPE, "event_payload": {"alert_key": key}},
                unfurl_links=False,
            )
        except (TemporaryFailure, PermanentFailure) as error:
            if SLACK_ERROR.fullmatch(str(error)):
                self._refused(alert.id)  # Slack answered with an error: nothing was posted
            raise
        with self._lock:
            self._not_posted.discard(alert.id)
        return str(response.get("ts", ""))

    def _refused(self, alert_id: int) -> None:
        with self._lock:
            if len(self._not_posted) >= MAX_KNOWN:
                self._not_posted.clear()  # only a cost: those are searched for again
            self._not_posted.add(alert_id)

    def _channel(self, user: str) -> str:
        """The person's direct-message channel: kept, or opened once."""
        channel = self.service.dm_channel(user)
        if channel:
            return channel
        response = self._call("conversations.open", None, users=user, return_im=False)
        channel = str(((response.get("channel") or {}).get("id")) or "")
        if not channel:
            raise TemporaryFailure("conversations.open gave no channel")
        self.service.remember_dm(user, channel)
        return channel

    def _call(self, method: str, paced: str | None, **kwargs: Any) -> Any:
        """`method` with `kwargs`, paced for the channel `paced` (None: no channel)."""
        return paced_call(self.client, self.pace, method, paced, **kwargs)
