"""The Slack side of collection rounds, in process against the stand-in: parsing
`/capacity innhenting …`, pacing calls within Slack's limits, a round's direct messages
delivered once (a lost answer, an answer given meanwhile, a person Slack cannot reach),
the tracker coalesced, leased and replaced, and the status within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot import round_forms
from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.rounds import RoundListeners
from bot.notifier import SlackNotifier
from bot.pace import Pace
from bot.parse import parse
from bot.parse_rounds import RoundRequest, parse_round
from bot.round_blocks import status_message
from bot.round_delivery import NOT_SENT, PersonDelivery
from bot.round_tracker import TrackerWorker
from bot.summary_blocks import summary_message
from capacity.usecases.notify import TemporaryFailure, deliver_due
from tests.conftest import ADMIN
from tests.stand_in import StandIn
from tests.test_rounds import EDITORS, answer, open_network, with_editors


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            'ny "Kapasitet 2027" frist 15.1.2027 omfang storbynettverket år 2027',
            RoundRequest("new", "Kapasitet 2027", "15.1.2027", "storbynettverket", 2027),
        ),
        (
            "new «Capacity 2027» scope fylke Trøndelag deadline 2027-01-15 12:00",
            RoundRequest("new", "Capacity 2027", "2027-01-15 12:00", "fylke Trøndelag"),
        ),
        (
            "ny Ekstra frist 1.2.2027 omfang Oslo, Bergen, Tromsø",
            RoundRequest("new", "Ekstra", "1.2.2027", "Oslo, Bergen, Tromsø"),
        ),
        ("", RoundRequest("status")),
        ('status "Kapasitet 2027"', RoundRequest("status", "Kapasitet 2027")),
        ("påminn", RoundRequest("remind")),
        ("remind Kapasitet 2027", RoundRequest("remind", "Kapasitet 2027")),
        ("lukk “Kapasitet 2027”", RoundRequest("close", "Kapasitet 2027")),
        ("liste", RoundRequest("list")),
        ("ny Kapasitet 2027", RoundRequest("invalid")),  # no deadline
        ("ny X frist 1.2.2027 år tjuesju", RoundRequest("invalid")),
        ("slett X", RoundRequest("invalid")),
    ],
)
def test_round_commands_are_read_in_bokmal_nynorsk_and_english(text, expected):
    assert parse_round(text) == expected


def test_innhenting_and_round_are_commands_and_a_grant_may_name_an_email():
    assert parse("innhenting status").kind == "round"
    assert parse("round new X deadline 1.2.2027").target == "new X deadline 1.2.2027"
    grant = parse("grant <mailto:Kari@Trondheim.kommune.no|Kari@Trondheim.kommune.no> editor 5001")
    assert (grant.kind, grant.user, grant.target) == ("grant", "kari@trondheim.kommune.no", "5001")
    assert parse("grant kari editor Oslo").kind == "invalid"


@pytest.mark.parametrize(
    ("language", "asked", "never"),
    [
        ("nb", "Kan ikke svare på det: flere innhentinger er åpne", "Ingenting ble endret"),
        ("nn", "Kan ikkje svare på det: fleire innhentingar er opne", "Ingenting vart endra"),
        ("en", "Cannot answer that: several rounds are open", "Nothing was changed"),
    ],
)
def test_a_status_that_cannot_be_given_is_a_question_refused_and_never_says_nothing_changed(
    fresh, clock, language, asked, never
):
    network = with_editors(fresh, clock)
    rounds = RoundListeners(Deps(service=network, texts=Texts(language)))
    assert never not in rounds.answer(RoundRequest("status"), ADMIN.id, "ada").text  # none open
    open_network(network)
    open_network(network, "Ekstra")
    which = rounds.answer(RoundRequest("status"), ADMIN.id, "ada").text
    assert asked in which and "«Ekstra»" in which and never not in which
    unknown = rounds.answer(RoundRequest("status", "Finnes ikke"), ADMIN.id, "ada").text
    assert "«Finnes ikke»" in unknown and never not in unknown
    closed = rounds.answer(RoundRequest("remind", "Finnes ikke"), ADMIN.id, "ada").text
    assert never in closed  # a reminder is a change: its refusal says nothing changed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_pace_keeps_a_second_between_messages_to_a_channel_and_the_rate_across_them():
    clock = Clock()
    pace = Pace({"chat.postMessage": 4}, clock=clock, sleep=clock.sleep)
    for channel in ("D1", "D2", "D3", "D1"):
        pace.wait("chat.postMessage", channel)
    assert clock.slept == [0.25, 0.25, 0.5]  # 4 a second; D1 again only a second after it


def test_a_retry_after_given_while_a_call_slept_to_its_slot_holds_that_call_too():
    clock = Clock()

    def sleep(seconds: float) -> None:  # another thread's call is refused meanwhile
        clock.sleep(seconds)
        if len(clock.slept) == 1:
            pace.limited("chat.postMessage", 1.0)

    pace = Pace({"chat.postMessage": 100}, clock=clock, sleep=sleep)
    pace.wait("chat.postMessage", "D1")  # the first slot: no sleep
    pace.wait("chat.postMessage", "D2")  # its slot in 10 ms; a Retry-After of 1 s comes
    assert clock.slept == [0.01, 1.0]  # the call waits out the Retry-After before it goes


def test_pace_waits_out_retry_after_and_hands_a_long_wait_back_to_the_outbox():
    clock = Clock()
    pace = Pace({}, clock=clock, sleep=clock.sleep, max_wait=5)
    pace.limited("conversations.open", 2.0)
    pace.wait("conversations.open")
    assert clock.slept == [2.0]
    pace.limited("conversations.open", 30.0)
    with pytest.raises(TemporaryFailure) as later:
        pace.wait("conversations.open")
    assert later.value.retry_after == pytest.approx(30.0)


@pytest.fixture
def round_open(on_disk, clock):
    with_editors(on_disk, clock)
    open_network(on_disk)
    return on_disk


def notifier(slack: StandIn, service) -> SlackNotifier:
    client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5, retry_handlers=[])
    pace = Pace({"chat.postMessage": 1000, "conversations.open": 1000})
    persons = PersonDelivery(client, service, Texts("nb"), pace)
    return SlackNotifier(client, "CALERTS", Texts("nb"), persons=persons, pace=pace)


@pytest.mark.slow
def test_a_message_whose_answer_was_lost_is_found_and_not_posted_again(round_open, clock):
    with StandIn() as slack:
        slack.script.append(
            ("post-then-drop",)
        )  # the first message reaches Slack; the answer is lost
        sender = notifier(slack, round_open)
        first = deliver_due(round_open.outbox, sender, limit=1)
        assert first.retried == 1
        clock.advance(seconds=2)
        assert deliver_due(round_open.outbox, sender).sent == 7
        posts = [p for p in slack.posted if p["channel"].startswith("D")]
    assert sorted(p["channel"] for p in posts) == sorted(f"D{e.id}" for e in EDITORS.values())
    assert len(posts) == 7


def test_a_message_whose_municipality_answered_meanwhile_is_not_sent(round_open):
    answer(round_open, "0301", 73)
    with StandIn() as slack:
        assert deliver_due(round_open.outbox, notifier(slack, round_open)).sent == 7
        assert slack.dms("U_ED0301") == [] and len(slack.dms("U_ED4601")) == 1
    oslo = next(a for a in round_open.alerts() if a.event.number == "0301")
    assert oslo.delivery_ref.startswith(NOT_SENT)


def test_a_person_slack_cannot_reach_is_shown_in_the_status_with_the_reason(round_open):
    with StandIn() as slack:
        slack.unknown_users.add("U_ED1103")
        done = deliver_due(round_open.outbox, notifier(slack, round_open))
    assert (done.sent, done.failed) == (6, 1)
    [stavanger] = round_open.round_status().undelivered
    assert stavanger.municipality.name_no == "Stavanger"
    assert stavanger.undelivered[0].reason == "user_not_found"
    text = json.dumps(status_message(round_open.round_status(), Texts("nb")).blocks)
    assert "U_ED1103: user_not_found" in text


class Wall:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def tracker_posts(slack: StandIn) -> list[dict]:
    return [p for p in slack.posted if (p.get("metadata") or {}).get("event_type")]


def test_the_tracker_is_coalesced_leased_and_replaced_when_deleted(round_open):
    wall = Wall()
    with StandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5)
        pace = Pace({}, per_channel=0)  # Slack's pacing is tested above; no real waits here
        tracker = TrackerWorker(round_open, client, "CALERTS", Texts("nb"), pace, wall=wall)
        other = TrackerWorker(round_open, client, "CALERTS", Texts("nb"), pace, wall=wall)
        assert tracker.refresh() == 1 and other.refresh() == 0  # posted once; leased
        [post] = tracker_posts(slack)
        assert "*0 av 7*" in json.dumps(post["blocks"], ensure_ascii=False)
        answer(round_open, "0301", 73)
        wall.now += 4
        assert tracker.refresh() == 0  # within 5 s of the last write: coalesced
        answer(round_open, "4601", 50)
        wall.now += 1.5
        assert tracker.refresh() == 1 and slack.calls_to("chat.update")[-1].body["ts"] == post["ts"]
        assert "*2 av 7*" in json.dumps(post["blocks"], ensure_ascii=False)
        wall.now += 60
        assert tracker.refresh() == 0  # nothing changed: nothing written
        slack.deleted.add(post["ts"])
        answer(round_open, "5001", 115)
        assert other.refresh() == 1  # the first's lease ran out: the other writes it
        [_, new] = tracker_posts(slack)
        assert "*3 av 7*" in json.dumps(new["blocks"], ensure_ascii=False)


def test_the_status_of_a_whole_country_round_fits_slacks_limits_and_escapes_names(fresh, clock):
    clock.now = datetime(2027, 1, 5, tzinfo=UTC)
    fresh.open_round("<!channel> & co", "15.1.2027", "norge", ADMIN, year=2027)
    message = status_message(fresh.round_status(), Texts("nb"), clock.now)
    assert len(message.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    header, *rest = message.blocks
    assert header["text"] == {
        "emoji": True,
        "text": "Innhenting «<!channel> & co» (2027)",
        "type": "plain_text",
    }  # fmt: skip - plain text: never a mention
    assert message.text.startswith("Innhenting «&lt;!channel&gt; &amp; co» (2027): 0 av 357")
    assert "<!channel>" not in json.dumps(rest)
    assert "*Finnmark*: 0 av 18 – mangler Alta, " in json.dumps(rest, ensure_ascii=False)


def test_the_weekly_summary_lists_open_rounds_and_who_has_not_answered(fresh, clock):
    with_editors(fresh, clock)
    open_network(fresh)
    answer(fresh, "0301", 73)
    summary = fresh.summary()
    [line] = summary.rounds
    assert (line.answered, line.members, line.not_answered[0]) == (1, 7, "Stavanger")
    text = json.dumps(summary_message(summary, Texts("nn")).blocks, ensure_ascii=False)
    assert "*Opne innhentingar*" in text
    assert (
        "«Kapasitet 2027»: 1 av 7 har svara, frist 15. januar 2027 kl. 23.59 – manglar Stavanger, "
        in (text)
    )
    fresh.close_round(None, ADMIN)
    assert fresh.summary().rounds == ()


def test_an_alert_is_delivered_before_a_rounds_waiting_messages(round_open):
    round_open.create_batch("Big", 400, ADMIN, year=2020)  # an alert, queued after the round
    [first] = round_open.outbox.claim_due(limit=1)
    assert first.event.kind == "batch_exceeds_capacity"


@pytest.mark.parametrize(
    ("language", "said"),
    [("nb", "lagret: 30 ledige plasser. Trondheim er nå overbooket med 10."),
     ("nn", "Trondheim er no overbooka med 10."),
     ("en", "Trondheim is now overbooked by 10.")],
)  # fmt: skip
def test_an_answer_saved_below_the_reservations_says_by_how_much_it_overbooks(
    fresh, clock, language, said
):
    network = with_editors(fresh, clock)
    open_network(network)
    answer(network, "5001", 100)
    network.create_batch("Moria 2027", 50, ADMIN, year=2027)
    network.allocate("Moria 2027", "Trondheim", 40, ADMIN)
    done = answer(network, "5001", 30, force=True)
    message = round_forms.answered_message(
        done.round, done.municipality, done.answer, Texts(language), "",
        done.report.line.overbooked,
    )  # fmt: skip
    assert said in message.text
    plain = answer(network, "5001", 45)
    calm = round_forms.answered_message(
        plain.round, plain.municipality, plain.answer, Texts(language), "",
        plain.report.line.overbooked,
    )  # fmt: skip
    assert "overbook" not in calm.text


def test_each_editor_is_asked_in_their_own_language_where_it_is_known(round_open):
    own = {"U_ED5001": Texts("nn"), "U_ED4601": Texts("en")}  # the others: not known
    with StandIn() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url, timeout=5, retry_handlers=[])
        pace = Pace({"chat.postMessage": 1000, "conversations.open": 1000})
        persons = PersonDelivery(client, round_open, Texts("nb"), pace, own.get)
        sender = SlackNotifier(client, "CALERTS", Texts("nb"), persons=persons, pace=pace)
        assert deliver_due(round_open.outbox, sender).sent == 7
        trondheim, bergen, oslo = (slack.dms(u)[0]["text"] for u in
                                   ("U_ED5001", "U_ED4601", "U_ED0301"))  # fmt: skip
    assert "innhentinga «Kapasitet 2027» ber om busetjingstala" in trondheim
    assert "the round «Kapasitet 2027» asks for" in bergen
    assert "innhentingen «Kapasitet 2027» ber om kommunens" in oslo  # the channel's
