"""End to end: a collection round over the KS city network, run from Slack against the
real bot process over signed HTTP, with the Slack stand-in and the bot's clock driven
by the test (CAPACITY_CLOCK_FILE).

Roles granted by e-mail; the round opened with `/capacity innhenting ny …`; the seven
editors' direct messages, once each, also through a kill and a restart mid-delivery;
four answers through the form (one late); the reminders at 7 days, 2 days and the
deadline's morning to exactly those who had not answered; the tracker kept current with
`chat.update`, never more often than its interval, replaced when deleted; the closing
summary. The steps build on each other, in order.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.rehearsal import set_clock
from capacity import Capacity
from capacity.storage.store import Store
from tests.bot_server import BotServer
from tests.conftest import ADMIN, CLI
from tests.stand_in import StandIn
from tests.waiting import wait_delivered, wait_until

pytestmark = pytest.mark.slow

CITIES = {  # number: (name, editor, e-mail)
    "0301": ("Oslo", "U0OSLO", "kari@oslo.kommune.no"),
    "4601": ("Bergen", "U0BERGEN", "ola@bergen.kommune.no"),
    "5001": ("Trondheim", "U0TRD", "kari.nordmann@trondheim.kommune.no"),
    "1103": ("Stavanger", "U0STAV", "per@stavanger.kommune.no"),
    "3201": ("Bærum", "U0BAERUM", "eva@baerum.kommune.no"),
    "4204": ("Kristiansand", "U0KRS", "liv@kristiansand.kommune.no"),
    "5501": ("Tromsø", "U0TROMSO", "nils@tromso.kommune.no"),
}
GONE = ("U0GONE", "gone@oslo.kommune.no")  # a second editor of Oslo whom Slack cannot reach
INTERVAL = 1.0  # the tracker's least seconds between updates (5 in production)
START = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Oslo; the deadline is 15 January


class Round:
    """The module's shared state: the stand-in, the clock file, the bot (restartable)."""

    def __init__(self, slack: StandIn, db: Path, clock: Path) -> None:
        self.slack, self.db, self.clock = slack, db, clock
        self.env = {
            "CAPACITY_CLOCK_FILE": str(clock),
            "CAPACITY_ALERT_POLL": "0.1",
            "CAPACITY_ALERT_LEASE": "2",
            "CAPACITY_TRACKER_INTERVAL": str(INTERVAL),
            "CAPACITY_POST_RATE": "50",
        }
        self.bot = BotServer(db, slack.api_url, env=self.env).start()

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.bot.stop(sig)
        self.bot = BotServer(self.db, self.slack.api_url, env=self.env).start()

    def at(self, moment: datetime) -> None:
        set_clock(self.clock, moment)

    def command(self, text: str, user: str = ADMIN.id) -> str:
        reply = self.bot.command(text, user_id=user, response_url=self.slack.response_url())
        assert reply.status == 200, reply.text
        return reply.text

    def service(self) -> Capacity:
        return Capacity(Store(self.db))

    def dm_posts(self, user: str) -> list[dict[str, Any]]:
        return [m for m in self.slack.dms(user) if (m.get("metadata") or {}).get("event_type")]

    def channel_posts(self, event_type: str) -> list[dict[str, Any]]:
        with self.slack.lock:
            return [
                m
                for m in self.slack.posted
                if m.get("channel") == "CALERTS"
                and (m.get("metadata") or {}).get("event_type") == event_type
            ]

    def form(self, number: str, user: str) -> dict[str, Any]:
        """Click "Answer for …" in the editor's message; the form views.open opened."""
        before = len(self.slack.calls_to("views.open"))
        value = json.dumps({"r": 1, "n": number})
        reply = self.bot.action(
            f"round_answer:1:{number}",
            value,
            user_id=user,
            response_url=self.slack.response_url("click"),
            extra={"trigger_id": f"t{time.monotonic_ns()}"},  # each click its own request
        )
        assert reply.status == 200
        calls = self.slack.wait_for("views.open", before + 1)
        view = calls[before].body["view"]
        return json.loads(view) if isinstance(view, str) else view


