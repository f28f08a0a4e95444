"""Plans and picked assignments end to end over signed HTTP, against the server process
and the Slack stand-in: the Moria 50 placed with one `fordel` and one Confirm, a Confirm
refused when the room changed meanwhile, `tildel` without households, and previews of
500 households."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from capacity import Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.test_e2e_relocation import ADMIN, FAST_RETRIES, remaining_in_network
from tests.test_e2e_relocation import db as db  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

MORIA = "5,4,6,5,5,6,4,5,5,5"


def button(reply, action: str) -> dict:
    return next(
        e
        for b in reply.json()["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].split(":")[0] == action
    )


def click(bot, slack, reply, action: str, name: str) -> dict:
    """Click `action` on the answer `reply`; the message that replaced it."""
    found = button(reply, action)

    def press() -> None:
        answer = bot.action(
            found["action_id"], found["value"], response_url=slack.response_url(name), user_id=ADMIN
        )
        assert answer.status == 200

    return slack.answer_to(name, press).body


def relocation(bot, text: str):
    reply = bot.command(text, command="/relocation", user_id=ADMIN)
    assert reply.status == 200, reply.text
    return reply


def placed_soundly(db, name: str) -> None:
    """From the database: room never exceeded, households whole and placed once."""
    service = Capacity(Store(db))
    try:
        batch = service.batch(name)
        for line in service.overview("norge", batch.year).lines:
            assert line.spare is None or line.reserved <= line.spare
        active = [a for a in batch.allocations if a.active]
        assert Counter(u for a in active for u in a.units) + Counter(batch.unplaced_units) == (
            Counter(batch.units)
        )
        assert sum(a.persons for a in active) == batch.allocated
    finally:
        service.store.close()


def test_the_moria_50_is_placed_with_one_fordel_and_one_confirm(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        relocation(bot, f'ny "Moria 2020" 50 familier {MORIA} år 2020')
        preview = relocation(bot, 'fordel "Moria 2020"')
        assert "50 av 50 personer får plass i 7 kommuner" in preview.text
        assert remaining_in_network(db) == 398
        done = click(bot, slack, preview, "relocation_plan_confirm", "plan")
        assert done["text"].startswith("Fordelt av"), done["text"]
        assert remaining_in_network(db) == 348
        assert "348 ledige av 398 rapportert (50 reservert)" in bot.command("").json()["text"]
        placed_soundly(db, "Moria 2020")
        shown = relocation(bot, 'vis "Moria 2020"').text
        assert "Alle personene i *Moria 2020* har fått plass" in shown


def test_a_concurrent_assignment_makes_the_confirm_refuse_with_the_numbers(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        relocation(bot, f'ny "Moria 2020" 50 familier {MORIA} år 2020')
        relocation(bot, 'ny "Annen" 10 år 2020')
        plan = relocation(bot, 'fordel "Moria 2020"')
        other = relocation(bot, 'tildel "Annen" Oslo 2')
        assert click(bot, slack, other, "relocation_confirm", "other")["text"].startswith("Tildelt")
        refused = click(bot, slack, plan, "relocation_plan_confirm", "plan")
        assert "Oslo: 71 ledige nå, planlagt med 73" in refused["text"], refused["text"]
        assert "Ingenting ble endret" in refused["text"]
        assert remaining_in_network(db) == 396  # only the other batch's two
        again = relocation(bot, 'fordel "Moria 2020"')  # a new plan takes the new room
        assert click(bot, slack, again, "relocation_plan_confirm", "again")["text"].startswith(
            "Fordelt"
        )
        assert remaining_in_network(db) == 346


def test_tildel_bergen_6_and_oslo_10_without_households(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        relocation(bot, f'ny "Moria 2020" 50 familier {MORIA} år 2020')
        bergen = relocation(bot, 'tildel "Moria 2020" Bergen 6')
        assert "Husholdninger: 6" in bergen.text
        assert click(bot, slack, bergen, "relocation_confirm", "b")["text"].startswith("Tildelt")
        oslo = relocation(bot, 'tildel "Moria 2020" Oslo 10')
        assert "Husholdninger: 5,5" in oslo.text or "Husholdninger: 6,4" in oslo.text
        assert click(bot, slack, oslo, "relocation_confirm", "o")["text"].startswith("Tildelt")
        service = Capacity(Store(db))
        assert (service.capacity("Bergen").reserved, service.capacity("Oslo").reserved) == (6, 10)
        service.store.close()
        placed_soundly(db, "Moria 2020")


def test_previews_of_500_households_and_their_confirm_work(db):
    with StandIn() as slack, BotServer(db, slack.api_url, env=FAST_RETRIES) as bot:
        reported = bot.command("rapporter Trondheim 1200 test", user_id=ADMIN)
        assert "→ *1\u00a0200*" in reported.text
        ones = ",".join(["1"] * 500)
        relocation(bot, f'ny "Stor" 500 familier {ones} år 2020')
        relocation(bot, f'ny "Stor 2" 500 familier {ones} år 2020')
        preview = relocation(bot, 'tildel "Stor" Trondheim 500')
        assert set(json.loads(button(preview, "relocation_confirm")["value"])) == {"k"}
        assert click(bot, slack, preview, "relocation_confirm", "s")["text"].startswith("Tildelt")
        plan = relocation(bot, 'fordel "Stor 2"')
        assert "500 av 500 personer" in plan.text
        done = click(bot, slack, plan, "relocation_plan_confirm", "p")
        assert done["text"].startswith("Fordelt"), done["text"]
        placed_soundly(db, "Stor")
        placed_soundly(db, "Stor 2")
        assert "Traceback" not in bot.log.read_text()
