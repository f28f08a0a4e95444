"""A big plan as a meeting reads it (issue 15: 1,200 persons over the country were
about 176 rows in four code blocks, 17,000 characters): the summary (persons placed,
municipalities used, the range of shares, who got the most), the first rows, the whole
plan as a CSV file behind a button, and why those with room got nobody and why a single
person went where one did."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from bot.i18n import Texts
from bot.plan_blocks import plan_applied, plan_preview
from bot.plan_file import plan_csv
from bot.plan_notes_blocks import FILE_ACTION, FIRST_ROWS
from capacity.domain.plan_notes import Given, notes
from capacity.models import Measure, Room
from capacity.usecases.plan_file import PlanFile
from capacity.usecases.results import PlanApplied, PlanLine, PlanResult
from tests.conftest import ADMIN, CLI


def test_the_notes_say_why_those_with_room_got_nobody():
    given = [Given("Oslo", 20, 80), Given("Bergen", 5, 20), Given("Berlevåg", 1, 4)]
    idle = [Given("Båtsfjord", 0, 3), Given("Vardø", 0, 1), Given("Hasvik", 0, 12)]
    found = notes(given, idle, smallest=2)
    assert (found.low, found.high) == (0.25, 0.25)
    assert [g.name for g in found.most] == ["Oslo", "Bergen", "Berlevåg"]
    reasons = {idle.name: idle.reason for idle in found.idle}
    assert reasons == {
        "Vardø": "too_small",  # 1 place: no household of 2 fits
        "Båtsfjord": "over_share",  # 2 of 3 places would be 67 %, above the plan's 25 %
        "Hasvik": "not_needed",  # 2 of 12 is 17 %: the others took everyone
    }
    [single] = found.singles
    assert (single.name, single.cap) == ("Berlevåg", 1)  # 25 % of 4 places is 1 person


@pytest.fixture
def national(fresh):
    """Spare places reported for 265 of the country's municipalities, and a batch of
    1,200 persons over the country."""
    rng = random.Random(15)
    rows = [
        (m.number, 2020, Measure.SPARE, rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 40, 60]))
        for m in fresh.geography.all(2020)
        if rng.random() < 0.75
    ]
    fresh.set_figures(rows, CLI, source="test")
    sizes = []
    while sum(sizes) < 1190:
        sizes.append(rng.choice([1, 2, 3, 4, 4, 5, 5, 5, 6, 7]))
    sizes.append(1200 - sum(sizes))
    fresh.create_batch("Ukraina", 1200, ADMIN, households=tuple(sizes), year=2020, scope="norge")
    return fresh


def synthetic(service, count: int) -> PlanResult:
    """A plan of `count` lines over the country, made by hand (no solver): the blocks'
    own limits, fast."""
    batch = service.batch("Ukraina")
    places = [m for m in service.geography.all(2020)][: count + 20]
    lines = tuple(
        PlanLine(m, ((5,), (4, 3)) if i % 2 else ((1,),), 12 if i % 2 else 1, 40 if i % 2 else 4)
        for i, m in enumerate(places[:count])
    )
    idle = tuple(Room(number=m.number, name=m.name_no, remaining=3) for m in places[count:])
    return PlanResult(
        batch=batch, key="k" * 32, lines=lines, persons=1200,
        placed=sum(line.persons for line in lines), room=5000, municipalities=count + 20,
        max_share=0.3, optimal=True, missing=None, idle=idle, smallest=1,
    )  # fmt: skip


def sections(message) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] in ("section", "header")]


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_a_plan_of_176_lines_fits_a_meeting_and_slacks_limits(national, language):
    message = plan_preview(synthetic(national, 176), Texts(language), "Norge")
    assert len(message.blocks) <= 50 and all(len(text) <= 3000 for text in sections(message))
    tables = [text for text in sections(message) if text.startswith("```")]
    assert len(tables) == 1 and tables[0].count("\n") == FIRST_ROWS + 2  # head, rows, fences
    size = sum(len(text) for text in sections(message))
    assert size < 4000, size  # was about 17,000 characters
    blob = json.dumps(message.blocks, ensure_ascii=False)
    assert ("Viser de 15 største av 176 linjer" if language == "nb" else
            "Viser dei 15 største av 176 linjer") in blob  # fmt: skip
    [file] = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
              if e["action_id"] == FILE_ACTION]  # fmt: skip
    assert json.loads(file["value"]) == {"k": "k" * 32}


def test_the_summary_names_the_range_of_shares_and_who_got_the_most(national):
    plan = synthetic(national, 176)
    text = sections(plan_preview(plan, Texts("nb"), "Norge"))[1]
    assert "Andel av ledig plass brukt: 25,0 %–30,0 %." in text
    first, second, third = sorted(ln.municipality.name_no for ln in plan.lines if ln.persons == 12)[
        :3
    ]
    assert f"Flest får {first} (12), {second} (12) og {third} (12)." in text


def test_those_with_room_that_got_nobody_and_single_persons_are_explained(national):
    message = plan_preview(synthetic(national, 176), Texts("nb"), "Norge")
    [why] = [text for text in sections(message) if "får ingen" in text]
    assert why.startswith("20 kommuner med ledig plass får ingen fordi selv den minste "
                          "husholdningen (1 person) ville brukt mer av plassene der enn planens "
                          "høyeste andel (30,0 %):")  # fmt: skip
    assert "og 12 til." in why  # eight named, the rest counted
    assert "Én person går til 88 kommuner fordi planens høyeste andel (30,0 %) gir plass til " \
           "én person der, og en husholdning på én person passer:" in why  # fmt: skip


def test_a_small_plan_shows_every_row_and_no_file_button(national):
    message = plan_preview(synthetic(national, 7), Texts("nb"), "KS")
    [table] = [text for text in sections(message) if text.startswith("```")]
    assert table.count("\n") == 7 + 2
    assert FILE_ACTION not in json.dumps(message.blocks)


def test_a_confirmed_big_plan_shows_the_first_rows_undo_and_the_file(national):
    plan = synthetic(national, 176)
    applied = PlanApplied(batch=plan.batch, key=plan.key, lines=plan.lines)
    message = plan_applied(applied, Texts("nn"), "U1")
    assert len(message.blocks) <= 50
    actions = [e["action_id"] for b in message.blocks if b["type"] == "actions"
               for e in b["elements"]]  # fmt: skip
    assert actions == ["relocation_plan_undo", FILE_ACTION]


def test_the_plan_file_has_every_line_and_those_given_no_one(national):
    plan = synthetic(national, 176)
    found = PlanFile(plan.batch, plan.lines, plan.idle, plan.smallest, applied=False)
    name, text = plan_csv(found, Texts("nb"))
    assert name == f"plan-{plan.batch.id}-2020.csv" and text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["Kommune", "Kommunenummer", "Personer", "Husholdninger", "Ledig før",
                       "Ledig etter", "Andel brukt"]  # fmt: skip
    assert len(rows) == 1 + 176 + 20
    assert rows[2] == [plan.lines[1].municipality.name_no, plan.lines[1].municipality.number,
                       "12", "5,4+3", "40", "28", "30,0 %"]  # fmt: skip
    assert rows[-1][2:] == ["0", "", "3", "3", "0,0 %"]


@pytest.mark.slow
def test_a_national_plan_of_1200_persons_is_summed_up_and_kept_for_its_file(national):
    plan = national.plan_batch("Ukraina", ADMIN)
    assert plan.placed == 1200 and len(plan.lines) > 150 and plan.idle
    message = plan_preview(plan, Texts("nb"), "Norge")
    assert len(message.blocks) <= 50 and sum(len(t) for t in sections(message)) < 4000
    found = national.plan_file(plan.key)
    assert found.lines == plan.lines and found.idle == plan.idle and not found.applied
    assert found.smallest == plan.smallest == 1
