"""Each user's own language: the Slack locale mapped onto the catalogues, cached with a
time to live, and never holding an answer up for long."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.user_language import UserLanguages, language_of


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "en"),
        ("en-GB", "en"),
        ("nn-NO", "nn"),
        ("nb-NO", "nb"),
        ("no-NO", "nb"),
        ("no", "nb"),
        ("nb", "nb"),
        ("NN_no", "nn"),
        ("de-DE", "en"),  # no catalogue: the default
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_locale_maps_onto_a_catalogue_or_the_default(locale, expected):
    assert language_of(locale, "en") == expected


class FakeSlack:
    def __init__(self, locales: dict[str, str], delay: float = 0.0, fail: bool = False):
        self.locales, self.delay, self.fail = locales, delay, fail
        self.calls: list[str] = []

    async def users_info(self, *, user: str, include_locale: bool):
        assert include_locale is True
        self.calls.append(user)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise ConnectionError("Slack is down")
        return {"ok": True, "user": {"id": user, "locale": self.locales.get(user, "")}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_user_gets_their_language_and_it_is_kept():
    slack = FakeSlack({"UEN": "en-US", "UNN": "nn-NO", "UNB": "nb-NO"})
    clock = Clock()
    users = UserLanguages(slack, "nb", clock=clock, ttl=3600)

    async def run():
        found = [await users.language(u) for u in ("UEN", "UNN", "UNB", "UEN", "UNN")]
        clock.now += 3601  # kept for an hour, then asked again
        found.append(await users.language("UEN"))
        return found

    assert asyncio.run(run()) == ["en", "nn", "nb", "en", "nn", "en"]
    assert slack.calls == ["UEN", "UNN", "UNB", "UEN"]


def test_a_slow_lookup_answers_in_the_default_in_time_and_fills_the_cache():
    slack = FakeSlack({"UEN": "en-US"}, delay=0.5)
    users = UserLanguages(slack, "nb", limit=0.1)

    async def run():
        started = time.monotonic()
        first = await users.language("UEN")
        waited = time.monotonic() - started
        await asyncio.sleep(0.6)  # the lookup goes on in the background
        return first, waited, await users.language("UEN")

    first, waited, later = asyncio.run(run())
    assert first == "nb" and waited < 0.3
    assert later == "en"
    assert slack.calls == ["UEN"]  # one lookup, not one per request


def test_a_failing_lookup_is_the_default_and_is_not_repeated_at_once():
    slack = FakeSlack({}, fail=True)
    clock = Clock()
    users = UserLanguages(slack, "nn", clock=clock, failed_ttl=60)

    async def run():
        found = [await users.language("UX"), await users.language("UX")]
        clock.now += 61
        found.append(await users.language("UX"))
        return found

    assert asyncio.run(run()) == ["nn", "nn", "nn"]
    assert slack.calls == ["UX", "UX"]


def test_ids_that_are_not_slack_users_are_never_looked_up():
    slack = FakeSlack({})
    users = UserLanguages(slack, "nb")
    assert asyncio.run(users.language("<@U1>")) == "nb"
    assert asyncio.run(users.language("")) == "nb"
    assert slack.calls == []


def test_the_cache_is_bounded():
    slack = FakeSlack({f"U{i}": "en-US" for i in range(10)})
    users = UserLanguages(slack, "nb", size=3)

    async def run():
        for i in range(10):
            await users.language(f"U{i}")

    asyncio.run(run())
    assert len(users._cache) == 3
    assert users.cached("U9") == "en" and users.cached("U0") is None
