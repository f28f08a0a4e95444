"""The Slack side of the notifications port: posts alerts to the coordination channel.

Exactly once: every alert is posted with message metadata carrying a stable key (the
outbox id and the event's key). When an earlier attempt's outcome is unknown (a timeout,
a dropped connection, a crash between posting and recording it), the channel's recent
history is searched for that key before posting again; if it cannot be searched, nothing
is posted and the attempt is retried later. A duplicate would need Slack to accept a
message and then hide it from `conversations.history`, which it does not.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts import alert_message
from bot.backup_blocks import backup_failed_message
from bot.i18n import Texts
from bot.pace import Pace
from bot.round_blocks import closing_message
from bot.summary_blocks import summary_message
from capacity.domain.backup_events import BackupFailed
from capacity.domain.rounds import RoundClosed, RoundMessage
from capacity.models import Alert, WeeklySummary
from capacity.usecases.notify import Notifier, PermanentFailure, TemporaryFailure

log = logging.getLogger("bot.alerts")

EVENT_TYPE = "capacity_alert"
PERMANENT = {
    "channel_not_found",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "is_archived",
    "no_permission",
    "invalid_arguments",
    "msg_too_long",
    # a direct message: the person cannot be written to
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "not_allowed_token_type",
}
HISTORY_PAGES = 3  # with the client timeout, bounds one delivery well inside the lease


def alert_key(alert: Alert) -> str:
    return f"{alert.id}:{alert.dedupe_key}"


class SlackNotifier:
    """Alerts, the weekly summary and a round's closing summary to the coordination
    channel; a round's direct messages through `persons` (`bot.round_delivery`)."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        texts: Texts,
        *,
        persons: Notifier | None = None,
        pace: Pace | None = None,
        stale_days: int | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.texts = texts
        self.persons = persons
        self.pace = pace
        self.stale_days = stale_days  # the weekly summary says which figures are older

    def deliver(self, alert: Alert) -> str:
        if isinstance(alert.event, RoundMessage):
            if self.persons is None:
                raise TemporaryFailure("direct messages are not delivered from this process")
            return self.persons.deliver(alert)
        if not self.channel:
            raise PermanentFailure("CAPACITY_ALERT_CHANNEL is not set")
        key = alert_key(alert)
        if alert.attempts > 1:
            found = self._find(alert, key)
            if found:
                log.info("Alert %s was posted before (ts %s); not posting again", alert.id, found)
                return found
        if isinstance(alert.event, WeeklySummary):
            message = summary_message(alert.event, self.texts, self.stale_days)
        elif isinstance(alert.event, RoundClosed):
            message = closing_message(alert.event, self.texts)
        elif isinstance(alert.event, BackupFailed):
            message = backup_failed_message(alert.event, self.texts)
        else:
            message = alert_message(alert.event, self.texts)
        response = paced_call(
            self.client,
            self.pace,
            "chat.postMessage",
            self.channel,
            channel=self.channel,
            text=message.text,
            blocks=message.blocks,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"alert_key": key}},
            unfurl_links=False,
        )
        return str(response.get("ts", ""))

    def _find(self, alert: Alert, key: str) -> str | None:
        """The ts of a message already posted for this alert, searched since it was queued."""
        return find_posted(self.client, self.channel, alert.created_at, key)


def paced_call(
    client: WebClient, pace: Pace | None, method: str, paced: str | None, /, **kwargs: Any
) -> Any:
    """`method` (as Slack names it: `chat.postMessage`) with `kwargs`, as `slack_call`,
    paced for the channel `paced` (None: no channel) when there is a `pace`; Slack's
    `ratelimited` holds the method back until its Retry-After has passed."""
    if pace is None:
        return slack_call(client, method.replace(".", "_"), **kwargs)
    pace.wait(method, paced)
    try:
        return slack_call(client, method.replace(".", "_"), **kwargs)
    except TemporaryFailure as error:
        if str(error) == "ratelimited":
            pace.limited(method, error.retry_after)
        raise


def find_posted(
    client: WebClient, channel: str, since: Any, key: str, event_type: str = EVENT_TYPE
) -> str | None:
    """The ts of a message in `channel` carrying `key` in its metadata, posted since a
    minute before `since`; None when there is none; TemporaryFailure when the history
    could not be searched whole."""
    oldest = (since - timedelta(minutes=1)).timestamp()
    cursor = None
    for _ in range(HISTORY_PAGES):
        response = slack_call(
            client,
            "conversations_history",
            channel=channel,
            oldest=f"{oldest:.6f}",
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == event_type
                and (metadata.get("event_payload") or {}).get("alert_key") == key
            ):
                return str(message.get("ts", "found"))
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
    raise TemporaryFailure("could not search the whole channel history for the message")


def slack_call(client: WebClient, method: str, **kwargs: Any) -> Any:
    """A Web API call, its failures as the outbox's: temporary (retried with backoff;
    `ratelimited` with Retry-After) or permanent (named by Slack's error code)."""
    try:
        return getattr(client, method)(**kwargs)
    except SlackApiError as error:
        response = error.response
        status = getattr(response, "status_code", 0)
        data = response.data if isinstance(getattr(response, "data", None), dict) else {}
        code = data.get("error") or f"HTTP {status}"
        if status == 429 or code == "ratelimited":
            retry_after = _seconds(
                response.headers.get("Retry-After") if response.headers else None
            )
            raise TemporaryFailure("ratelimited", retry_after=retry_after) from None
        if code in PERMANENT:
            raise PermanentFailure(code) from None
        raise TemporaryFailure(code) from None
    except (
        OSError,
        TimeoutError,
        ValueError,
        HTTPException,
    ) as error:  # refused, reset, timeout, bad body
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from None


def _seconds(value: Any) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
