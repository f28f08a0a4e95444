"""The planner outside the write lock: a plan (or a pick of households) is solved from
one read with no transaction open, and kept as a preview in a short write that reads
the batch and the rooms again. The solver here is held inside its solve until the test
lets it go (the real one then runs): what happens meanwhile is the test's to choose."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from bot.app import LOCAL_SECRET, create_app
from bot.http import SlackAsgi
from bot.settings import load_settings
from capacity import Actor, Capacity, errors
from capacity.storage.store import Store
from capacity.usecases.core import Solver
from tests.asgi import signed
from tests.conftest import ADMIN, CLI, sharing

MORIA = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)
KARI = Actor(id="U_KARI", name="kari")  # editor of Trondheim
WAIT = 10.0  # the longest any step may take before the test fails


class HeldSolver(Solver):
    """The planner's solves, each waiting inside until `release` is set, the first
    `hold` times one is made; it records whether a transaction was open on its thread."""

    def __init__(self, service: Capacity, hold: int = 1) -> None:
        self.service, self.hold = service, hold
        self.entered, self.release = threading.Event(), threading.Event()
        self.calls = 0
        self.in_transaction: list[bool] = []

    def _held(self) -> None:
        self.calls += 1
        self.in_transaction.append(self.service.store.db.conn.in_transaction)
        if self.calls <= self.hold:
            self.entered.set()
            assert self.release.wait(WAIT), "the test never let the solve go"

    def plan(self, *args, **kwargs):
        self._held()
        return super().plan(*args, **kwargs)

    def choose(self, *args, **kwargs):
        self._held()
        return super().choose(*args, **kwargs)


@pytest.fixture
def service(seeded_db, _seeded_geography, clock):
    """The bot's one service on a database file, with a short wait for the write lock:
    a writer that waited for a solve would be refused as busy within a second."""
    service = sharing(Capacity(Store(seeded_db, busy_timeout=1.0), clock=clock), _seeded_geography)
    service.grant(ADMIN.id, "admin", CLI)
    service.grant(KARI.id, "editor", CLI, "Trondheim")
    service.create_batch("Moria 2020", 50, ADMIN, year=2020, households=MORIA)
    yield service
    service.store.close()


@pytest.fixture
def held(service) -> HeldSolver:
    service.core.solver = HeldSolver(service)
    return service.core.solver


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def solving(held: HeldSolver, pool: ThreadPoolExecutor, work) -> Future:
    """`work` started in another thread, once it is inside the held solve."""
    future = pool.submit(work)
    assert held.entered.wait(WAIT), "the plan never reached the solver"
    return future


def command(name: str, text: str, user: Actor) -> str:
    return urllib.parse.urlencode(
        {
            "command": name,
            "text": text,
            "user_id": user.id,
            "user_name": user.name,
            "channel_id": "C1",
            "team_id": "T1",
            "response_url": "https://hooks.slack.com/commands/T1/1/x",
            "trigger_id": f"t.{time.monotonic_ns()}",
        }
    )


def test_a_report_from_another_user_is_answered_at_once_and_saved_while_a_plan_solves(
    service, held
):
    edge = SlackAsgi(
        create_app(load_settings(slack_signing_secret=LOCAL_SECRET), service), LOCAL_SECRET
    )

    async def meanwhile():
        plan = asyncio.ensure_future(
            signed(edge, LOCAL_SECRET, command("/relocation", 'fordel "Moria 2020"', ADMIN))
        )
        assert await asyncio.to_thread(held.entered.wait, WAIT)
        started = time.monotonic()
        report = await signed(
            edge, LOCAL_SECRET, command("/capacity", "rapporter Trondheim 120", KARI)
        )
        took, still_solving = time.monotonic() - started, not plan.done()
        held.release.set()
        return report, took, still_solving, await plan

    report, took, still_solving, plan = asyncio.run(meanwhile())
    assert still_solving and took < 1.0  # not queued behind the solve (nor refused as busy)
    assert report.status == 200 and "115 → *120*" in report.json()["text"]
    assert service.capacity("Trondheim").spare == 120  # saved
    [saved] = [c for c in service.history("Trondheim") if c.actor == KARI.id]
    assert (saved.key, saved.before, saved.after) == ("5001/2020/spare", 115, 120)
    # The plan was made with Trondheim's 115: it is refused with the numbers, not kept.
    text = plan.json()["text"]
    assert "Trondheim: 120 ledige nå, planlagt med 115" in text and "fordel" in text
    assert held.in_transaction == [False]
    assert service.batch("Moria 2020").allocated == 0


def test_a_plan_whose_rooms_did_not_change_while_it_solved_is_kept_and_confirmed(
    service, held, pool
):
    plan = solving(held, pool, lambda: service.plan_batch("Moria 2020", ADMIN))
    service.report_spare("Trondheim", 99, KARI, year=2021, source="another year")
    service.report_spare("Ålesund", 12, CLI, year=2020, source="outside the scope")
    held.release.set()
    result = plan.result(WAIT)
    assert result.key and result.placed == 50 and held.in_transaction == [False]
    applied = service.apply_plan(result.key, ADMIN)
    assert sum(line.persons for line in applied.lines) == 50
    assert service.batch("Moria 2020").unallocated == 0


def test_a_plan_is_refused_with_the_numbers_when_a_room_it_used_changed_while_it_solved(
    service, held, pool
):
    service.create_batch("Other", 10, ADMIN, year=2020)
    plan = solving(held, pool, lambda: service.plan_batch("Moria 2020", ADMIN))
    service.allocate("Other", "Oslo", 3, ADMIN)  # a reservation, not a report
    held.release.set()
    with pytest.raises(errors.InvalidInput) as refused:
        plan.result(WAIT)
    assert refused.value.code == "room_changed"
    [change] = refused.value.facts["changes"]
    assert (change["municipality"].name_no, change["now"], change["planned"]) == ("Oslo", 70, 73)
    assert service.batch("Moria 2020").allocated == 0


def test_a_plan_is_refused_when_households_of_its_batch_were_assigned_while_it_solved(
    service, held, pool
):
    plan = solving(held, pool, lambda: service.plan_batch("Moria 2020", ADMIN))
    service.allocate("Moria 2020", "Tromsø", 6, ADMIN, households=((6,),))
    held.release.set()
    with pytest.raises(errors.InvalidInput) as refused:
        plan.result(WAIT)
    # Tromsø's room changed too, but the households are what the plan cannot stand on
    assert refused.value.code == "plan_stale"
    assert service.batch("Moria 2020").allocated == 6  # only the assignment made meanwhile


def test_a_plan_of_a_batch_cancelled_while_it_solved_is_refused(service, held, pool):
    plan = solving(held, pool, lambda: service.plan_batch("Moria 2020", ADMIN))
    service.confirm_cancel(service.preview_cancel("Moria 2020", ADMIN).key, ADMIN)
    held.release.set()
    with pytest.raises(errors.InvalidTransition):
        plan.result(WAIT)


def test_a_plan_not_kept_writes_nothing_and_stands_on_what_it_read(service, held, pool):
    plan = solving(held, pool, lambda: service.plan_batch("Moria 2020", ADMIN, keep=False))
    service.report_spare("Trondheim", 120, KARI, source="meanwhile")
    held.release.set()
    result = plan.result(WAIT)
    assert result.key is None and result.room == 398  # the network as it was read


def test_auto_allocation_plans_again_when_the_room_changed_while_it_solved(service, held, pool):
    work = solving(held, pool, lambda: service.allocate_auto("Moria 2020", ADMIN))
    service.report_spare("Oslo", 10, CLI, source="meanwhile")
    held.release.set()
    results = work.result(WAIT)
    assert held.calls == 2 and held.in_transaction == [False, False]
    assert all(r.granted for r in results) and sum(r.persons for r in results) == 50
    assert service.capacity("Oslo").reserved <= 10  # planned with Oslo's room as it is now


def test_households_are_picked_outside_the_write_and_picked_again_when_the_batch_changed(
    service, held, pool
):
    preview = solving(
        held, pool, lambda: service.preview_assignment("Moria 2020", [("Bergen", 10, ())], ADMIN)
    )
    service.report_spare("Trondheim", 120, KARI, source="meanwhile")  # not waiting: saved
    assert service.capacity("Trondheim").spare == 120
    service.allocate("Moria 2020", "Tromsø", 10, ADMIN, households=((5,), (5,)))
    held.release.set()
    result = preview.result(WAIT)
    assert held.calls == 2 and held.in_transaction == [False, False]
    [line] = result.lines
    assert result.picked and line.persons == 10 and sum(map(sum, line.units)) == 10
    assert service.confirm_assignment(result.key, ADMIN).results[0].granted
