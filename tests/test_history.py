"""Every change is attributed, dated, kept, and can be read back "as of" a date."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from capacity import Actor, Measure, errors
from tests.conftest import ADMIN, CLI

EDITOR = Actor(id="U_EDITOR", name="Erik Editor")
NOBODY = Actor(id="U_NOBODY", name="Nobody")


def test_a_report_is_attributed_with_before_and_after(fresh, clock):
    clock.advance(days=1)
    result = fresh.report_spare("Trondheim", 120, ADMIN, source="e-mail", reason="more flats")
    assert (result.before, result.after) == (115, 120)
    change = fresh.history("Trondheim")[-1]
    assert change.actor == "U_ADMIN" and change.actor_name == "Ada Admin"
    assert (change.source, change.reason) == ("e-mail", "more flats")
    assert (change.before, change.after) == (115, 120)
    assert change.at == clock.now
    assert fresh.capacity("Trondheim").spare_report.source == "e-mail"


@pytest.mark.slow
def test_figures_can_be_read_as_of_any_past_date(fresh, clock):
    start = clock.now
    clock.advance(days=10)
    fresh.report_spare("Trondheim", 90, ADMIN, source="meeting")
    fresh.create_batch("Moria 2020", 50, ADMIN, year=2020)
    clock.advance(days=10)
    fresh.allocate("Moria 2020", "Trondheim", 20, ADMIN)
    clock.advance(days=10)
    fresh.report_spare("Trondheim", 60, ADMIN, source="meeting")
    assert fresh.capacity("Trondheim", as_of=start).spare == 115
    middle = fresh.capacity("Trondheim", as_of=start + timedelta(days=12))
    assert (middle.spare, middle.reserved, middle.remaining) == (90, 0, 90)
    later = fresh.capacity("Trondheim", as_of=start + timedelta(days=22))
    assert (later.spare, later.reserved, later.remaining) == (90, 20, 70)
    now = fresh.capacity("Trondheim")
    assert (now.spare, now.remaining) == (60, 40)
    assert fresh.capacity("Trondheim", as_of=start - timedelta(days=3650)).spare is None


def test_history_is_append_only(fresh):
    fresh.report_spare("Oslo", 80, ADMIN, source="x")
    db = fresh.store.db
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE changes SET after = '1'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM changes")


def test_a_correction_is_a_new_record(fresh):
    fresh.report_spare("Oslo", 80, ADMIN, source="first")
    fresh.report_spare("Oslo", 75, ADMIN, source="correction")
    spare = [c for c in fresh.history("Oslo") if c.key.endswith("/spare")]
    assert [(c.before, c.after) for c in spare] == [("absent", 73), (73, 80), (80, 75)]


def test_history_covers_both_numbers_of_a_renumbered_municipality(fresh):
    fresh.grant("U_X", "editor", CLI, "Tromsø")
    changes = fresh.history("Tromso")
    assert any(c.key.startswith("5401/") for c in changes)


@pytest.mark.parametrize("value", [-1, 100_001, 1.5, True, "12"])
def test_a_bad_spare_value_is_refused_and_changes_nothing(fresh, value):
    before = fresh.store.db.execute("SELECT count(*) FROM changes").fetchone()[0]
    with pytest.raises(errors.InvalidInput):
        fresh.report_spare("Trondheim", value, ADMIN, source="x")
    assert fresh.capacity("Trondheim").spare == 115
    assert fresh.store.db.execute("SELECT count(*) FROM changes").fetchone()[0] == before


def test_editors_change_only_their_municipality(fresh):
    fresh.grant(EDITOR.id, "editor", CLI, "Trondheim")
    assert fresh.report_spare("Trondheim", 100, EDITOR, source="x").after == 100
    with pytest.raises(errors.PermissionDenied, match="Bergen"):
        fresh.report_spare("Bergen", 100, EDITOR, source="x")
    assert fresh.capacity("Bergen").spare == 50


def test_anyone_without_a_role_may_query_but_not_change(fresh):
    with pytest.raises(errors.PermissionDenied):
        fresh.report_spare("Trondheim", 1, NOBODY, source="x")
    with pytest.raises(errors.PermissionDenied):
        fresh.grant(NOBODY.id, "admin", NOBODY)
    assert fresh.capacity("Trondheim").spare == 115
    assert fresh.roles(NOBODY.id) == []


def test_an_editor_of_a_renumbered_municipality_edits_its_old_number(fresh):
    fresh.grant(EDITOR.id, "editor", CLI, "Tromsø")  # granted on 5501
    assert (
        fresh.report_spare("Tromsø", 40, EDITOR, year=2020, source="x").municipality.number
        == "5401"
    )


def test_unknown_is_not_zero_in_a_report(fresh):
    line = fresh.capacity("Trondheim")
    assert line.figures[Measure.SPARE].value == 115
