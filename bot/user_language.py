"""Each user's own language: their Slack locale (`users.info` with `include_locale`),
kept for a while, mapped onto the catalogues there are (`capacity/texts/locales/*.toml`).

A lookup never makes an answer slow: a known user costs a dict lookup. The serving bot
knows the workspace's users before they ask (`bot.user_directory`: `users.list` at
start and every hour, handed over with `learn`); a user it does not know yet (one who
joined since) is answered at once in the default language (CAPACITY_LANGUAGE) and
looked up with `users.info` after the answer, which fills the cache for their next
request. Until the workspace's list is known (its first pass failed, or the app has no
`users:read`), a user's first request waits at most `limit` seconds for `users.info`,
then answers in the default while the lookup finishes in the background. A failed
lookup is remembered briefly, so that a Slack that is down is not asked again on every
request. Alerts and the weekly summary do not come
through here: they are in the channel's language.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol

from bot.i18n import Texts, is_user_id
from capacity.texts.i18n import languages

log = logging.getLogger("bot.user_language")

ALIASES = {"no": "nb"}  # Slack's "no-NO" (and a bare "no") is Bokmål
TTL = 3600.0  # s a user's locale is kept
FAILED_TTL = 60.0  # s a failed lookup is kept (answers in the default meanwhile)
LIMIT = 0.25  # s the first lookup of a user may hold up an answer
SIZE = 10_000  # users kept; the least recently asked go first


def language_of(locale: str | None, default: str) -> str:
    """`en-US` → en, `nn-NO` → nn, `nb-NO`/`no-NO`/`no` → nb; a locale there is no
    catalogue for (or none) → `default`."""
    if not locale or not isinstance(locale, str):
        return default
    code = locale.replace("_", "-").split("-")[0].strip().lower()
    code = ALIASES.get(code, code)
    return code if code in languages() else default


class UsersInfo(Protocol):
    async def users_info(self, *, user: str, include_locale: bool) -> Any: ...


class UserLanguages:
    def __init__(
        self,
        client: UsersInfo,
        default: str,
        *,
        ttl: float = TTL,
        failed_ttl: float = FAILED_TTL,
        limit: float = LIMIT,
        size: int = SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.default = default
        self.ttl, self.failed_ttl, self.limit, self.size = ttl, failed_ttl, limit, size
        self.clock = clock
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._pending: dict[str, asyncio.Task[str]] = {}
        self._workspace: dict[str, str] = {}  # from users.list; replaced whole, never changed

    def learn(self, workspace: dict[str, str]) -> None:
        """Every user of the workspace and their language, replacing what was known
        (from any thread: one assignment of a dict no one changes afterwards)."""
        self._workspace = dict(workspace)

    def known(self, user_id: str) -> str | None:
        """The user's language when known, from any thread (the outbox's): the
        workspace's list, or a lookup still kept; never asks Slack, changes nothing."""
        known = self._workspace.get(user_id)
        if known is not None:
            return known
        found = self._cache.get(user_id)
        return found[0] if found is not None and found[1] > self.clock() else None

    def cached(self, user_id: str) -> str | None:
        """`known`, on the event loop: a lookup kept is marked as recently asked."""
        found = self.known(user_id)
        if found is not None and user_id in self._cache:
            self._cache.move_to_end(user_id)
        return found

    async def language(self, user_id: str) -> str:
        """The user's language, or the default when it is not known within `limit`."""
        if not isinstance(user_id, str) or not is_user_id(user_id):
            return self.default
        found = self.cached(user_id)
        if found is not None:
            return found
        task = self._pending.get(user_id)
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = asyncio.get_running_loop().create_task(self._lookup(user_id))
            self._pending[user_id] = task
        if self._workspace:  # known before anyone asked: one who joined since waits for nothing
            return self.default
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.limit)
        except TimeoutError:
            log.info("users.info for %s is slow: answering in %s", user_id, self.default)
            return self.default

    async def _lookup(self, user_id: str) -> str:
        language, ttl = self.default, self.failed_ttl
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
            user = response.get("user") if response.get("ok") else None
            if isinstance(user, dict) and user.get("locale"):
                language, ttl = language_of(user["locale"], self.default), self.ttl
        except Exception as error:  # Slack down, a bad token, a timeout: the default
            log.warning("users.info for %s failed: %s", user_id, error)
        finally:
            self._pending.pop(user_id, None)
        self._cache[user_id] = (language, self.clock() + ttl)
        self._cache.move_to_end(user_id)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return language


_request_texts: ContextVar[Texts | None] = ContextVar("request_texts", default=None)


def speak(texts: Texts | None) -> None:
    """`texts` are this request's (and the work it starts), for the rest of it; None:
    the channel's. Set anew for every request: Bolt's global middleware do not wrap the
    listeners, so it is set, not reset; each request runs in a task of its own, and the
    next request through the same task sets its own."""
    _request_texts.set(texts)


class RequestTexts:
    """`Deps.texts` (a descriptor-typed dataclass field): the texts of the user a request
    is from while it is answered (`speak`), the channel's language (CAPACITY_LANGUAGE)
    outside a request: alerts, the weekly summary. What it is given is the channel's."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = f"_{name}_of_channel"

    def __get__(self, instance: Any, owner: type | None = None) -> Texts:
        if instance is None:  # asked by @dataclass for a default: there is none
            raise AttributeError("texts")
        return _request_texts.get() or getattr(instance, self.attribute)

    def __set__(self, instance: Any, value: Texts) -> None:
        setattr(instance, self.attribute, value)
