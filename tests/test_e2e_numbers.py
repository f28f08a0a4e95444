"""Numbers as they are typed in a meeting, end to end over signed HTTP in Bokmål and
Nynorsk: thousands grouped by a space, a no-break space or a dot are one number in every
command and form; a number with two readings asks, saves nothing, and saves exactly the
reading chosen; what is not understood is named and changes nothing; and a count of one
is written in the singular."""

from __future__ import annotations

import json
import shutil

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn

pytestmark = pytest.mark.slow

ADMIN = "U_ADMIN"
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(scope="module", params=["nb", "nn"])
def bot(request, _seeded_template, tmp_path_factory):
    db = tmp_path_factory.mktemp(f"numbers-{request.param}") / "bot.db"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant(ADMIN, "admin", Actor(id="cli:test", trusted=True))
    service.store.close()
    with StandIn() as slack, BotServer(db, slack.api_url, language=request.param) as server:
        server.slack = slack
        server.language = request.param
        yield server


def words(bot, nb: str, nn: str) -> str:
    return nb if bot.language == "nb" else nn


def on(bot) -> Capacity:
    return Capacity(Store(bot.db))


def spare(bot, city: str) -> int | None:
    service = on(bot)
    try:
        return service.capacity(city).spare
    finally:
        service.store.close()


def last_reason(bot, city: str) -> str:
    service = on(bot)
    try:
        return service.history(city)[-1].reason
    finally:
        service.store.close()


def say(bot, text: str, command: str = "/capacity") -> dict:
    reply = bot.command(text, command=command, user_id=ADMIN, user_name="ada")
    assert reply.status == 200, reply.text
    return reply.json()


def shown(message: dict) -> str:
    return message["text"] + "\n" + json.dumps(message.get("blocks", []), ensure_ascii=False)


def buttons(message: dict) -> list[dict]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def click(bot, button: dict, name: str) -> dict:
    url = bot.slack.response_url(name)
    call = bot.slack.answer_to(
        name,
        lambda: bot.action(button["action_id"], button["value"], response_url=url, user_id=ADMIN),
    )
    return call.body


@pytest.mark.parametrize(
    ("city", "typed", "value", "with_reason"),
    [
        ("Oslo", "1 000", 1000, True),  # "000 nye boliger" starts no reason
        ("Bergen", "1.000", 1000, True),
        ("Trondheim", f"1{NBSP}000", 1000, True),
        ("Stavanger", "2 500", 2500, False),  # "500" alone is no reason
        ("Tromsø", f"1{NNBSP}200", 1200, False),
    ],
)
def test_a_report_typed_with_thousands_saves_the_whole_number_and_the_reason(
    bot, city, typed, value, with_reason
):
    reason = words(bot, "nye boliger", "nye bustader") if with_reason else ""
    answer = say(bot, f"rapporter {city} {typed} {reason}".strip())
    assert f"→ *{value:,}*".replace(",", NBSP) in answer["text"]
    assert spare(bot, city) == value
    assert last_reason(bot, city) == reason


def test_a_report_with_two_readings_asks_saves_nothing_and_saves_the_reading_chosen(bot):
    reason = words(bot, "nye boliger", "nye bustader")
    asked = say(bot, f"rapporter Kristiansand 50 100 {reason}")
    assert words(bot, "kan leses på flere måter", "kan lesast på fleire måtar") in asked["text"]
    assert spare(bot, "Kristiansand") == 30  # nothing saved yet
    whole, split = buttons(asked)
    assert (whole["text"]["text"], split["text"]["text"]) == (f"50{NBSP}100", "50")
    assert words(
        bot, f"• 50, begrunnelse «100 {reason}»", f"• 50, grunngjeving «100 {reason}»"
    ) in shown(asked)
    saved = click(bot, split, "reading")
    assert "30 → *50*" in saved["text"]
    assert (spare(bot, "Kristiansand"), last_reason(bot, "Kristiansand")) == (50, f"100 {reason}")

    comma = say(bot, "rapporter Bærum 1,000 møte")
    assert spare(bot, "Bærum") == 30
    thousand, one = buttons(comma)
    assert (thousand["text"]["text"], one["text"]["text"]) == (f"1{NBSP}000", "1")
    assert words(bot, "• 1, begrunnelse «møte»", "• 1, grunngjeving «møte»") in shown(comma)
    assert f"30 → *1{NBSP}000*" in click(bot, thousand, "comma")["text"]
    assert (spare(bot, "Bærum"), last_reason(bot, "Bærum")) == (1000, "møte")


@pytest.mark.parametrize(
    ("typed", "nb", "nn"),
    [
        ("1,5", "«1,5» er ikke et helt tall", "«1,5» er ikkje eit heilt tal"),
        ("1.20", "«1.20» er ikke et helt tall", "«1.20» er ikkje eit heilt tal"),
        ("1 00", "«1 00» er ikke et tall jeg kan lese", "«1 00» er ikkje eit tal eg kan lese"),
        ("-3", "«-3» er negativt", "«-3» er negativt"),
        ("²", "«²» er ikke skrevet med sifrene 0–9", "«²» er ikkje skrive med sifra 0–9"),
    ],
)
def test_a_report_not_understood_says_what_and_changes_nothing(bot, typed, nb, nn):
    before = spare(bot, "Bergen")
    answer = say(bot, f"rapporter Bergen {typed} møte")["text"]
    assert words(bot, nb, nn) in answer
    assert words(bot, "Ingenting ble endret.", "Ingenting vart endra.") in answer
    assert "`/capacity rapporter Trondheim 120" in answer  # what a valid form looks like
    assert spare(bot, "Bergen") == before


