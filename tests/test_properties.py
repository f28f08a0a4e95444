"""Property-based: random sequences of new/assign/cancel/settle/undo never leave negative
room, the totals always agree with the history, and IMDi's published figures never
change by our own work."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from capacity import Actor, Capacity, errors
from capacity.models import IMDI_MEASURES
from capacity.storage.store import Store

ADMIN = Actor(id="U_ADMIN", name="Ada", trusted=True)
CITIES = ["Oslo", "Bergen", "Trondheim", "Stavanger", "Bærum", "Kristiansand", "Tromsø"]


def imdi_figures(service: Capacity) -> str:
    """IMDi's figures with the change that set each, a line each in the table's key order
    ("0301 2020 settled 73 12"): read straight from the table and joined by SQLite, since
    the invariants run after every step and the seed holds thousands of figures (two
    texts are equal exactly when every figure, its value and its change are)."""
    measures = [m.value for m in IMDI_MEASURES]
    [text] = service.store.db.execute(
        "SELECT group_concat(line, char(10)) FROM ("
        " SELECT number || ' ' || year || ' ' || measure || ' ' || quote(value) || ' '"
        " || change_id AS line FROM figures"
        f" WHERE measure IN ({', '.join('?' * len(measures))})"
        " ORDER BY number, year, measure)",
        measures,
    ).fetchone()
    return text


def allocation_changes(service: Capacity) -> list[tuple[str, dict | None, dict]]:
    """The history's records of reservations, in order: (key, before, after)."""
    rows = service.store.db.execute(
        "SELECT key, before, after FROM changes WHERE entity = 'allocation' ORDER BY id"
    ).fetchall()
    return [(key, json.loads(b) if b else None, json.loads(a)) for key, b, a in rows]


class Batches(RuleBasedStateMachine):
    template: str | None = None

    @initialize()
    def start(self) -> None:
        store = Store(":memory:")
        source = sqlite3.connect(Batches.template)
        source.backup(store.db.conn)
        source.close()
        self.service = Capacity(store)
        self.names: list[str] = []
        self.imdi = imdi_figures(self.service)

    @rule(persons=st.integers(1, 120), sizes=st.lists(st.integers(1, 9), max_size=6))
    def new(self, persons: int, sizes: list[int]) -> None:
        households = tuple(sizes) if sizes and sum(sizes) <= persons else ()
        if households:
            persons = sum(households)
        name = f"B{len(self.names)}"
        self.service.create_batch(name, persons, ADMIN, year=2020, households=households)
        self.names.append(name)

    @rule(data=st.data(), city=st.sampled_from(CITIES), persons=st.integers(1, 60))
    def assign(self, data: st.DataObject, city: str, persons: int) -> None:
        if not self.names:
            return
        name = data.draw(st.sampled_from(self.names))
        batch = self.service.batch(name)
        households: tuple[int, ...] = ()
        if batch.unplaced_households:
            households = (batch.unplaced_households[-1],)
            persons = households[0]
        # a refusal must change nothing, which the invariants check
        with contextlib.suppress(errors.CapacityError):
            self.service.allocate(name, city, persons, ADMIN, households=households)

    @rule(data=st.data())
    def auto(self, data: st.DataObject) -> None:
        if self.names:
            with contextlib.suppress(errors.CapacityError):
                self.service.allocate_auto(data.draw(st.sampled_from(self.names)), ADMIN)

    @rule(data=st.data(), status=st.sampled_from(["cancelled", "arrived", "settled"]))
    def move(self, data: st.DataObject, status: str) -> None:
        if self.names:
            with contextlib.suppress(errors.InvalidTransition):
                self.service.set_status(data.draw(st.sampled_from(self.names)), status, ADMIN)

    @rule(data=st.data())
    def undo(self, data: st.DataObject) -> None:
        rows = self.service.store.db.execute(
            "SELECT id FROM allocations WHERE active = 1"
        ).fetchall()
        if rows:
            with contextlib.suppress(errors.InvalidTransition):
                self.service.release(data.draw(st.sampled_from([r[0] for r in rows])), ADMIN)

    @invariant()
    def imdis_figures_never_change(self) -> None:
        assert imdi_figures(self.service) == self.imdi

    @invariant()
    def remaining_never_negative(self) -> None:
        for line in self.service.overview("storbynettverket", 2020).lines:
            assert line.remaining is not None and line.remaining >= 0, line

    @invariant()
    def batches_never_over_assigned(self) -> None:
        for batch in self.service.batches():
            assert 0 <= batch.allocated <= batch.persons
            if batch.status.value == "cancelled":
                assert batch.allocated == 0

    @invariant()
    def reservations_agree_with_the_history(self) -> None:
        replayed: dict[str, int] = {}
        for key, before, after in allocation_changes(self.service):
            number = key.split("/")[0]
            if before is None:
                replayed[number] = replayed.get(number, 0) + after["persons"]
            elif before.get("active") and not after.get("active"):
                replayed[number] = replayed.get(number, 0) - after["persons"]
        reserved = {
            line.municipality.number: line.reserved
            for line in self.service.overview("storbynettverket", 2020).lines
        }
        for number, persons in reserved.items():
            assert replayed.get(number, 0) == persons, (number, persons, replayed)


@pytest.mark.slow
def test_random_batch_histories(_seeded_template):
    Batches.template = str(_seeded_template)
    runner = Batches.TestCase
    runner.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    runner().runTest()
