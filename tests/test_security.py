"""What an attacker tries: unsigned or replayed requests, text that pings a channel, an
editor reaching another municipality's figures; and a bug, which gets an apology."""

from __future__ import annotations

import json
import logging
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import LOCAL_SECRET, create_app
from bot.settings import load_settings
from bot.terminal import ask, command_body
from capacity import Actor, Capacity, errors
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.conftest import ADMIN, CLI
from tests.stand_in import StandIn

PINGS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0123ABC>",
    "<@U0BOSS>",
    "<https://evil.example|click>",
    "<#C0GENERAL>",
]


@pytest.fixture
def app(fresh):
    settings = load_settings(slack_signing_secret=LOCAL_SECRET, slack_bot_token="xoxb-test")
    return create_app(settings, fresh)


def live_markup(text: str, caller: str = "ULOCAL") -> list[str]:
    """Slack markup in a text that would act: a ping, a link, a mention of anyone
    but the caller (our own answers mention who made a change)."""
    return [m for m in re.findall(r"<[^>]*>", text) if m != f"<@{caller}>"]


# -- signatures --------------------------------------------------------------------------


@pytest.fixture
def server(_seeded_template, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant("U_ADMIN", "admin", CLI)
    service.store.close()
    with StandIn() as slack, BotServer(db, slack.api_url) as bot:
        yield bot, slack


def _changes(bot: BotServer) -> int:
    service = Capacity(Store(bot.db))
    try:
        return len(service.history("Oslo"))
    finally:
        service.store.close()


@pytest.mark.slow
@pytest.mark.parametrize("timestamp", ["abc", "x", "1e9", "", "-1", "12345678901234567890", "²³"])
def test_a_malformed_timestamp_is_a_401_and_nothing_is_posted(server, timestamp):
    bot, slack = server
    body = command_body("rapporter Oslo 12", user_id="U_ADMIN", response_url=slack.response_url())
    reply = bot.request(
        "/slack/events",
        body.encode(),
        {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": "v0=" + "0" * 64,
        },
    )
    assert reply.status == 401
    assert slack.calls_to("response") == []


@pytest.mark.slow
def test_a_replayed_request_is_refused_and_changes_nothing(server):
    bot, _ = server
    body = command_body("rapporter Oslo 12 møte", user_id="U_ADMIN")
    before = _changes(bot)
    assert bot.post_signed(body, timestamp=_now()).status == 200
    first = _changes(bot)
    assert first == before + 1
    assert bot.post_signed(body, timestamp=_LAST[0]).status == 401
    assert _changes(bot) == first


_LAST: list[int] = [0]


def _now() -> int:
    import time

    _LAST[0] = int(time.time())
    return _LAST[0]


@pytest.mark.slow
def test_nothing_a_user_typed_pings_a_channel_over_http(server):
    bot, slack = server
    for ping in PINGS:
        text = bot.command(f"{ping} del").json()["text"]
        assert live_markup(text, "U_COORD") == [], text
        assert "&lt;" in text
    bot.command('ny "<!channel> evac" 400 år 2020', command="/relocation", user_id="U_ADMIN")
    [alert] = slack.wait_for("chat.postMessage", 1)
    shown = json.dumps(alert.body.get("blocks")) + alert.body.get("text", "")
    assert "<!channel>" not in shown and "&lt;!channel&gt; evac" in shown


# -- escaping, in process ----------------------------------------------------------------


@pytest.mark.parametrize("ping", PINGS)
def test_a_ping_in_a_name_is_shown_escaped(app, ping):
    message = ask(app, LOCAL_SECRET, f"{ping} del")
    assert live_markup(json.dumps(message, ensure_ascii=False)) == []


def test_a_ping_in_a_reason_and_a_batch_name_is_shown_escaped(app, fresh):
    fresh.grant("ULOCAL", "admin", ADMIN)
    report = ask(app, LOCAL_SECRET, "rapporter Oslo 12 <!channel> & co")
    assert live_markup(json.dumps(report, ensure_ascii=False)) == []
    fresh.create_batch("<!here> x", 5, ADMIN, year=2020)
    for text in ('vis "<!here> x"', "liste"):
        message = ask_relocation(app, text)
        assert live_markup(json.dumps(message, ensure_ascii=False)) == []
        assert "&lt;!here&gt; x" in json.dumps(message, ensure_ascii=False)


@pytest.mark.parametrize("ping", PINGS)
def test_a_ping_in_a_reason_read_two_ways_is_shown_escaped_and_carried_on_as_typed(app, ping):
    message = ask(app, LOCAL_SECRET, f"rapporter Oslo 50 100 {ping} & co")
    shown = [message["text"], *(b["text"]["text"] for b in message["blocks"] if "text" in b)]
    assert live_markup("\n".join(shown)) == []
    carried = [json.loads(e["value"])["t"] for b in message["blocks"] if b["type"] == "actions"
               for e in b["elements"]]  # fmt: skip
    assert carried == [f"rapporter Oslo 50.100 {ping} & co", f"rapporter Oslo 50 «100 {ping} & co»"]


def ask_relocation(app, text: str) -> dict:
    import asyncio

    from slack_bolt.request.async_request import AsyncBoltRequest

    from bot.terminal import signed_headers

    body = command_body(text, command="/relocation")
    request = AsyncBoltRequest(body=body, headers=signed_headers(LOCAL_SECRET, body))
    response = asyncio.run(app.async_dispatch(request))
    return json.loads(response.body)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([*PINGS, "<", ">", "&", "del", "rapporter", "Oslo", "2020", "12"]),
            st.text(alphabet="<>!@#&|^abcæøå ", max_size=12),
        ),
        max_size=6,
    )
)
@pytest.mark.slow
def test_no_text_ever_comes_back_as_live_markup(app, words):
    message = ask(app, LOCAL_SECRET, " ".join(words))
    assert live_markup(json.dumps(message, ensure_ascii=False)) == []


