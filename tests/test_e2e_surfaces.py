"""Issue 15 end to end, as coordinators type it in Bokmål and Nynorsk, over signed HTTP
against one bot process: what is left is never below 0 and the same on every surface
(answers, the network's table, the Home tab, charts and their alt text, the weekly
summary, the files); totals add up on their face; reserved and settled via batches are
apart; Norwegian words for roles, weeks and dates; the full list and the export in Slack,
never a command-line hint.

The network as the module's database has it: Trondheim reported 10 with 20 reserved
(overbooked by 10), Bergen 50 with 15 settled via a batch; the rest of the KS letter's
figures. 293 reported − 20 reserved − 15 settled = 258 left."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import pytest

from bot.list_blocks import LIST_ACTION
from bot.terminal import command_body
from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.stand_in import StandIn
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

ADA = Actor(id="U_ADMIN", name="ada")
LOCALES = {
    "U_ADMIN": "nb-NO",
    "U_NN": "nn-NO",
    "U_TRD": "nb-NO",
    "U_TRD_NN": "nn-NO",
    "U_COORD": "nb-NO",
    "U_COORD_NN": "nn-NO",
    "U_KARI": "nb-NO",
    "U_IDA": "nn-NO",
}
NB_TOTAL = (
    "*Totalt*: 258 ledige av 293 rapportert "
    "(20 reservert, 15 bosatt via grupper; Trondheim overbooket med 10)"
)
NN_TOTAL = (
    "*Totalt*: 258 ledige av 293 rapportert "
    "(20 reserverte, 15 busette via grupper; Trondheim overbooka med 10)"
)
NEGATIVE = re.compile(r"(?<![\w.])[-−]\s?\d")  # a number below 0, however written


@pytest.fixture(scope="module")
def db(_seeded_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("surfaces") / "bot.db"
    shutil.copy(_seeded_template, path)
    service = Capacity(Store(path))
    cli = Actor(id="cli:test", trusted=True)
    service.grant("U_ADMIN", "admin", cli)
    service.grant("U_NN", "admin", cli)
    service.grant("U_TRD", "editor", cli, "Trondheim")
    service.grant("U_TRD_NN", "editor", cli, "Trondheim")
    households = (5, (4, 3), 6, 5, 5, 6, 4, 5, 5, 2)
    service.create_batch("Moria 2020", 50, ADA, year=2020, households=households)
    service.allocate("Moria 2020", "Trondheim", 20, ADA, households=(5, 5, 5, 5))
    service.report_spare("Trondheim", 10, ADA, source="e-post", force=True)
    service.create_batch("Lesvos 2020", 15, ADA, year=2020, households=(6, (4, 3), 2))
    service.allocate("Lesvos 2020", "Bergen", 15, ADA, households=(6, (4, 3), 2))
    service.set_status("Lesvos 2020", "arrived", ADA)
    service.set_status("Lesvos 2020", "settled", ADA)
    for place in ("Bodø", "Harstad"):  # for "save anyway" over HTTP, outside the network
        service.report_spare(place, 30, ADA, source="e-post")
        service.create_batch(f"Gruppe {place}", 25, ADA, year=2020, scope="norge")
        service.allocate(f"Gruppe {place}", place, 25, ADA)
    service.store.close()
    return path


@pytest.fixture(scope="module")
def slack():
    with StandIn() as stand_in:
        stand_in.locales.update(LOCALES)
        yield stand_in


def ask(bot: BotServer, text: str, user: str = "U_COORD", **options: Any) -> dict[str, Any]:
    name = "ada" if user == "U_ADMIN" else user.lower().removeprefix("u_")  # Slack's user_name
    reply = bot.command(text, user_id=user, user_name=name, **options)
    assert reply.status == 200, reply.body
    return reply.json()


def shown(message: dict[str, Any]) -> str:
    """Every text of a message (its fallback, sections, contexts, buttons), as read."""
    return json.dumps(message, ensure_ascii=False)


def table_rows(message: dict[str, Any]) -> dict[str, list[str]]:
    """The network's table, a row of cells per municipality (the header under "")."""
    [block] = [b for b in message["blocks"] if b.get("text", {}).get("text", "").startswith("```")]
    lines = block["text"]["text"].strip("`\n").splitlines()
    rows = {}
    for line in lines:  # the network's names are one word each
        cells = line.split()
        rows[cells[0] if line is not lines[0] else ""] = cells[1:]
    return rows


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"].split(":")[0]: e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
    }


