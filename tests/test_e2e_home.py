"""The Home tab and each user's own language, end to end: the bot's HTTP server as a
real process, Slack's requests signed, and the Slack stand-in on 127.0.0.1 answering
views.publish and users.info (each user's locale)."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.test_home import text_of

pytestmark = pytest.mark.slow

CLI = Actor(id="cli:test", trusted=True)
LOCALES = {
    "U_TRD": "nb-NO",
    "U_ADMIN": "en-US",
    "U_EN": "en-US",
    "U_NN": "nn-NO",
    "U_NB": "nb-NO",
    "U_NO": "no-NO",
}


@pytest.fixture
def db(_seeded_template, tmp_path):
    path = tmp_path / "bot.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    service.grant("U_ADMIN", "admin", CLI)
    service.grant("U_TRD", "editor", CLI, "Trondheim")
    service.store.close()
    return path


@pytest.fixture
def slack():
    with StandIn() as stand_in:
        stand_in.locales.update(LOCALES)
        yield stand_in


def open_home(bot, user: str, n: int = 1):
    started = time.monotonic()
    reply = bot.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=f"Ev{user}{n}",
    )
    return reply, time.monotonic() - started


def test_opening_home_publishes_the_users_numbers_and_a_report_refreshes_it(db, slack):
    with BotServer(db, slack.api_url) as bot:
        reply, took = open_home(bot, "U_TRD")
        assert reply.status == 200 and took < 1.0
        [view] = slack.wait_views("U_TRD", 1)
        assert view["type"] == "home" and len(view["blocks"]) <= 100
        text = text_of(view)
        assert "KAPASITET" in text.upper() and "planleggingsår 2020" in text
        assert "*Trondheim* (5001): *115* ledige – 115 rapportert, 0 reservert" in text
        assert "KS storbynettverk" in text  # the network's table, with its total
        assert "*Totalt*: 398 ledige av 398 rapportert (0 reservert)" in text
        assert "Rapporter ledig kapasitet" in text and "Varsler" not in text  # not an admin

        # The admin opens theirs too (in English: their locale is en-US)
        open_home(bot, "U_ADMIN")
        [admin] = slack.wait_views("U_ADMIN", 1)
        assert "Alerts to the coordination channel" in text_of(admin)

        # A change: Trondheim's editor reports; both Homes are refreshed, once each
        answer = bot.command("rapporter Trondheim 120 nye boliger", user_id="U_TRD")
        assert "120" in answer.json()["text"]
        views = slack.wait_views("U_TRD", 2)
        assert "*Trondheim* (5001): *120* ledige – 120 rapportert" in text_of(views[-1])
        assert "av kari" in text_of(views[-1])  # the last change and who made it
        admin_views = slack.wait_views("U_ADMIN", 2)
        assert "403 spare of 403 reported (0 reserved)" in text_of(admin_views[-1])
        time.sleep(3)  # the debounce has passed: no more publishes for that one change
        assert len(slack.views("U_TRD")) == 2 and len(slack.views("U_ADMIN")) == 2


def test_a_batch_name_is_escaped_on_home(db, slack):
    with BotServer(db, slack.api_url) as bot:
        made = bot.command(
            'ny "<!channel> evac" 12 år 2020', command="/relocation", user_id="U_ADMIN"
        )
        assert made.status == 200
        open_home(bot, "U_ADMIN")
        [view] = slack.wait_views("U_ADMIN", 1)
        raw = json.dumps(view)
        assert "<!channel>" not in raw
        assert "&lt;!channel&gt; evac" in text_of(view)
        assert "Open batches* (1)" in text_of(view)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("U_EN", "Trondheim (5001), 2020: 115 spare places now"),
        ("U_NN", "Trondheim (5001), 2020: 115 ledige plassar no"),
        ("U_NB", "Trondheim (5001), 2020: 115 ledige plasser nå"),
        ("U_NO", "Trondheim (5001), 2020: 115 ledige plasser nå"),
    ],
)
def test_each_user_is_answered_in_their_own_language(db, slack, user, expected):
    with BotServer(db, slack.api_url, language="nb") as bot:
        bot.command("Trondheim", user_id=user)  # the first may answer while looking it up
        assert bot.command("Trondheim 2020", user_id=user).json()["text"].startswith(expected)
        [call] = slack.calls_to("users.info")  # looked up once, then kept
        assert call.body["user"] == user and call.body["include_locale"] in ("true", "1")


def test_keywords_in_any_language_whatever_the_answers_language(db, slack):
    with BotServer(db, slack.api_url) as bot:
        for user in ("U_EN", "U_NN"):
            bot.command("Oslo", user_id=user)  # their locales are looked up and kept
        english = bot.command("historikk Trondheim", user_id="U_EN").json()["text"]
        assert english.startswith("Changes for Trondheim (5001)")
        nynorsk = bot.command("history Trondheim", user_id="U_NN").json()["text"]
        assert nynorsk.startswith("Endringar for Trondheim (5001)")
        assert "shows spare refugee-settlement capacity" in json.dumps(
            bot.command("hjelp", user_id="U_EN").json()
        )
        assert "viser ledig busetjingskapasitet" in json.dumps(
            bot.command("help", user_id="U_NN").json(), ensure_ascii=False
        )


@pytest.mark.parametrize("fault", ["slow", "error"])
def test_users_info_slow_or_failing_answers_in_the_default_language_in_time(db, slack, fault):
    if fault == "slow":
        slack.users_info_delay = 3.0
    else:
        slack.users_info_error = "ratelimited"
    with BotServer(db, slack.api_url, language="nn") as bot:
        for _ in range(3):
            started = time.monotonic()
            reply = bot.command("Trondheim", user_id="U_EN")
            took = time.monotonic() - started
            assert reply.status == 200 and took < 1.5
            assert reply.json()["text"].startswith("Trondheim (5001), 2020: 115 ledige plassar no")
        assert len(slack.calls_to("users.info")) == 1  # not asked again on every request


def submit(bot, view: dict, values: dict, user: str) -> object:
    return bot.submit(view, values, user_id=user)


def test_the_report_button_opens_a_form_that_reports_through_the_same_use_case(db, slack):
    with BotServer(db, slack.api_url) as bot:
        bot.action("home_report", "2020", response_url=slack.response_url(), user_id="U_TRD")
        [opened] = slack.wait_for("views.open", 1)
        view = opened.body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["callback_id"] == "home_report_modal"
        place = view["blocks"][0]["element"]
        assert place["initial_option"]["value"] == "5001"  # the editor's own municipality
        chosen = {"type": "static_select", "selected_option": {"value": "5001"}}
        bad = submit(bot, view, {"municipality": chosen, "figure": "x1"}, "U_TRD").json()
        assert bad["response_action"] == "errors" and "figure" in bad["errors"]
        other = {"type": "x", "value": "Bergen"}
        refused = submit(bot, view, {"municipality": other, "figure": "9"}, "U_TRD").json()
        assert "municipality" in refused["errors"]  # Trondheim's editor cannot edit Bergen
        good = submit(bot, view, {"municipality": chosen, "year": "2020", "figure": "101"}, "U_TRD")
        assert good.status == 200 and not good.body
        [told] = slack.wait_for("chat.postMessage", 1)
        assert told.body["channel"] == "U_TRD" and "101" in told.body["text"]
    service = Capacity(Store(db))
    assert service.capacity("Trondheim").spare == 101
    service.store.close()


def test_the_new_batch_and_plan_buttons_reuse_the_relocation_flows(db, slack):
    with BotServer(db, slack.api_url) as bot:
        bot.action("home_new_batch", "2020", response_url=slack.response_url(), user_id="U_ADMIN")
        [opened] = slack.wait_for("views.open", 1)
        view = opened.body["view"]
        view = json.loads(view) if isinstance(view, str) else view
        assert view["callback_id"] == "relocation_new"  # /relocation's own form
        made = submit(
            bot,
            view,
            {"name": "Moria 2020", "persons": "12", "families": "4,4,4", "year": "2020"},
            "U_ADMIN",
        )
        assert made.status == 200 and not made.body
        [told] = slack.wait_for("chat.postMessage", 1)
        assert told.body["channel"] == "U_ADMIN" and "Moria 2020" in told.body["text"]

        bot.action("home_plan", "2020", response_url=slack.response_url(), user_id="U_ADMIN")
        plan_form = slack.wait_for("views.open", 2)[-1].body["view"]
        plan_form = json.loads(plan_form) if isinstance(plan_form, str) else plan_form
        assert plan_form["callback_id"] == "home_plan_modal"
        [option] = plan_form["blocks"][0]["element"]["options"]
        assert option["text"]["text"] == "Moria 2020 (2020): planned, 12 without a place"
        chosen = {"type": "static_select", "selected_option": {"value": option["value"]}}
        refused = submit(bot, plan_form, {"batch": chosen}, "U_TRD").json()
        assert "batch" in refused["errors"]  # planning is for admins
        planned = submit(bot, plan_form, {"batch": chosen}, "U_ADMIN")
        assert planned.status == 200 and not planned.body
        preview = slack.wait_for("chat.postMessage", 2)[-1].body
        assert preview["channel"] == "U_ADMIN"
        assert "plan_confirm" in json.dumps(preview["blocks"])  # Confirm, as /relocation fordel


def test_a_change_made_by_another_process_refreshes_home_too(db, slack):
    with BotServer(db, slack.api_url) as bot:
        open_home(bot, "U_TRD")
        slack.wait_views("U_TRD", 1)
        cli = Capacity(Store(db))  # as `capacity report …` in a terminal would
        cli.report_spare("Trondheim", 99, CLI, source="CLI")
        cli.store.close()
        views = slack.wait_views("U_TRD", 2, timeout=15)
        assert "*Trondheim* (5001): *99* ledige" in text_of(views[-1])


def test_the_chart_button_on_home_posts_the_png_in_a_direct_message(db, slack):
    with BotServer(db, slack.api_url) as bot:
        open_home(bot, "U_TRD")
        [view] = slack.wait_views("U_TRD", 1)
        buttons = [
            element
            for block in view["blocks"]
            for element in (block.get("elements") or [block.get("accessory") or {}])
            if element.get("action_id") == "capacity_chart"
        ]
        assert [json.loads(b["value"])["t"] for b in buttons] == ["storbynettverket", "5001"]
        home = {"container": {"type": "view", "view_id": "V1"}, "channel": None}
        reply = bot.action(
            "capacity_chart",
            buttons[1]["value"],
            response_url=slack.response_url(),
            user_id="U_TRD",
            extra={**home, "view": {"id": "V1", "type": "home"}},
        )
        assert reply.status == 200
        [done] = slack.wait_for("files.completeUploadExternal", 1, timeout=20)
        [uploaded] = [f for f in slack.files.values() if f.get("completed")]
        assert uploaded["channel"] == "DU_TRD"  # Home is no conversation: a direct message
        assert uploaded["data"].startswith(b"\x89PNG\r\n\x1a\n")
        assert len(uploaded["data"]) == uploaded["length"] > 10_000
