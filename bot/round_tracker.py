"""The tracker message of each round in the coordination channel, kept current.

A thread polls for trackers that need writing (`Capacity.trackers_due`): posted when a
round opens, then changed with `chat.update` (answered and not answered per county, the
places offered, the late ones, "updated 14:32"), the deadline passing and the closing.
Changes are coalesced: a tracker is written at most once every `interval` seconds (5 by
default; Slack's Tier 3 for `chat.update`), measured on the wall clock and kept in the
database, so that a second bot process or a restart keeps to it too. One process writes
each tracker (a lease in the database). A tracker whose message was deleted
(`message_not_found`) is posted again and the new message remembered. Each post carries
the tracker's key in its metadata: a post whose outcome was lost is looked for before
posting again, so a round never gets two trackers.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.i18n import Texts
from bot.notifier import find_posted, paced_call
from bot.pace import Pace
from bot.round_blocks import TRACKER_KEY, tracker_message
from capacity import Capacity
from capacity.usecases.notify import PermanentFailure, TemporaryFailure, Worker, backoff
from capacity.usecases.round_trackers import Tracker

log = logging.getLogger("bot.rounds")

INTERVAL = 5.0  # seconds between two writes of one tracker
LEASES = 3  # a process holds a tracker for this many intervals after writing it (at least 3 s)


class TrackerWorker(Worker):
    def __init__(
        self,
        service: Capacity,
        client: WebClient,
        channel: str,
        texts: Texts,
        pace: Pace,
        *,
        interval: float = INTERVAL,
        lease: float | None = None,
        poll: float = 0.5,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.client = client
        self.channel = channel
        self.texts = texts
        self.pace = pace
        self.interval = interval
        self.lease = lease if lease is not None else max(3.0, LEASES * interval)
        self.poll = poll
        self.wall = wall
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.writes = 0  # chat.update and chat.postMessage calls tried (for the benchmark)
        self._failures: dict[int, tuple[int, float]] = {}  # round -> (failures, next try)
        super().__init__("round-tracker")

    def _run(self) -> None:
        failed = False
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.refresh()
                failed = False
            except Exception:  # the next poll tries again; a fault is logged once
                if not failed:
                    log.exception("Updating the round trackers failed; trying again")
                failed = True
            self._wake.wait(self.poll)

    def refresh(self) -> int:
        """Write the trackers that need it and whose time has come; how many were."""
        done = 0
        for tracker in self.service.trackers_due(self.channel):
            now = self.wall()
            failures, next_try = self._failures.get(tracker.round_id, (0, 0.0))
            if now - tracker.written_at < self.interval or now < next_try:
                continue
            if not self.service.take_tracker_lease(tracker.round_id, self.owner, now, self.lease):
                continue  # another process writes this one
            try:
                self._write(tracker)
            except (TemporaryFailure, PermanentFailure) as error:
                self._failures[tracker.round_id] = (failures + 1, now + backoff(failures + 1))
                log.warning("Tracker of round %s not written: %s", tracker.round_id, error)
                continue
            self._failures.pop(tracker.round_id, None)
            done += 1
        return done

    def _write(self, tracker: Tracker) -> None:
        state = self.service.round_status_by_id(tracker.round_id)
        message = tracker_message(state, self.texts, self.service.clock())
        body: dict[str, Any] = {"text": message.text, "blocks": message.blocks}
        channel, ts = tracker.channel, tracker.ts
        if ts:
            try:
                self._call("chat.update", channel, channel=channel, ts=ts, **body)
            except TemporaryFailure as error:
                if str(error) != "message_not_found":
                    raise
                log.info("Tracker of round %s was deleted; posting a new one", tracker.round_id)
                self.service.tracker_replaced(tracker.round_id, self.owner)
                ts = ""
        if not ts:
            key = f"tracker:{tracker.round_id}"
            posts = self.service.tracker_posting(tracker.round_id, self.owner)
            found = None
            if posts > 1:  # an earlier post's outcome is unknown: look for it first
                found = find_posted(self.client, channel, state.round.opened_at, key, TRACKER_KEY)
            if found:
                ts = found
                self._call("chat.update", channel, channel=channel, ts=ts, **body)
            else:
                metadata = {"event_type": TRACKER_KEY, "event_payload": {"alert_key": key}}
                response = self._call(
                    "chat.postMessage", channel, channel=channel, metadata=metadata, **body
                )
                ts = str(response.get("ts", ""))
        self.service.tracker_written(tracker.round_id, self.owner, ts, tracker.wanted, self.wall())

    def _call(self, method: str, paced: str, **kwargs: Any) -> Any:
        """`method` with `kwargs`, paced for the channel `paced`."""
        self.writes += 1
        return paced_call(self.client, self.pace, method, paced, **kwargs)