def completed(slack: StandIn, channel: str, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with slack.lock:
            found = [f for f in slack.files.values() if f.get("channel") == channel]
        if len(found) >= count and all(f.get("completed") for f in found):
            return found
        time.sleep(0.05)
    raise AssertionError(f"no file completed in {channel}")


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data  # Excel in Norwegian
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# -- never below 0, the same on every surface, totals that add up ------------------------


@pytest.mark.parametrize(
    ("user", "total", "settled"), [("U_COORD", NB_TOTAL, "Bos."), ("U_COORD_NN", NN_TOTAL, "Bus.")]
)
def test_the_networks_total_adds_up_and_its_table_never_goes_below_zero(bot, user, total, settled):
    answer = ask(bot, "", user=user)
    texts = [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]
    assert total in texts
    rows = table_rows(answer)
    assert rows[""] == ["Ledig", "Rapp.", "Res.", settled, "Overb."]
    assert rows["Trondheim"] == ["0", "10", "20", "0", "10"]  # 0 left, overbooked apart
    assert rows["Bergen"] == ["35", "50", "0", "15"]  # settled via batches is not reserved
    assert not NEGATIVE.search(shown(answer))


def test_the_total_says_why_it_is_less_than_the_places_left_in_the_column(bot):
    text = shown(ask(bot, ""))
    assert (
        "kommunene med plass har 268 ledige, og 10 av dem trengs til personene som er overbooket"
    ) in text
    nn = shown(ask(bot, "storbynettverket", user="U_COORD_NN"))
    assert "kommunane med plass har 268 ledige, og 10 av dei trengst" in nn


@pytest.mark.parametrize(
    ("user", "headline", "reserved"),
    [
        ("U_COORD", "*Trondheim* (5001), 2020: *0* ledige plasser nå, overbooket med *10*",
         "Reservert for grupper: *20*"),
        ("U_COORD_NN", "*Trondheim* (5001), 2020: *0* ledige plassar no, overbooka med *10*",
         "Reservert for grupper: *20*"),
    ],
)  # fmt: skip
def test_an_overbooked_municipality_shows_0_left_and_by_how_many(bot, user, headline, reserved):
    answer = ask(bot, "Trondheim", user=user)
    assert answer["blocks"][0]["text"]["text"] == headline
    assert reserved in answer["blocks"][1]["text"]["text"]
    assert not NEGATIVE.search(shown(answer))


def test_a_settled_batch_is_shown_as_settled_not_reserved(bot):
    details = ask(bot, "Bergen")["blocks"][1]["text"]["text"]
    assert "Reservert for grupper: *0*" in details
    assert "Bosatt via grupper: *15*" in details


@pytest.mark.parametrize(
    ("user", "place", "typed", "saved"),
    [
        ("U_ADMIN", "Bodø", "rapporter Bodø 5 færre boliger",
         "(ledig nå: 0, overbooket med 20)"),
        ("U_NN", "Harstad", "rapporter Harstad 5 færre bustader",
         "(ledig no: 0, overbooka med 20)"),
    ],
)  # fmt: skip
def test_save_anyway_below_the_reservations_says_0_left_and_overbooked(
    bot, slack, user, place, typed, saved
):
    refused = ask(bot, typed, user=user)
    anyway = buttons(refused)["capacity_report_anyway"]
    name = f"anyway-{user}"
    answer = slack.answer_to(
        name,
        lambda: bot.action(
            anyway["action_id"], anyway["value"], response_url=slack.response_url(name),
            user_id=user,
        ),
    )  # fmt: skip
    assert saved in answer.body["text"]
    assert not NEGATIVE.search(answer.body["text"])
    after = shown(ask(bot, place, user=user))
    assert "overbook" in after and not NEGATIVE.search(after)


@pytest.mark.parametrize(("user", "place"), [("U_TRD", "Trondheim"), ("U_TRD_NN", "Trondheim")])
def test_the_home_tab_shows_the_same_numbers(bot, slack, user, place):
    before = len(slack.views(user))
    reply = bot.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=f"Ev{user}",
    )
    assert reply.status == 200
    view = shown(slack.wait_views(user, before + 1)[-1])
    if user == "U_TRD":
        assert (
            "*Trondheim* (5001): *0* ledige, overbooket med *10* – 10 rapportert, 20 reservert"
            in view
        )
        assert NB_TOTAL in view
    else:
        assert (
            "*Trondheim* (5001): *0* ledige, overbooka med *10* – 10 rapportert, 20 reserverte"
            in view
        )
        assert NN_TOTAL in view
    assert not NEGATIVE.search(view)


