"""Numbers a coordinator can trust, end to end over signed HTTP in Bokmål and English:
the planning year, IMDi's four years, "as of", IMDi's figures kept as published, no
negative capacity, and unknown never shown as zero."""

from __future__ import annotations

import json

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.waiting import wait_delivered

pytestmark = pytest.mark.slow

ADMIN = "U_ADMIN"
FAST = {
    "CAPACITY_ALERT_RETRY_MAX": "0.3",
    "CAPACITY_ALERT_LEASE": "1",
    "CAPACITY_ALERT_POLL": "0.1",
}


@pytest.fixture
def db(admin_db):
    return admin_db


@pytest.fixture(params=["nb", "en"])
def bot(request, db):
    with StandIn() as slack, BotServer(db, slack.api_url, language=request.param, env=FAST) as bot:
        bot.slack = slack
        bot.language = request.param
        yield bot


def say(bot, text: str, command: str = "/capacity", user: str = "U_COORD") -> str:
    return bot.command(text, command=command, user_id=user).json()["text"]


def words(bot, nb: str, en: str) -> str:
    return nb if bot.language == "nb" else en


def test_a_report_for_another_year_changes_nothing_the_planning_year_shows(bot):
    report = say(
        bot, words(bot, "rapporter Trondheim 2021 40", "report Trondheim 2021 40"), user=ADMIN
    )
    assert "2021" in report
    network = say(bot, "")
    assert "2020" in network and "398" in network  # still the planning year's seven cities
    assert say(bot, "Trondheim").startswith("Trondheim (5001), 2020: 115")
    batch = say(bot, 'ny "Moria 2020" 50', command="/relocation", user=ADMIN)
    assert "(2020)" in batch


def test_the_planning_year_is_set_by_an_admin_and_attributed(bot):
    word = words(bot, "planleggingsår", "planning-year")
    assert "2020" in say(bot, word)
    refused = say(bot, f"{word} 2021")  # not an admin
    assert words(bot, "ikke lov", "may not") in refused
    assert "2020" in say(bot, word)
    changed = say(bot, f"{word} 2021", user=ADMIN)
    assert "2021" in changed and "2020" in changed and "<@U_ADMIN>" in changed
    assert say(bot, "Trondheim").startswith("Trondheim (5001), 2021:")
    assert "2021" in say(bot, "")


@pytest.mark.parametrize(
    "text", ["Trondheim 2022", "Trondheim år 2022", "2022 Trondheim", "Trondheim year 2022"]
)
def test_a_year_can_be_asked_for_as_coordinators_write_it(bot, text):
    assert say(bot, text).startswith("Trondheim (5001), 2022:")


def test_a_report_with_a_year_word_keeps_the_year_out_of_the_reason(bot, db):
    say(
        bot,
        words(
            bot,
            "rapporter Trondheim 40 år 2021 nye boliger",
            "report Trondheim 40 year 2021 new flats",
        ),
        user=ADMIN,
    )
    service = Capacity(Store(db))
    change = service.history("Trondheim")[-1]
    service.store.close()
    assert change.key == "5001/2021/spare" and change.after == 40
    assert change.reason == words(bot, "nye boliger", "new flats")


def test_2023_figures_say_they_are_imdis_table_of_25_september_2023(bot):
    this_year = bot.command("Trondheim 2023").json()
    shown = json.dumps(this_year["blocks"], ensure_ascii=False)
    assert "25.09.2023" in shown and "790" in shown
    planning = json.dumps(bot.command("Trondheim").json()["blocks"], ensure_ascii=False)
    assert "2023" in planning and "25.09.2023" in planning  # the compact line of 2023
    assert "2021" in planning and "140" in planning and "130" in planning


