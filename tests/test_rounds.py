"""Collection rounds in the core: opening one (municipalities frozen, a request queued to
each editor), the refusals, answers through the report use case, status, and closing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from capacity import errors
from capacity.domain.rounds import RoundRefused, parse_deadline
from capacity.models import Actor, Measure
from capacity.texts.i18n import Catalogue
from tests.conftest import ADMIN, CLI

NETWORK = ("0301", "4601", "5001", "1103", "3201", "4204", "5501")
EDITORS = {number: Actor(id=f"U_ED{number}", name=f"ed{number}") for number in NETWORK}
JAN_5 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Oslo


def with_editors(service, clock):
    """The seeded database at 5 January 2027 with an editor for each network city."""
    clock.now = JAN_5
    for number, editor in EDITORS.items():
        service.grant(editor.id, "editor", CLI, number)
    return service


@pytest.fixture
def network(fresh, clock):
    return with_editors(fresh, clock)


def open_network(service, name: str = "Kapasitet 2027"):
    return service.open_round(name, "15.1.2027", "storbynettverket", ADMIN, year=2027)


def messages(service, purpose: str | None = None):
    found = [a.event for a in service.alerts() if a.event.kind == "round_message"]
    return [m for m in found if purpose is None or m.purpose == purpose]


def test_opening_a_round_freezes_its_municipalities_and_asks_each_editor_once(network):
    opened = open_network(network)
    assert opened.members == 7 and opened.asked == 7 and opened.no_contact == ()
    assert opened.round.deadline == datetime(2027, 1, 15, 22, 59, 59, 999999, tzinfo=UTC)
    asked = messages(network, "ask")
    assert sorted((m.number, m.user) for m in asked) == sorted(
        (n, e.id) for n, e in EDITORS.items()
    )
    assert {m.round_name for m in asked} == {"Kapasitet 2027"}
    [record] = [c for c in network.history() if c.entity == "round"]
    assert record.actor == ADMIN.id and record.after["members"] == 7


def test_a_municipality_without_an_editor_is_no_contact(network):
    network.revoke(EDITORS["1103"].id, "editor", CLI, "1103")
    opened = open_network(network)
    assert [m.name_no for m in opened.no_contact] == ["Stavanger"]
    state = network.round_status()
    assert [m.municipality.name_no for m in state.no_contact] == ["Stavanger"]


@pytest.mark.parametrize(
    "deadline,scope,code",
    [
        ("1.1.2027", "storbynettverket", "round_deadline_past"),
        ("snart", "storbynettverket", "round_deadline_format"),
        ("32.1.2027", "storbynettverket", "moment_no_day"),  # says January has 31 days
        ("31.2.2027", "storbynettverket", "moment_no_day"),
        ("15.13.2027", "storbynettverket", "moment_no_month"),
        ("15.1.2027", "", "round_scope_empty"),
        ("15.1.2027", "fylke Atlantis", "round_county_unknown"),
    ],
)
def test_a_bad_round_is_refused_and_changes_nothing(network, deadline, scope, code):
    with pytest.raises(errors.CapacityError) as refused:
        network.open_round("Kapasitet 2027", deadline, scope, ADMIN, year=2027)
    assert refused.value.code == code
    assert network.rounds() == [] and messages(network) == []


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nb", "«31.2.2027» finnes ikke: februar 2027 har 28 dager"),
        ("nn", "«31.2.2027» finst ikkje: februar 2027 har 28 dagar"),
        ("en", "'31.2.2027' does not exist: February 2027 has 28 days"),
    ],
)
def test_a_deadline_on_a_day_that_does_not_exist_says_so(network, language, said):
    with pytest.raises(errors.CapacityError) as refused:
        network.open_round("Kapasitet 2027", "31.2.2027", "storbynettverket", ADMIN, year=2027)
    assert said in Catalogue(language, markup="plain").refusal(refused.value)
    assert refused.value.facts["field"] == "deadline"


def test_a_round_name_that_exists_is_refused_whatever_its_case(network):
    open_network(network)
    with pytest.raises(RoundRefused) as refused:
        open_network(network, "  kapasitet   2027 ")
    assert refused.value.code == "round_exists"
    assert len(network.rounds()) == 1 and len(messages(network)) == 7


def test_only_an_admin_opens_a_round(network):
    with pytest.raises(errors.PermissionDenied):
        network.open_round("Other", "15.1.2027", "norge", EDITORS["0301"], year=2027)
    assert network.rounds() == [] and messages(network) == []


def test_a_county_and_a_list_are_scopes(network):
    county = network.open_round("Trøndelag", "15.1.2027", "fylke Trøndelag", ADMIN, year=2027)
    assert county.round.scope == "fylke:50" and county.round.scope_title == "Trøndelag"
    assert county.members == 38
    listed = network.open_round("Tre", "15.1.2027", "Oslo, Bergen; Tromsø", ADMIN, year=2027)
    assert listed.round.scope_title == "Oslo, Bergen, Tromsø" and listed.members == 3
    whole = network.open_round("Alle", "15.1.2027", "norge", ADMIN, year=2027)
    assert whole.members == 357


def answer(service, number: str, spare: int, **values):
    found = service.round("Kapasitet 2027")
    return service.answer_round(found.id, number, EDITORS[number], spare=spare, **values)


def test_an_answer_is_a_report_with_the_round_as_its_source(network):
    open_network(network)
    done = answer(network, "5001", 120, decision=150, extra=20, comment="med mer hjelp")
    assert done.answer.spare == 120 and not done.answer.late
    line = network.capacity("Trondheim", 2027)
    report = line.spare_report
    assert (report.value, report.actor) == (120, "ed5001")
    assert report.source == "svar på innhenting «Kapasitet 2027»"
    assert line.value(Measure.DECISION) is None  # IMDi's decision is never set by an answer
    kept = network.round_answer(done.round.id, "5001")
    assert (kept.decision, kept.extra, kept.comment) == (150, 20, "med mer hjelp")
    assert [c.entity for c in network.history("Trondheim")][-1] == "figure"
    recorded = [c for c in network.history() if c.entity == "round_answer"]
    assert recorded[-1].after["decision"] == 150 and recorded[-1].before is None


def test_an_answer_after_the_deadline_is_kept_and_marked_late(network, clock):
    open_network(network)
    clock.now = datetime(2027, 1, 16, 8, 0, tzinfo=UTC)
    assert answer(network, "3201", 30).answer.late
    state = network.round_status("Kapasitet 2027")
    assert [m.municipality.name_no for m in state.late] == ["Bærum"]


def test_a_correction_after_the_deadline_of_an_answer_in_time_is_not_late(network, clock):
    open_network(network)
    answer(network, "0301", 70)
    clock.now = datetime(2027, 1, 20, tzinfo=UTC)
    corrected = answer(network, "0301", 73)
    assert corrected.answer.spare == 73 and not corrected.answer.late


def test_an_answer_can_be_changed_until_the_round_closes(network):
    open_network(network)
    first = answer(network, "0301", 70, decision_expected=date(2027, 2, 1))
    second = answer(network, "0301", 73)
    assert (second.before.spare, second.answer.spare) == (70, 73)
    assert first.answer.decision_expected == date(2027, 2, 1)
    network.close_round(None, ADMIN)
    with pytest.raises(RoundRefused) as refused:
        answer(network, "0301", 80)
    assert refused.value.code == "round_closed"
    assert network.capacity("Oslo", 2027).spare == 73


def test_a_second_editor_who_saw_no_answer_is_told_who_answered_first(network):
    open_network(network)
    other = Actor(id="U_OTHER", name="other")
    network.grant(other.id, "editor", CLI, "0301")
    answer(network, "0301", 70, seen="")
    found = network.round("Kapasitet 2027")
    with pytest.raises(RoundRefused) as refused:
        network.answer_round(found.id, "0301", other, spare=10, seen="")
    assert refused.value.code == "round_answered_meanwhile"
    assert refused.value.facts["who"] == "ed0301" and refused.value.facts["spare"] == 70
    assert network.capacity("Oslo", 2027).spare == 70


@pytest.mark.parametrize(
    "who,number,code",
    [
        ("U_ED0301", "Bergen", "round_not_editor"),
        ("U_ED0301", "Drammen", "round_not_member"),
    ],
)
def test_an_answer_from_outside_is_refused_and_changes_nothing(network, who, number, code):
    open_network(network)
    found = network.round(None)
    with pytest.raises(errors.CapacityError) as refused:
        network.answer_round(found.id, number, Actor(id=who), spare=10)
    assert refused.value.code == code
    assert network.round_status().answered == ()


@pytest.mark.parametrize(
    "values,field",
    [
        ({"spare": -1}, "spare"),
        ({"spare": 10, "extra": -2}, "extra"),
        ({"spare": 10, "decision": 5, "decision_expected": date(2027, 3, 1)}, "decision_expected"),
    ],
)
def test_an_answer_with_bad_values_is_refused_on_its_field(network, values, field):
    open_network(network)
    with pytest.raises(errors.CapacityError) as refused:
        answer(network, "5001", **values)
    assert refused.value.facts["field"] == field
    assert network.round_status().answered == ()


def test_an_answer_below_the_reservations_is_refused_unless_confirmed(network):
    open_network(network)
    answer(network, "5001", 100)
    network.create_batch("Moria 2027", 50, ADMIN, year=2027)
    network.allocate("Moria 2027", "Trondheim", 40, ADMIN)
    with pytest.raises(errors.InvalidInput) as refused:
        answer(network, "5001", 30)
    assert refused.value.code == "below_reserved"
    assert network.round_answer(network.round(None).id, "5001").spare == 100
    assert answer(network, "5001", 30, force=True).answer.spare == 30
    assert network.capacity("Trondheim", 2027).overbooked == 10


def test_the_status_counts_answers_per_county_and_offered_places(network, clock):
    network.report_spare("Oslo", 60, ADMIN, year=2026)
    open_network(network)
    answer(network, "0301", 73)
    answer(network, "5001", 115, extra=10)
    state = network.round_status()
    assert (len(state.answered), len(state.not_answered)) == (2, 5)
    assert (state.offered, state.extra, state.last_year) == (188, 10, 60)
    counts = {c.county: (c.answered, c.members) for c in state.by_county()}
    assert counts["Oslo"] == (1, 1) and counts["Trøndelag"] == (1, 1)
    assert counts["Vestland"] == (0, 1)


def test_closing_queues_the_summary_for_the_channel_once(network):
    open_network(network)
    answer(network, "0301", 73)
    closed, summary = network.close_round("kapasitet 2027", ADMIN)
    assert closed.status == "closed" and summary.answered == 1
    assert summary.offered == 73 and "Bergen" in summary.not_answered
    with pytest.raises(RoundRefused):
        network.close_round("Kapasitet 2027", ADMIN)
    assert [a.event.kind for a in network.alerts()].count("round_closed") == 1
    assert network.alerts()[-1].event.kind == "round_closed"


def test_round_messages_are_not_alerts_in_the_home_or_the_summary(network):
    open_network(network)
    home = network.home(ADMIN.id)
    assert home.alerts.pending == 0
    assert network.summary().alerts == {}


def test_without_a_name_the_one_open_round_is_meant(network):
    with pytest.raises(RoundRefused) as none:
        network.round_status()
    assert none.value.code == "round_none_open"
    open_network(network)
    open_network(network, "Ekstra")
    with pytest.raises(RoundRefused) as which:
        network.round_status()
    assert which.value.code == "round_which"
    assert "«Ekstra»" in which.value.facts["names"]


def test_a_deadline_is_norwegian_time_and_a_date_alone_is_the_end_of_that_day():
    assert parse_deadline("15.1.2027") == datetime(2027, 1, 15, 22, 59, 59, 999999, tzinfo=UTC)
    assert parse_deadline("2027-06-15 12:00") == datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