def test_a_report_without_a_count_says_where_it_looked(bot):
    answer = say(bot, "rapporter Bergen mange")["text"]
    assert (
        words(
            bot,
            "Fant ikke noe antall etter «Bergen mange».",
            "Fann ikkje noko tal etter «Bergen mange».",
        )
        in answer
    )


def test_room_for_a_household_reads_thousands_and_asks_about_a_comma(bot):
    assert words(bot, "husholdning på 1 000", "hushald på 1 000") in shown(
        say(bot, "ledig 1 000")
    ).replace(NBSP, " ")
    asked = say(bot, "ledig 1,000")
    labels = [b["text"]["text"] for b in buttons(asked)]
    assert labels == [f"1{NBSP}000", "1"]
    assert (
        words(bot, "husholdning på 1 ", "hushald på 1 ")
        in click(bot, buttons(asked)[1], "room")["text"]
    )


def test_relocation_reads_persons_as_typed_and_keeps_households_commas(bot):
    made = say(bot, 'ny "Moria 2020" 2 000 år 2020 omfang norge', "/relocation")
    assert words(bot, f"2{NBSP}000 personer", f"2{NBSP}000 personar") in made["text"]
    families = say(bot, 'ny "Lesbos" 18 familier 5,4+3,6 år 2020', "/relocation")
    assert "5,4+3,6" in shown(families) and "18" in families["text"]
    several = shown(say(bot, 'tildel "Moria 2020" Oslo 1.000, Bergen 6', "/relocation"))
    assert f"1{NBSP}000" in several and "Bergen" in several and "994" in several  # 2000 - 1006

    asked = say(bot, 'ny "Moria 2021" 1,000 år 2020 omfang norge', "/relocation")
    service = on(bot)
    assert "Moria 2021" not in [b.name for b in service.batches()]  # nothing saved yet
    service.store.close()
    thousand = buttons(asked)[0]
    assert thousand["text"]["text"] == f"1{NBSP}000"
    click(bot, thousand, "batch")
    service = on(bot)
    assert {b.name: b.persons for b in service.batches()}["Moria 2021"] == 1000
    service.store.close()

    refused = say(bot, 'tildel "Moria 2020" Oslo 1,5', "/relocation")["text"]
    assert words(bot, "«1,5» er ikke et helt tall", "«1,5» er ikkje eit heilt tal") in refused


def test_a_count_of_one_is_written_in_the_singular(bot):
    say(bot, "rapporter Utsira 1")
    assert words(bot, ": 1 ledig plass nå", ": 1 ledig plass no") in say(bot, "Utsira")["text"]
    say(bot, 'ny "Éin" 1 år 2020 omfang norge', "/relocation")
    preview = say(bot, 'tildel "Éin" Utsira 1', "/relocation")
    assert words(bot, "*1* person fra", "*1* person frå") in shown(preview)
    confirm = next(b for b in buttons(preview) if b["action_id"] == "relocation_confirm")
    click(bot, confirm, "one")
    page = shown(say(bot, 'vis "Éin"', "/relocation"))
    assert (
        words(bot, "1 tildeling, 1 aktiv i 1 kommune", "1 tildeling, 1 aktiv i 1 kommune") in page
    )


def test_the_forms_read_counts_as_typed_and_ask_again_about_a_comma(bot):
    assert bot.command("", command="/relocation", user_id=ADMIN).status == 200  # the form
    opened = bot.slack.wait_for("views.open", 1)[-1].body["view"]
    view = json.loads(opened) if isinstance(opened, str) else opened
    assert view["callback_id"] == "relocation_new"

    def batch(name: str, persons: str) -> dict:
        values = {"name": name, "persons": persons, "year": "2020", "scope": "norge"}
        reply = bot.submit(view, values, user_id=ADMIN)
        assert reply.status == 200
        return reply.json() if reply.body else {}

    asked = batch("Skjema A", "1,000")["errors"]["persons"]
    assert (
        words(bot, f"kan leses som 1{NBSP}000 eller 1", f"kan lesast som 1{NBSP}000 eller 1")
        in asked
    )
    decimal = batch("Skjema B", "1,5")["errors"]["persons"]
    assert words(bot, "«1,5» er ikke et helt tall", "«1,5» er ikkje eit heilt tal") in decimal
    assert batch("Skjema C", f"1{NBSP}000") == {}  # saved
    service = on(bot)
    persons = {b.name: b.persons for b in service.batches()}
    service.store.close()
    assert persons["Skjema C"] == 1000
    assert "Skjema A" not in persons and "Skjema B" not in persons

    bot.action("home_report", "2020", response_url=bot.slack.response_url(), user_id=ADMIN)
    form = bot.slack.wait_for("views.open", 2)[-1].body["view"]
    form = json.loads(form) if isinstance(form, str) else form
    assert form["callback_id"] == "home_report_modal"
    place = {"type": "plain_text_input", "value": "Sandnes"}
    before = spare(bot, "Sandnes")
    refused = bot.submit(
        form, {"municipality": place, "year": "2020", "figure": "1,5"}, user_id=ADMIN
    )
    assert (
        words(bot, "«1,5» er ikke et helt tall", "«1,5» er ikkje eit heilt tal")
        in refused.json()["errors"]["figure"]
    )
    assert spare(bot, "Sandnes") == before
    saved = bot.submit(
        form, {"municipality": place, "year": "2020", "figure": "1 200"}, user_id=ADMIN
    )
    assert saved.status == 200 and not saved.body
    assert spare(bot, "Sandnes") == 1200


def test_help_says_how_numbers_are_typed(bot):
    help_text = say(bot, "hjelp")["text"]
    assert "`1 200`" in help_text and "`1.200`" in help_text
    assert words(bot, "komma skiller desimaler", "komma skil desimalar") in help_text
