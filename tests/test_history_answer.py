"""`/capacity historikk` as a meeting reads it (issue 15): the planning year's figures
first, an import of IMDi's table as one line (not twelve), each source named once, and
the rest behind "more"."""

from __future__ import annotations

import json

import pytest

from bot.history_blocks import PAGE_ACTION, history_message
from bot.i18n import Texts
from capacity.domain.history import history
from tests.conftest import ADMIN

IMDI = "IMDi, statistikk «Anmodning, vedtak og faktisk bosetting» (tabellen per 25.09.2023)"
LETTER = "KS storbynettverk, brev «Bykommunene"


def answer(service, name: str, language: str = "nb", page: int = 1) -> dict:
    place = service.municipality(name)
    found = history(service.history(name), service.planning_year())
    message = history_message(place, found, Texts(language), page)
    return {"text": message.text, "blocks": message.blocks}


def lines_of(message: dict) -> list[str]:
    return [line for b in message["blocks"] if b["type"] == "section"
            for line in b["text"]["text"].split("\n")]  # fmt: skip


@pytest.mark.parametrize(
    "language,planning,other", [("nb", "Planleggingsåret 2020", "Andre år"),
                                ("nn", "Planleggingsåret 2020", "Andre år")]
)  # fmt: skip
def test_the_planning_years_figures_come_first_and_the_letter_is_on_page_one(
    seeded, language, planning, other
):
    lines = lines_of(answer(seeded, "Trondheim", language))
    assert lines[1] == f"*{planning}*" and f"*{other}*" in lines
    split = lines.index(f"*{other}*")
    first = "\n".join(lines[:split])
    assert "→ 115" in first and "→ 86" in first  # the letter's 115, IMDi's settled 2020
    assert "2023" not in first.replace("25. september 2023", "")  # other years after


def test_an_import_of_imdis_table_is_one_line_and_its_source_is_named_once(seeded):
    message = answer(seeded, "Trondheim")
    blob = json.dumps(message, ensure_ascii=False)
    assert blob.count(IMDI) == 1 and blob.count(LETTER) == 1
    imdi = [line for line in lines_of(message) if line.startswith("• 25. september 2023 – IMDi")]
    assert len(imdi) == 2  # the planning year's figures, and the other years' (not 12)
    assert all(line.endswith("[1]") for line in imdi)
    assert "2023: Revidert anmodning – → 790, Vedtak – → 730, Bosatt – → 476; 2022:" in imdi[1]
    [notes] = [b for b in message["blocks"] if b["type"] == "context"]
    assert notes["elements"][0]["text"].startswith(f"[1] {IMDI}\n[2] {LETTER}")


def test_many_changes_are_paged_with_a_button_for_more(fresh):
    for value in range(100, 120):  # twenty reports: twenty entries
        fresh.report_spare("Oslo", value, ADMIN, source="møte", reason=f"runde {value}")
    first = answer(fresh, "Oslo", "nn")
    [actions] = [b for b in first["blocks"] if b["type"] == "actions"]
    [more] = actions["elements"]
    assert more["action_id"] == f"{PAGE_ACTION}:2" and json.loads(more["value"]) == {
        "n": "0301",
        "p": 2,
    }
    assert more["text"]["text"] == "Fleire (2 sider til)"
    shown = "\n".join(lines_of(first))
    assert "118 → 119" in shown and "(runde 119)" in shown and "→ 73" not in shown
    last = answer(fresh, "Oslo", "nn", page=3)
    assert "→ 73" in "\n".join(lines_of(last))  # the letter's 73, the oldest, on the last page
    [back] = [b for b in last["blocks"] if b["type"] == "actions"][0]["elements"]
    assert back["text"]["text"] == "Førre"
    context = [b for b in last["blocks"] if b["type"] == "context"][-1]["elements"][0]["text"]
    assert "Side 3 av 3" in context


def test_a_planning_year_without_changes_says_so_before_the_other_years(fresh):
    fresh.set_planning_year(2024, ADMIN)
    for value in (10, 20):
        fresh.report_spare("Bodø", value, ADMIN, source="møte", year=2021)
    lines = lines_of(answer(fresh, "Bodø"))
    assert lines[1:3] == ["*Planleggingsåret 2024*", "_Ingen endringer for planleggingsåret 2024._"]
    assert lines[3] == "*Andre år*" and "Rapportert ledig kapasitet 10 → 20" in lines[4]