def test_the_charts_and_their_alt_text_never_show_a_negative_number(bot, slack):
    for text, channel in (("graf", "C_NET"), ("Trondheim graf", "C_TRD"), ("Bergen graf", "C_BGO")):
        reply = bot.post_signed(_body(text, channel))
        assert reply.status == 200
    [network] = completed(slack, "C_NET")
    alt = network["alt_txt"]
    assert (
        "Sum: ledige plasser (rapportert) 293, reservert 20, bosatt via grupper 15, "
        "ledige nå 258 (overbooket med 10)."
    ) in alt
    assert (
        "Trondheim: ledige plasser (rapportert) 10, reservert 20, bosatt via grupper 0, "
        "ledige nå 0 (overbooket med 10)."
    ) in alt
    [trondheim] = completed(slack, "C_TRD")
    assert (
        "Planår 2020: ledige plasser (rapportert) 10, reservert 20, "
        "ledige nå 0 (overbooket med 10)."
    ) in trondheim["alt_txt"]
    [bergen] = completed(slack, "C_BGO")
    assert "reservert 0, bosatt via grupper 15, ledige nå 35." in bergen["alt_txt"]
    for posted in (network, trondheim, bergen):
        assert not NEGATIVE.search(posted["alt_txt"])


def _body(text: str, channel: str, user: str = "U_COORD") -> str:
    return command_body(text, user_id=user, user_name="kari", channel_id=channel,
                        response_url="http://127.0.0.1:9/response")  # fmt: skip


@pytest.mark.parametrize(
    ("language", "title", "granted", "trondheim", "bergen"),
    [
        ("nb", r"Ukesoppsummering for uke \d+, \d{4} \(planleggingsår 2020\)",
         "ga kari (U_KARI) rollen redaktør for Bergen",
         "Trondheim: 0 ledige, overbooket med 10 (10 rapportert, 20 reservert)",
         "Bergen: 35 ledige (50 rapportert, 0 reservert, 15 bosatt via grupper)"),
        ("nn", r"Vekeoppsummering for veke \d+, \d{4} \(planleggingsår 2020\)",
         "gav ida (U_IDA) rolla redaktør for Bergen",
         "Trondheim: 0 ledige, overbooka med 10 (10 rapportert, 20 reserverte)",
         "Bergen: 35 ledige (50 rapportert, 0 reserverte, 15 busette via grupper)"),
    ],
)  # fmt: skip
def test_the_weekly_summary_says_the_same_in_norwegian_words(
    bot, slack, db, language, title, granted, trondheim, bergen
):
    user = "U_KARI" if language == "nb" else "U_IDA"  # a change since the last summary
    said = ask(bot, f"grant <@{user}|x> redaktør Bergen", user="U_ADMIN")["text"]
    assert said.endswith("har nå rollen redaktør for Bergen.")
    assert ask(bot, "rapporter Bergen 50 bekreftet", user=user)["text"]  # acts under a name
    env = {**os.environ, "CAPACITY_DB": str(db), "SLACK_API_URL": slack.api_url,
           "SLACK_BOT_TOKEN": "xoxb-e2e", "CAPACITY_ALERT_CHANNEL": f"CSUM{language}",
           "CAPACITY_LANGUAGE": language}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bot", "summary", "--now"], env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [post] = [p for p in slack.posted if p["channel"] == f"CSUM{language}"]
    assert re.match(title, post["text"])
    text = shown(post)
    total = NB_TOTAL if language == "nb" else NN_TOTAL
    assert total.replace("*Totalt*", "*KS storbynettverk*") in text
    assert trondheim in text
    assert bergen in text
    assert granted in text
    assert not re.search(r"\d{4}-W\d{2}", text)  # "uke 50, 2026", never "2026-W50"
    assert "endret role" not in text and "endra role" not in text
    assert not NEGATIVE.search(text)


# -- nothing reported: said so, never "0" -----------------------------------------------


