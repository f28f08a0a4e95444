"""The workspace's users and their languages, known before anyone asks.

`users.list` with `include_locale`, a page at a time (Slack's cursor), at start and then
every `PERIOD` seconds, in a thread of its own: the start never waits for it and no
answer does (the event loop is not where it runs). Each pass replaces what
`UserLanguages` knows of the workspace at once (`UserLanguages.learn`), so a user's
first question, or their first of the hour, is answered in their language without a
`users.info` round trip. A failed pass is logged and tried again after `RETRY` seconds;
what the last good one found is kept meanwhile. A user the list does not have yet (one
who joined since) is looked up as before, with `users.info`, within its 0.25 s budget.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from bot.user_language import UserLanguages, language_of

log = logging.getLogger("bot.user_language")

PERIOD = 3600.0  # s between two passes over the workspace's users
RETRY = 300.0  # s before a failed pass is tried again
PAGE = 200  # members a page (Slack recommends at most 200)


class UsersList(Protocol):
    def users_list(self, *, cursor: str | None, limit: int, include_locale: bool) -> Any: ...


class UserDirectory:
    """Passes over `users.list`, feeding what it finds to `languages`."""

    def __init__(
        self,
        client: UsersList,
        languages: UserLanguages,
        *,
        period: float = PERIOD,
        retry: float = RETRY,
        page: int = PAGE,
    ) -> None:
        self.client, self.languages = client, languages
        self.period, self.retry, self.page = period, retry, page
        self.passes = 0  # completed passes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> int:
        """One pass over every page: how many users it found. Raises when a page fails
        (nothing is learned from a pass that did not finish)."""
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            page = self.client.users_list(cursor=cursor, limit=self.page, include_locale=True)
            for member in page.get("members") or ():
                user = member.get("id") if isinstance(member, dict) else None
                if isinstance(user, str) and not member.get("deleted"):
                    found[user] = language_of(member.get("locale"), self.languages.default)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        self.languages.learn(found)
        self.passes += 1
        return len(found)

    def run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                count = self.refresh()
            except Exception as error:  # Slack down, rate-limited, a bad token: later
                log.warning("users.list failed (%s); trying again in %.0f s", error, self.retry)
                wait = self.retry
            else:
                log.info("users.list: the languages of %d users known", count)
                wait = self.period

    def start(self) -> UserDirectory:
        self._thread = threading.Thread(target=self.run, name="users.list", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
