"""Block Kit builders within Slack's limits, for the largest inputs the data allows."""

from __future__ import annotations

import json
import re

import pytest

from bot import blocks, capacity_blocks
from bot.i18n import Texts
from capacity.domain.rules import totals as _totals
from capacity.models import CapacityLine, Figure, Measure, Municipality, Overview

LONG = "Gáivuotna - Kåfjord - Kaivuono og en svært lang tenkt tilleggstekst x"[:60]


def _line(number: int, name: str, spare: int | None) -> CapacityLine:
    figures = {
        m: Figure(
            measure=m,
            value=(None if number % 7 == 0 else 100 + number),
            changed_at="2020-10-01T00:00:00+00:00",
            actor="seed",
            source="IMDi " + "x" * 200,
        )
        for m in (Measure.ORIGINAL_REQUEST, Measure.REQUEST, Measure.DECISION, Measure.SETTLED)
    }
    if spare is not None:
        figures[Measure.SPARE] = Figure(
            measure=Measure.SPARE,
            value=spare,
            changed_at="2020-10-01T00:00:00+00:00",
            actor="Kari " * 20,
            source="brev " * 100,
        )
    return CapacityLine(
        municipality=Municipality(number=f"{number:04d}", name=name, name_no=name, structure=2024),
        year=2020,
        figures=figures,
        reserved=number % 5,
    )


def _check_limits(message: blocks.Message) -> None:
    assert len(message.blocks) <= 50
    assert message.text
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    assert len(json.dumps(message.blocks)) < 40_000


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_national_overview_of_357_municipalities_with_long_names_is_paged_not_cut(language):
    t = Texts(language)
    lines = tuple(_line(n, f"{LONG[:50]} {n}", 10_000 + n) for n in range(1, 358))
    overview = Overview(title="Norge", scope="norge", year=2020, lines=lines, totals=_totals(lines))
    seen: list[str] = []
    for page in range(1, 19):
        message = capacity_blocks.overview_message(overview, t, page)
        _check_limits(message)
        table = next(
            b["text"]["text"]
            for b in message.blocks
            if "```" in b["text"].get("text", "")
            if b["type"] == "section"
        )
        rows = table.strip("`\n").splitlines()[1:]
        seen.extend(re.match(r"^(.*?) +[^ ]+ +[^ ]+ +[^ ]+$", row).group(1) for row in rows)
    names = {f"{LONG[:50]} {n}" for n in range(1, 358)}
    assert len(seen) == 357
    assert {s.rstrip() for s in seen} == names


def test_a_municipality_with_every_figure_and_long_sources_fits():
    message = capacity_blocks.capacity_message(_line(14, LONG, 12_345), Texts("nb"))
    _check_limits(message)
    assert "12\u00a0345" in message.text  # Norwegian thousands separator
    assert "ukjent" in json.dumps(message.blocks, ensure_ascii=False)


def test_numbers_as_each_language_writes_them():
    assert Texts("nb").number(4838) == "4\u00a0838"
    assert Texts("en").number(4838) == "4,838"
    assert Texts("nb").number(None) == "ukjent"
    assert Texts("en").signed(-3) == "−3"


def test_an_oversized_section_is_refused_by_the_builder():
    with pytest.raises(ValueError):
        blocks.plain("x" * 3001)


def test_the_dict_builders_give_what_slack_sdk_models_give_and_keep_slack_limits():
    from slack_sdk.models.blocks import (
        ActionsBlock,
        ButtonElement,
        ContextBlock,
        HeaderBlock,
        MarkdownTextObject,
        SectionBlock,
    )

    assert (
        blocks.section_block("*a*") == SectionBlock(text=MarkdownTextObject(text="*a*")).to_dict()
    )
    assert (
        blocks.context_block("c") == ContextBlock(elements=[MarkdownTextObject(text="c")]).to_dict()
    )
    assert blocks.header_block("Norge 2024") == HeaderBlock(text="Norge 2024").to_dict()
    assert blocks.actions_block([blocks.button("Neste", "a:2", '{"p": 2}')], "pages-1") == (
        ActionsBlock(
            elements=[ButtonElement(text="Neste", action_id="a:2", value='{"p": 2}')],
            block_id="pages-1",
        ).to_dict()
    )
    for build in (
        lambda: blocks.section_block("x" * 3001),
        lambda: blocks.header_block("x" * 151),
        lambda: blocks.button("x" * 76, "a", "v"),
        lambda: blocks.button("x", "a" * 256, "v"),
        lambda: blocks.button("x", "a", "v" * 2001),
        lambda: blocks.actions_block([], "b"),
        lambda: blocks.actions_block([blocks.button("x", "a", "v")] * 26, "b"),
    ):
        with pytest.raises(ValueError):
            build()


def test_every_alert_kind_has_a_message_in_both_languages():
    from bot.alerts import alert_message
    from capacity.models import CapacityExceeded, Kind, Room

    for kind in Kind:
        for language in ("nb", "en"):
            event = CapacityExceeded(
                kind=kind,
                batch_id=1,
                batch_name="Moria 2020",
                year=2020,
                scope="storbynettverket",
                scope_title="KS storbynettverk",
                persons=12,
                remaining=8,
                threshold=3,
                rooms=(Room(number="5001", name="Trondheim", remaining=8),),
                actor="U1",
            )
            message = alert_message(event, Texts(language))
            assert "Moria 2020" in message.text or kind is Kind.CAPACITY_LOW
            assert "Trondheim 8" in message.text