FORMATTING = re.compile(r"[*~`]|(?<![^\W_])_|_(?![^\W_])")  # what Slack would format


def formatting(message: dict) -> list[str]:
    """The characters in a message's mrkdwn that can format (an `_` inside a word cannot)."""
    texts = [message.get("text", "")]
    texts += [b["text"]["text"] for b in message.get("blocks", []) if "text" in b]
    texts += [e["text"] for b in message.get("blocks", []) for e in b.get("elements", [])
              if isinstance(e.get("text"), str)]  # fmt: skip
    return sorted(FORMATTING.findall("\n".join(texts)))


@pytest.mark.parametrize("typed", ["*fet*", "_kursiv_", "~strek~", "`kode`", "*_~`"])
def test_a_name_typed_with_formatting_characters_is_shown_as_typed_not_formatted(app, typed):
    message = ask_relocation(app, f'vis "Moria {typed}"')
    neutral = ask_relocation(app, f'vis "Moria {"x" * len(typed)}"')
    assert formatting(message) == formatting(neutral)  # only the catalogue's own
    shown = message["blocks"][0]["text"]["text"]
    assert "«Moria " + typed.translate(str.maketrans("*_~`", "∗ˍ∼ˋ")) + "»" in shown


def test_an_underscore_inside_a_word_is_kept_as_typed(app, fresh):
    fresh.grant("ULOCAL", "admin", ADMIN)
    message = ask_relocation(app, 'ny "kari_nordmann *1*" 5 år 2020')
    assert "kari_nordmann ∗1∗" in message["blocks"][0]["text"]["text"]