@pytest.fixture(scope="module")
def run(_seeded_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rounds")
    db, clock = folder / "rounds.db", folder / "clock"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant(ADMIN.id, "admin", CLI)
    service.store.close()
    set_clock(clock, START)
    with StandIn() as slack:
        slack.emails.update({email: user for _, user, email in CITIES.values()})
        slack.emails[GONE[1]] = GONE[0]
        slack.unknown_users.add(GONE[0])
        state = Round(slack, db, clock)
        try:
            yield state
        finally:
            state.bot.stop()


def test_roles_are_granted_by_email_and_an_unknown_address_changes_nothing(run):
    for number, (name, user, email) in CITIES.items():
        text = f"grant <mailto:{email}|{email}> editor {number}"
        assert f"<@{user}> har nå rollen redaktør for {name}" in run.command(text)
    assert "<@U0GONE> har nå rollen redaktør for Oslo" in run.command(
        f"grant {GONE[1]} editor Oslo"
    )
    refused = run.command("grant nobody@example.no editor Bergen")
    assert "Slack kjenner ingen bruker med adressen nobody@example.no" in refused
    assert "Ingenting ble endret" in refused
    service = run.service()
    editors = service.core.store.db.conn.execute("SELECT count(*) FROM roles WHERE role = ?",
                                                 ["editor"]).fetchone()[0]  # fmt: skip
    assert editors == 8
    assert [(role.value, place.name_no) for role, place in service.roles("U0TRD")] == [
        ("editor", "Trondheim")
    ]
    service.store.close()


def test_the_round_asks_each_editor_once_through_a_kill_and_a_restart(run):
    run.slack.faults["chat.postMessage"] = ("delay", 0.4)  # deliveries take a while
    answer = run.command(
        'innhenting ny "Kapasitet 2027" frist 15.1.2027 omfang storbynettverket år 2027'
    )
    assert "Innhentingen *«Kapasitet 2027»* (2027) er startet for KS storbynettverk" in answer
    assert "7 kommuner" in answer and "8 direktemeldinger" in answer
    wait_until(lambda: len(run.slack.calls_to("chat.postMessage")) >= 3, "the first messages")
    run.restart(signal.SIGKILL)  # killed mid-delivery: a post's answer is lost
    run.slack.faults.pop("chat.postMessage")
    for _, user, _ in CITIES.values():
        wait_until(lambda user=user: run.dm_posts(user), f"the request to {user}")
    wait_delivered(run.db)  # the killed process's leases ran out; what it left, retried
    for number, (name, user, _) in CITIES.items():
        [message] = run.dm_posts(user)
        assert f"*{name}*: innhentingen *«Kapasitet 2027»*" in message["text"] + str(
            message["blocks"]
        )
        buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert json.loads(buttons[0]["value"]) == {"r": 1, "n": number}
    assert run.slack.dms(GONE[0]) == []
    opened = [c.body.get("users") for c in run.slack.calls_to("conversations.open")]
    assert sorted(set(opened)) == sorted([GONE[0]] + [u for _, u, _ in CITIES.values()])
    status = run.command("innhenting status")
    assert "Melding til Oslo ble ikke levert: U0GONE: user_not_found" in status
    assert len(run.channel_posts("round_tracker")) == 1  # one tracker, also after the kill


def test_the_form_refuses_text_where_a_number_goes_and_saves_nothing(run):
    view = run.form("0301", "U0OSLO")
    assert view["callback_id"] == "round_answer_modal"
    reply = run.bot.submit(view, {"spare": "sytti"}, user_id="U0OSLO")
    assert reply.json()["response_action"] == "errors"
    assert "«sytti» er ikke et antall" in reply.json()["errors"]["spare"]
    wrong = run.bot.submit(view, {"spare": "10"}, user_id="U0BERGEN")  # not Oslo's editor
    assert "bare redaktørene for Oslo" in wrong.json()["errors"]["spare"]
    service = run.service()
    assert service.round_status().answered == ()
    service.store.close()


def confirmations(run, user: str) -> list[dict[str, Any]]:
    """What the bot told a user after a form (in their messages with the app)."""
    return [c.body for c in run.slack.calls_to("chat.postMessage") if c.body["channel"] == user]


def answer(run, number: str, spare: str, **more: Any) -> None:
    _, user, _ = CITIES[number]
    before = len(confirmations(run, user))
    view = run.form(number, user)
    reply = run.bot.submit(view, {"spare": spare, **more}, user_id=user)
    assert reply.status == 200 and not reply.body, reply.text
    [told] = wait_until(lambda: confirmations(run, user)[before:], f"the answer to {user}")
    assert "Takk! Svaret for" in told["text"]


def test_three_answer_through_the_form_and_the_tracker_follows_within_its_limit(run):
    expected = {"type": "datepicker", "selected_date": "2027-02-01"}
    answer(run, "0301", "73", expected=expected)
    answer(run, "4601", "50", decision="48")
    answer(run, "5001", "115", extra="20", comment="med mer hjelp")
    [tracker] = run.channel_posts("round_tracker")
    wait_until(lambda: "*3 av 7*" in json.dumps(tracker["blocks"], ensure_ascii=False),
               "the tracker showing 3 answers")  # fmt: skip
    updates = [c for c in run.slack.calls_to("chat.update") if c.body.get("ts") == tracker["ts"]]
    gaps = [b.at - a.at for a, b in zip(updates, updates[1:], strict=False)]
    assert updates and all(gap >= INTERVAL * 0.95 for gap in gaps), gaps
    service = run.service()
    oslo = service.round_answer(1, "0301")
    assert oslo.decision_expected.isoformat() == "2027-02-01" and not oslo.late
    line = service.capacity("Trondheim", 2027)
    assert line.spare == 115 and "«Kapasitet 2027»" in line.spare_report.source
    service.store.close()


def reminders_to(run, user: str) -> list[dict[str, Any]]:
    return [m for m in run.dm_posts(user) if "Påminnelse" in m["text"]]


def test_reminders_reach_exactly_those_who_have_not_answered_at_their_times(run):
    waiting = ["1103", "3201", "4204", "5501"]
    answered = ["0301", "4601", "5001"]
    for count, moment in enumerate(
        (
            datetime(2027, 1, 8, 8, 0, 1, tzinfo=UTC),  # 7 days before, 09:00 Oslo
            datetime(2027, 1, 13, 8, 0, 1, tzinfo=UTC),  # 2 days before
            datetime(2027, 1, 15, 8, 0, 1, tzinfo=UTC),  # the deadline's morning
        ),
        start=1,
    ):
        before = {n: len(reminders_to(run, CITIES[n][1])) for n in waiting}
        assert before == dict.fromkeys(waiting, count - 1)
        run.at(moment)
        for number in waiting:
            user = CITIES[number][1]
            wait_until(lambda user=user, count=count: len(reminders_to(run, user)) == count,
                       f"reminder {count} to {user}")  # fmt: skip
    time.sleep(1)  # several polls more: nothing else is sent
    assert {n: len(reminders_to(run, CITIES[n][1])) for n in waiting} == dict.fromkeys(waiting, 3)
    assert all(reminders_to(run, CITIES[n][1]) == [] for n in answered)
    assert run.slack.dms(GONE[0]) == []


def test_a_late_answer_is_marked_and_the_tracker_says_the_deadline_passed(run):
    run.at(datetime(2027, 1, 16, 9, 0, tzinfo=UTC))
    [tracker] = run.channel_posts("round_tracker")
    wait_until(lambda: "Fristen gikk ut" in json.dumps(tracker["blocks"], ensure_ascii=False),
               "the tracker saying the deadline passed")  # fmt: skip
    answer(run, "3201", "30")
    service = run.service()
    assert service.round_answer(1, "3201").late
    service.store.close()
    wait_until(lambda: "For sent: Bærum" in json.dumps(tracker["blocks"], ensure_ascii=False),
               "the tracker naming the late one")  # fmt: skip
    reminded = run.command("innhenting påminn")
    assert "3 påminnelser" in reminded
    for number in ("1103", "4204", "5501"):
        user = CITIES[number][1]
        wait_until(lambda user=user: len(reminders_to(run, user)) == 4, f"the reminder to {user}")
    assert len(reminders_to(run, "U0BAERUM")) == 3


def test_a_deleted_tracker_is_posted_again_and_the_new_one_kept_current(run):
    [old] = run.channel_posts("round_tracker")
    run.slack.deleted.add(old["ts"])
    answer(run, "0301", "80")  # a change: the tracker is written again
    new = wait_until(lambda: [p for p in run.channel_posts("round_tracker") if p is not old],
                     "a new tracker")  # fmt: skip
    assert len(new) == 1
    answer(run, "4601", "55")
    wait_until(lambda: "*4 av 7*" in json.dumps(new[0]["blocks"], ensure_ascii=False)
               and "*280*" in json.dumps(new[0]["blocks"]), "the new tracker current")  # fmt: skip
    service = run.service()
    assert (
        service.core.store.db.conn.execute("SELECT ts FROM round_trackers").fetchone()[0]
        == (new[0]["ts"])
    )
    service.store.close()


def test_closing_posts_the_summary_once_and_the_tracker_says_closed(run):
    reply = run.command('innhenting lukk "Kapasitet 2027"')
    assert "Innhentingen «Kapasitet 2027» er lukket: 4 av 7 svarte" in reply
    [summary] = wait_until(lambda: run.channel_posts("capacity_alert")
                           and [p for p in run.channel_posts("capacity_alert")
                                if "er lukket" in p["text"]], "the closing summary")  # fmt: skip
    text = json.dumps(summary["blocks"], ensure_ascii=False)
    assert "*4 av 7* svarte (1 for sent)" in text and "*280*" in text, text
    assert "Ikke svart: Stavanger, Kristiansand, Tromsø" in text
    tracker = run.channel_posts("round_tracker")[-1]
    wait_until(lambda: "Lukket" in json.dumps(tracker["blocks"], ensure_ascii=False),
               "the tracker saying closed")  # fmt: skip
    refused = run.command("innhenting påminn")
    assert "ingen innhenting er åpen" in refused
    wait_delivered(run.db)  # what the close queued is delivered: nothing more comes of it
    assert len([p for p in run.channel_posts("capacity_alert") if "er lukket" in p["text"]]) == 1


def test_an_admin_opens_a_round_from_the_home_form_and_an_editor_sees_it_waiting(run):
    run.at(datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
    before = len(run.slack.calls_to("views.open"))
    run.bot.action("round_open_form", "new", user_id=ADMIN.id, response_url=run.slack.response_url(),
                   extra={"trigger_id": "home-1"})  # fmt: skip
    view = run.slack.wait_for("views.open", before + 1)[before].body["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "round_open_modal"
    values = {"name": "Ekstra", "scope": "Oslo, Bergen", "year": "2027"}
    past = {"type": "datepicker", "selected_date": "2027-01-20"}
    refused = run.bot.submit(view, {**values, "deadline": past}, user_id=ADMIN.id).json()
    assert refused["response_action"] == "errors"
    assert "er allerede passert" in refused["errors"]["deadline"]
    deadline = {"type": "datepicker", "selected_date": "2027-02-15"}
    done = run.bot.submit(view, {**values, "deadline": deadline}, user_id=ADMIN.id)
    assert done.status == 200 and not done.body
    [told] = wait_until(lambda: confirmations(run, ADMIN.id), "the admin told")
    assert "*«Ekstra»* (2027) er startet for Oslo, Bergen: 2 kommuner" in told["text"]
    wait_until(lambda: any("Ekstra" in m["text"] for m in run.dm_posts("U0BERGEN")), "the ask")
    run.bot.event({"type": "app_home_opened", "user": "U0OSLO", "tab": "home"}, event_id="Ev9")
    home = wait_until(lambda: run.slack.views("U0OSLO"), "Oslo's editor's Home")[-1]
    text = json.dumps(home["blocks"], ensure_ascii=False)
    assert "Innhentinger som venter på svar fra deg" in text and "*«Ekstra»*: Oslo" in text
    run.bot.event({"type": "app_home_opened", "user": ADMIN.id, "tab": "home"}, event_id="Ev10")
    admin = wait_until(lambda: run.slack.views(ADMIN.id), "the admin's Home")[-1]
    assert "«Ekstra»: 0 av 2 har svart" in json.dumps(admin["blocks"], ensure_ascii=False)