@pytest.mark.parametrize(
    ("user", "said"),
    [("U_COORD", "ingen ledige plasser er rapportert for 2022"),
     ("U_COORD_NN", "ingen ledige plassar er rapporterte for 2022")],
)  # fmt: skip
def test_a_year_with_nothing_reported_says_so(bot, user, said):
    for text in ("norge 2022", "storbynettverket 2022"):
        answer = shown(ask(bot, text, user=user))
        assert said in answer
        assert "0 ledige" not in answer
    room = shown(ask(bot, "ledig 6 2022", user=user))
    assert said[0].upper() + said[1:] in room
    assert LIST_ACTION in buttons(ask(bot, "norge 2022", user=user))  # IMDi's figures, as a file


@pytest.mark.parametrize(
    ("user", "typed", "said"),
    [("U_ADMIN", 'ny "Tom 2022" 10 år 2022 omfang norge',
      "Ledig i omfanget: ingen ledige plasser er rapportert for 2022"),
     ("U_NN", 'ny "Tom 2022 nn" 10 år 2022 omfang noreg',
      "Ledig i omfanget: ingen ledige plassar er rapporterte for 2022")],
)  # fmt: skip
def test_a_batch_in_a_year_with_nothing_reported_says_so_and_so_does_its_alert(
    bot, slack, user, typed, said
):
    before = len([p for p in slack.posted if p["channel"] == "CALERTS"])
    answer = shown(ask(bot, typed, user=user, command="/relocation"))
    assert said in answer
    assert "bare *0*" not in answer
    alerts = wait_until(
        lambda: (
            len(found := [p for p in slack.posted if p["channel"] == "CALERTS"]) > before and found
        ),
        "the batch's alert in the coordination channel",
        timeout=10,
    )
    alert = shown(alerts[-1])  # the channel's language (nb)
    assert "men ingen ledige plasser er rapportert i Norge for 2022" in alert
    assert "bare *0*" not in alert


# -- nothing for the command line in Slack: the full list as a file ---------------------


@pytest.mark.parametrize(
    ("user", "headers", "channel"),
    [("U_COORD", ["Kommunenummer", "Kommune", "År", "Opprinnelig anmodning"], "C_LIST"),
     ("U_COORD_NN", ["Kommunenummer", "Kommune", "År", "Opphavleg oppmoding"], "C_LIST_NN")],
)  # fmt: skip
def test_the_country_offers_its_full_list_as_a_csv_file_in_slack(
    bot, slack, user, headers, channel
):
    answer = ask(bot, "norge", user=user)
    text = shown(answer)
    assert "capacity show" not in text and "capacity export" not in text
    button = buttons(answer)[LIST_ACTION]
    reply = bot.action(
        button["action_id"], button["value"], response_url=slack.response_url(f"l-{user}"),
        user_id=user, extra={"channel": {"id": channel, "name": "bosetting"}},
    )  # fmt: skip
    assert reply.status == 200
    [posted] = completed(slack, channel)
    rows = read_csv(posted["data"])
    assert rows[0][:4] == headers
    by_number = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(by_number) > 300  # every municipality with figures, not a page
    remaining = "Ledig nå" if user == "U_COORD" else "Ledig no"
    over = "Overbooket med" if user == "U_COORD" else "Overbooka med"
    assert (by_number["5001"][remaining], by_number["5001"][over]) == ("0", "10")
    assert f"<@{user}>" in posted["initial_comment"]
    assert not any(NEGATIVE.search(cell) for row in rows for cell in row)


# -- Norwegian words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "typed", "said"),
    [
        ("U_ADMIN", "grant <@U_NEW|nils> redaktør Oslo", "<@U_NEW> har nå rollen redaktør for Oslo."),
        ("U_ADMIN", "gi <@U_NEW|nils> editor Oslo", "<@U_NEW> hadde allerede rollen redaktør for Oslo."),
        ("U_NN", "gje <@U_NEW2|n> redaktør Stavanger", "<@U_NEW2> har no rolla redaktør for Stavanger."),
        ("U_ADMIN", "grant <@U_BOSS|b> administrator", "<@U_BOSS> har nå rollen administrator."),
    ],
)  # fmt: skip
def test_roles_are_named_in_norwegian_and_typed_in_any_language(bot, user, typed, said):
    assert ask(bot, typed, user=user)["text"] == said


@pytest.mark.parametrize(("user", "word"), [("U_COORD", "hjelp"), ("U_COORD_NN", "hjelp")])
def test_the_help_names_the_roles_in_norwegian(bot, user, word):
    text = ask(bot, word, user=user)["text"]
    assert "grant @bruker redaktør Trondheim" in text or "grant @brukar redaktør Trondheim" in text
    assert not re.search(r"\beditor\b|\badmin\b", text)


