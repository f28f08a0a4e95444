"""Each user's own language: the Slack locale mapped onto the catalogues, cached with a
time to live, and never holding an answer up for long."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.i18n import Texts
from bot.listeners.deps import Deps
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


@pytest.mark.slow
def test_a_slow_lookup_answers_in_the_default_in_time_and_fills_the_cache():
    slack = FakeSlack({"UEN": "en-US"}, delay=0.5)
    users = UserLanguages(slack, "nb", limit=0.1)

    async def run():
        started = time.monotonic()
        first = await users.language("UEN")
        waited = time.monotonic() - started
        deadline = time.monotonic() + 5
        while users.cached("UEN") is None:  # the lookup goes on in the background
            assert time.monotonic() < deadline, "the lookup never ended"
            await asyncio.sleep(0.01)
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


def test_socket_mode_answers_each_user_in_their_language_and_publishes_home(fresh):
    """The default deployment: envelopes over the socket, dispatched by Bolt's handler,
    with users.info and views.publish at the stand-in."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.app import create_app, follow_user_locales
    from bot.settings import load_settings
    from tests.stand_in import StandIn
    from tests.test_socket_mode import SLASH_COMMAND, RecordingSocketClient

    with StandIn() as slack:
        slack.locales.update({"U_EN": "en-US", "U_NN": "nn-NO"})
        settings = load_settings(
            slack_bot_token="xoxb-test",
            slack_app_token="xapp-1-test",
            slack_api_url=slack.api_url,
            capacity_language="nb",
        )
        app = create_app(settings, fresh)
        follow_user_locales(app, settings)
        client = RecordingSocketClient()

        def envelope(n: int, kind: str, payload: dict) -> SocketModeRequest:
            return SocketModeRequest.from_dict(
                {
                    "envelope_id": f"e{n}",
                    "type": kind,
                    "accepts_response_payload": kind != "events_api",
                    "payload": payload,
                }
            )

        async def deliver() -> None:
            handler = AsyncSocketModeHandler(app, settings.slack_app_token)  # not connected
            for n, user in enumerate(("U_EN", "U_NN", "U_OTHER", "U_EN")):
                command = {**SLASH_COMMAND, "user_id": user, "text": "Trondheim"}
                await handler.handle(client, envelope(n, "slash_commands", command))
            event = {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event_id": "Ev1",
                "event": {"type": "app_home_opened", "user": "U_NN", "tab": "home"},
            }
            await handler.handle(client, envelope(9, "events_api", event))
            await app.deps.home.drain()
            await handler.client.aiohttp_client_session.close()

        asyncio.run(deliver())
        texts = [r.payload["text"] for r in client.sent if r.payload]
        assert texts[0].startswith("Trondheim (5001), 2020: 115 spare places now")
        assert texts[1].startswith("Trondheim (5001), 2020: 115 ledige plassar no")
        assert texts[2].startswith("Trondheim (5001), 2020: 115 ledige plasser nå")  # default
        assert texts[3].startswith("Trondheim (5001), 2020: 115 spare places")
        [home] = slack.views("U_NN")
        assert home["type"] == "home"
        assert "Du er ikkje redaktør for nokon kommune" in json.dumps(home, ensure_ascii=False)


def test_a_language_known_without_asking_is_read_from_any_thread_and_never_asks_slack(fresh):
    slack = FakeSlack({"UEN": "en-US"})
    users = UserLanguages(slack, "nb")
    assert users.known("UEN") is None
    asyncio.run(users.language("UEN"))  # a lookup, kept
    users.learn({"UNN": "nn"})
    assert users.known("UNN") == "nn" and users.known("UEN") == "en"
    assert users.known("UX") is None and slack.calls == ["UEN"]
    deps = Deps(service=fresh, texts=Texts("nb"), languages=users)
    assert deps.recipient_texts("UNN").language == "nn"
    assert deps.recipient_texts("UNKNOWN") is None  # the channel's, decided by the sender
