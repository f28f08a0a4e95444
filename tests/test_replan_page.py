"""`/relocation vis` after a re-plan: what holds now first, what was released after
(issue 15: seven released lines used to push the active ones to page 2)."""

from __future__ import annotations

from bot.batch_blocks import RELEASE_ACTION, batch_page
from bot.i18n import Texts
from tests.conftest import ADMIN

MORIA = (5, 4, 6, 5, 5, 6, 4, 5, 5, 5)


def replanned(service):
    """The Moria 50 planned over the network, undone, and planned again."""
    service.create_batch("Moria 2020", 50, ADMIN, households=MORIA, year=2020)
    first = service.plan_batch("Moria 2020", ADMIN)
    service.apply_plan(first.key, ADMIN)
    service.undo_plan(first.key, ADMIN)
    second = service.plan_batch("Moria 2020", ADMIN)
    service.apply_plan(second.key, ADMIN)
    return len(first.lines), len(second.lines)


def test_the_first_page_after_a_replan_holds_the_active_assignments(fresh):
    released, active = replanned(fresh)
    assert (released, active) == (7, 7)
    first = fresh.batch_page("Moria 2020", 1)
    assert (first.total, first.active, first.pages) == (14, 7, 2)
    assert [a.active for a in first.allocations] == [True] * 7 + [False] * 3
    ids = [a.id for a in first.allocations]
    assert ids[:7] == sorted(ids[:7]) and ids[7:] == sorted(ids[7:])  # oldest first in each
    second = fresh.batch_page("Moria 2020", 2)
    assert [a.active for a in second.allocations] == [False] * 4


def test_the_page_shows_the_release_buttons_before_the_released_lines(fresh):
    replanned(fresh)
    page = fresh.batch_page("Moria 2020", 1)
    sections = [b for b in batch_page(page, Texts("nn"), "KS").blocks if b["type"] == "section"]
    lines = [b for b in sections if "`#" in b["text"]["text"]]
    buttons = ["accessory" in b and b["accessory"]["action_id"].startswith(RELEASE_ACTION)
               for b in lines]  # fmt: skip
    assert buttons == [True] * 7 + [False] * 3
    assert all("(frigjort)" in b["text"]["text"] for b in lines[7:])