@pytest.mark.parametrize(
    ("user", "said", "changed"),
    [("U_COORD", "Kan ikke svare på det: «31.2.2020» finnes ikke: februar 2020 har 29 dager.",
      "Ingenting ble endret"),
     ("U_COORD_NN", "Kan ikkje svare på det: «31.2.2020» finst ikkje: februar 2020 har 29 dagar.",
      "Ingenting vart endra")],
)  # fmt: skip
def test_a_date_that_does_not_exist_is_said_so_and_a_question_changes_nothing(
    bot, user, said, changed
):
    text = ask(bot, "Trondheim per 31.2.2020", user=user)["text"]
    assert text == said and changed not in text


@pytest.mark.parametrize(
    ("user", "said"),
    [("U_COORD", "157 kommuner for vedtak og 166 kommuner for bosatte"),
     ("U_COORD_NN", "157 kommunar for vedtak og 166 kommunar for busette")],
)  # fmt: skip
def test_the_countrys_unknown_figures_say_what_is_counted(bot, user, said):
    assert said in shown(ask(bot, "norge", user=user))


@pytest.mark.parametrize(
    ("user", "said", "not_said"),
    [("U_COORD", "publiserte tallet: 2 kommuner for bosatte.", "0 kommuner"),
     ("U_COORD_NN", "publiserte talet: 2 kommunar for busette.", "0 kommunar")],
)  # fmt: skip
def test_a_figure_left_out_of_no_sum_is_not_named(bot, user, said, not_said):
    text = shown(ask(bot, "norge 2022", user=user))  # every decision of 2022 is published
    assert said in text and not_said not in text


def test_a_suggestion_names_the_number_the_answer_will_show(bot):
    answer = ask(bot, "Romsa")
    labels = [e["text"]["text"] for b in answer["blocks"] if b["type"] == "actions"
              for e in b["elements"]]  # fmt: skip
    assert "Tromsø (5401)" in labels and "Tromsø (5501)" not in labels
    assert ask(bot, "Tromsø")["blocks"][0]["text"]["text"].startswith("*Tromsø* (5401)")


@pytest.mark.parametrize(
    ("user", "said"),
    [("U_COORD", "Haram (1580) ble til da Ålesund ble delt i 2024. I 2020 var Haram en del "
                 "av Ålesund (1507), og tallene her gjelder hele Ålesund."),
     ("U_COORD_NN", "Haram (1580) vart til då Ålesund vart delt i 2024. I 2020 var Haram ein "
                    "del av Ålesund (1507), og tala her gjeld heile Ålesund.")],
)  # fmt: skip
def test_haram_says_why_it_shows_alesund(bot, user, said):
    answer = ask(bot, "Haram", user=user)
    assert answer["blocks"][0]["text"]["text"].startswith("*Ålesund* (1507), 2020")
    assert said in shown(answer)


# -- the export a coordinator opens --------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "files", "persons", "status"),
    [("U_ADMIN", ("kapasitet-tall-2020.csv", "kapasitet-grupper-2020.csv"), "Personer",
      "planlagt"),
     ("U_NN", ("kapasitet-tal-2020.csv", "kapasitet-grupper-2020.csv"), "Personar",
      "planlagd")],
)  # fmt: skip
def test_the_slack_export_is_in_the_users_language_as_people_read_it(
    bot, slack, user, files, persons, status
):
    assert ask(bot, "eksport", user=user)["text"]
    found = {f["filename"]: f for f in completed(slack, f"D{user}", count=2)}
    assert set(found) == set(files)
    figures = read_csv(found[files[0]]["data"])
    assert figures[0][:3] == ["Kommunenummer", "Kommune", "År"]
    batches = read_csv(found[files[1]]["data"])
    head = batches[0]
    assert persons in head and "original_request" not in head and "batch_id" not in head
    moria = dict(zip(head, next(r for r in batches[1:] if r[1] == "Moria 2020"), strict=True))
    assert moria[head[4]] == "5,4+3,6,5,5,6,4,5,5,2"  # households as typed, 4+3 linked
    assert moria["Status"] == status
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", moria[head[7]])  # Oslo time
    assert moria[head[8]] == "ada (U_ADMIN)"  # the name beside the id
    trondheim = dict(zip(figures[0], next(r for r in figures[1:] if r[0] == "5001"), strict=True))
    assert trondheim[figures[0][-4]] == "10"  # overbooked by, its own column