def test_as_of_shows_the_network_as_the_letter_reported_it(bot):
    word = words(bot, "per", "as of")
    assert say(bot, f"Trondheim {word} 1.10.2020").startswith("Trondheim (5001), 2020")
    assert "115" in say(bot, f"Trondheim {word} 1.10.2020")
    network = say(bot, f"{word} 2020-10-01")
    assert "398" in network
    before = say(bot, f"storbynettverket {word} 15.9.2020")
    assert "398" not in before  # the letter is of September 2020: known by its end
    refused = say(bot, f"Trondheim {word} 2020/10/01")
    assert "2020-10-01" in refused and "1.10.2020" in refused and "2020-10-01T12:00" in refused


def test_history_in_slack_says_when_who_and_the_source(bot):
    say(bot, words(bot, "rapporter Oslo 80 møte", "report Oslo 80 meeting"), user=ADMIN)
    history = say(bot, words(bot, "historikk Oslo", "history Oslo"))
    assert "73 → 80" in history and "kari" in history
    assert words(bot, "(møte)", "(meeting)") in history
    assert words(bot, "25. september 2023 – IMDi", "25 September 2023 – IMDi") in history


def test_settling_a_batch_leaves_imdis_settled_figure_as_published(bot, db):
    say(bot, 'ny "Moria 2020" 20 år 2020', command="/relocation", user=ADMIN)
    service = Capacity(Store(db))
    service.allocate("Moria 2020", "Trondheim", 20, Actor(id=ADMIN))
    service.set_status("Moria 2020", "arrived", Actor(id=ADMIN))
    service.store.close()
    say(
        bot,
        words(bot, 'bosatt "Moria 2020"', 'settled "Moria 2020"'),
        command="/relocation",
        user=ADMIN,
    )
    answer = say(bot, "Trondheim")
    shown = json.dumps(bot.command("Trondheim").json()["blocks"], ensure_ascii=False)
    assert words(bot, "Bosatt: *86*", "Settled: *86*") in shown
    assert words(bot, "Bosatt via grupper: *20*", "Settled through batches: *20*") in shown
    assert "95" in answer  # the room did not change by the settling itself


def test_a_report_below_the_reservations_is_refused_then_saved_when_confirmed(bot, db):
    say(bot, 'ny "Moria 2020" 50 år 2020', command="/relocation", user=ADMIN)
    service = Capacity(Store(db))
    service.allocate("Moria 2020", "Bærum", 30, Actor(id=ADMIN))
    service.store.close()
    reply = bot.command(
        words(bot, "rapporter Bærum 27 færre boliger", "report Bærum 27 fewer flats"), user_id=ADMIN
    ).json()
    assert "30" in reply["text"] and "27" in reply["text"] and "3" in reply["text"]
    assert words(bot, "Ingenting ble endret", "Nothing was changed") in reply["text"]
    assert "27 ledige" not in say(bot, "Bærum") and "30" in say(bot, "Bærum")
    button = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    saved = bot.slack.answer_to(
        "anyway",
        lambda: bot.action(
            button["action_id"],
            button["value"],
            response_url=bot.slack.response_url("anyway"),
            user_id=ADMIN,
        ),
    )
    assert "→" in saved.body["text"]
    answer = say(bot, "Bærum")
    assert words(bot, "overbooket med 3", "overbooked by 3") in answer
    assert "-3" not in answer and "−3" not in answer
    bot.slack.wait_for("chat.postMessage", 2)  # Bærum full (30 of 30), then overbooked
    wait_delivered(bot.db)  # nothing more comes: every alert queued is delivered
    alerts = [m for m in bot.slack.posted if m.get("channel") == "CALERTS"]
    overbooked = [m for m in alerts if "Moria 2020 (30)" in m["text"]]
    assert len(overbooked) == 1, alerts
    assert words(bot, "overbooket med 3", "overbooked by 3") in overbooked[0]["text"]


def test_a_total_of_unknowns_is_unknown_not_zero(bot):
    national = json.dumps(bot.command("norge 2021").json()["blocks"], ensure_ascii=False)
    assert words(bot, "opprinnelig ukjent", "original request unknown") in national
    assert "5\u00a0025" in national or "5,025" in national
