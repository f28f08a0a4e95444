"""The chart and export keywords, in Bokmål, Nynorsk and English, wherever the chart
word stands."""

from __future__ import annotations

import pytest

from bot.parse import parse


@pytest.mark.parametrize(
    "text,target,year",
    [
        ("Trondheim graf", "Trondheim", None),
        ("graf Trondheim", "Trondheim", None),
        ("Tromso chart 2021", "Tromso", 2021),
        ("5001 diagram", "5001", None),
        ("graf", "", None),
        ("chart 2021", "", 2021),
        ("graf norge", "norge", None),
        ("graf noreg", "noreg", None),
        ("GRAF storbynettverket", "storbynettverket", None),
    ],
)
def test_a_chart_of_a_municipality_a_group_or_the_country(text, target, year):
    request = parse(text)
    assert (request.kind, request.target, request.year) == ("chart", target, year)


def test_a_report_or_history_with_the_word_is_not_a_chart():
    assert parse("rapporter Trondheim 120 ny graf").kind == "report"
    assert parse("historikk Trondheim").kind == "history"


@pytest.mark.parametrize("word", ["eksport", "export", "Eksport", "eksporter"])
def test_export_with_or_without_a_year(word):
    assert (parse(word).kind, parse(word).year) == ("export", None)
    assert (parse(f"{word} 2021").kind, parse(f"{word} 2021").year) == ("export", 2021)
    assert (parse(f"{word} alt").kind, parse(f"{word} alt").problem) == ("invalid", "export_usage")