def test_a_batch_name_with_formatting_characters_formats_nothing_on_any_surface(fresh):
    """Answers, the Home, the weekly summary, an alert and a plan: the typed `*` `_` `~`
    `` ` `` are shown as their lookalikes, whatever the surface, in each language."""
    from bot.alerts import alert_message
    from bot.batch_blocks import batch_page
    from bot.home_blocks import home_view
    from bot.i18n import Texts
    from bot.plan_blocks import plan_preview
    from bot.summary_blocks import summary_message

    typed, shown = "*fet* _kursiv_ ~strek~ `kode`", "∗fet∗ ˍkursivˍ ∼strek∼ ˋkodeˋ"
    created = fresh.create_batch(typed, 900, ADMIN, households=(5,) * 180, year=2020)
    [event] = created.events  # 900 persons do not fit the network's 398
    for language in ("nb", "nn", "en"):
        t = Texts(language)
        surfaces = {
            "batch": batch_page(fresh.batch_page(typed), t, "KS storbynettverk").blocks,
            "home": home_view(fresh.home(ADMIN.id), t, fresh.clock())["blocks"],
            "summary": summary_message(fresh.summary(), t).blocks,
            "alert": alert_message(event, t).blocks,
            "plan": plan_preview(fresh.plan_batch(typed, ADMIN), t, "KS").blocks,
        }
        for surface, blocks in surfaces.items():
            mrkdwn = "\n".join(texts_of(blocks, "mrkdwn"))
            assert "*fet*" not in mrkdwn and "`kode`" not in mrkdwn, (surface, language)
            plain = "\n".join(texts_of(blocks, "plain_text"))  # formats nothing: as typed
            assert shown in mrkdwn or typed in plain, (surface, language)


def texts_of(found: object, kind: str) -> list[str]:
    """Every text object of a kind ("mrkdwn", "plain_text") anywhere in blocks."""
    if isinstance(found, list):
        return [text for item in found for text in texts_of(item, kind)]
    if not isinstance(found, dict):
        return []
    own = (
        [found["text"]] if found.get("type") == kind and isinstance(found.get("text"), str) else []
    )
    return own + [text for value in found.values() for text in texts_of(value, kind)]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="*_~`ab æ<&", min_size=1, max_size=14).filter(str.strip))
@pytest.mark.slow
def test_no_formatting_character_typed_ever_formats(app, typed):
    typed = " ".join(typed.split())
    message = ask_relocation(app, f'vis "{typed}"')
    neutral = ask_relocation(app, f'vis "{"x" * len(typed)}"')
    assert formatting(message) == formatting(neutral), message


# -- editor rights follow municipality history ----------------------------------------


def test_an_editor_of_haram_cannot_change_alesunds_2020_figures(fresh):
    haram = Actor(id="U_HARAM", name="Haram")
    fresh.grant(haram.id, "editor", ADMIN, "Haram")
    with pytest.raises(errors.PermissionDenied):
        fresh.report_spare("1507", 10, haram, year=2020, source="x")
    assert fresh.report_spare("Haram", 10, haram, year=2024, source="x").after == 10


def test_an_editor_of_a_renumbered_municipality_edits_both_numbers(fresh):
    tromso = Actor(id="U_TROMSO", name="Tromsø")
    fresh.grant(tromso.id, "editor", ADMIN, "Tromsø")
    assert fresh.report_spare("Tromsø", 40, tromso, year=2020, source="x").after == 40
    assert fresh.report_spare("Tromsø", 41, tromso, year=2024, source="x").after == 41


def test_a_role_for_a_municipality_before_2024_is_granted_by_its_number(fresh):
    alesund = Actor(id="U_ALESUND", name="Ålesund 2020")
    fresh.grant(alesund.id, "editor", ADMIN, "1507")
    assert fresh.report_spare("1507", 12, alesund, year=2020, source="x").after == 12
    [(role, place)] = fresh.roles(alesund.id)
    assert place.number == "1507"
    with pytest.raises(errors.PermissionDenied):
        fresh.report_spare("Haram", 10, alesund, year=2024, source="x")


# -- a bug --------------------------------------------------------------------------------


def test_a_bug_gets_an_apology_and_its_traceback_is_logged(app, fresh, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(type(fresh), "capacity", broken)
    with caplog.at_level(logging.ERROR, logger="bot"):
        message = ask(app, LOCAL_SECRET, "Trondheim")
    assert message["text"].startswith("Beklager, noe gikk galt")
    assert "ingenting ble endret" not in message["text"]
    assert "Skriv:" not in message["text"] and "/capacity" not in message["text"]
    [record] = [r for r in caplog.records if r.message == "Unhandled error in a listener"]
    assert record.exc_info and record.exc_info[0] is KeyError
