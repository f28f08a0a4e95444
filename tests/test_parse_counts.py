"""Counts in what coordinators type after /capacity and /relocation: thousands grouped
by a space, a no-break space or a dot are one number; a number with two readings is a
`choose` request with each; what is not understood says which words, and how."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parse import Request, parse, request_text
from bot.parse_relocation import parse_relocation
from bot.parse_relocation import request_text as relocation_text

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "target", "year", "value", "reason"),
    [
        ("rapporter Oslo 1 000 nye boliger", "Oslo", None, 1000, "nye boliger"),
        ("rapporter Oslo 1.000 nye boliger", "Oslo", None, 1000, "nye boliger"),
        (f"rapporter Oslo 1{NBSP}000 nye boliger", "Oslo", None, 1000, "nye boliger"),
        (f"rapporter Oslo 1{NNBSP}200", "Oslo", None, 1200, ""),
        ("rapporter Bergen 1.200", "Bergen", None, 1200, ""),
        ("rapporter Oslo 2 500", "Oslo", None, 2500, ""),
        ("rapporter Oslo 12 500", "Oslo", None, 12500, ""),
        ("rapporter Oslo 1 000 000 møte", "Oslo", None, 1_000_000, "møte"),  # 000 starts none
        ("rapporter Oslo 1 000 000", "Oslo", None, 1_000_000, ""),
        ("rapporter Oslo 1 000 år 2021 nye boliger", "Oslo", 2021, 1000, "nye boliger"),
        ("rapporter Oslo 2021 1 000 nye boliger", "Oslo", 2021, 1000, "nye boliger"),
        ("rapporter Oslo 2020 100", "Oslo", 2020, 100, ""),  # a year, then the value
        ("rapporter Oslo 120 2021", "Oslo", None, 120, "2021"),  # as before
        ("rapporter Oslo 50 «100 nye boliger»", "Oslo", None, 50, "100 nye boliger"),
        ('rapporter Oslo 50 "100 nye boliger"', "Oslo", None, 50, "100 nye boliger"),
        ("report Nord-Aurdal 0120", "Nord-Aurdal", None, 120, ""),
        ("rapporter Herøy (Nordland) 1 000", "Herøy (Nordland)", None, 1000, ""),
        ("rapporter 5001 1 000", "5001", None, 1000, ""),
    ],
)
def test_a_report_reads_the_value_as_it_is_typed(text, target, year, value, reason):
    request = parse(text)
    assert request.kind == "report", request
    assert (request.target, request.year, request.value, request.reason) == (
        target,
        year,
        value,
        reason,
    )


@pytest.mark.parametrize(
    ("text", "typed", "readings"),
    [
        (
            "rapporter Oslo 50 100 nye boliger",
            "50 100",
            [(50100, "nye boliger"), (50, "100 nye boliger")],
        ),
        (
            "rapporter Oslo 2 500 nye boliger",
            "2 500",
            [(2500, "nye boliger"), (2, "500 nye boliger")],
        ),
        ("rapporter Oslo 12 500 møte", "12 500", [(12500, "møte"), (12, "500 møte")]),
        ("rapporter Bergen 1,000", "1,000", [(1000, ""), (1, "")]),
        ("rapporter Bergen 1,000 møte", "1,000", [(1000, "møte"), (1, "møte")]),
        ("rapporter Bergen 1,500", "1,500", [(1500, "")]),  # 1,5 is no count: "did you mean"
    ],
)
def test_a_report_with_two_readings_asks_with_each(text, typed, readings):
    request = parse(text)
    assert (request.kind, request.word) == ("choose", typed)
    assert [(r.kind, r.target, r.value, r.reason) for r in request.readings] == [
        ("report", request.target, value, reason) for value, reason in readings
    ]


@pytest.mark.parametrize(
    ("text", "word", "why"),
    [
        ("rapporter Bergen 1,5", "1,5", "count_decimal"),
        ("rapporter Bergen 1.20", "1.20", "count_decimal"),
        ("rapporter Bergen 1 00 nye", "1 00", "count_grouping"),
        ("rapporter Bergen -3", "-3", "count_negative"),
        ("rapporter Bergen ²", "²", "count_digits"),
        ("rapporter Bergen 12a", "12a", "count_format"),
        ("rapporter Bergen", "Bergen", "no_count"),
        ("rapporter Bergen mange", "Bergen mange", "no_count"),
        ("rapporter Bergen 2020", "Bergen 2020", "no_count"),  # a year alone is no value
    ],
)
def test_a_report_not_understood_names_the_words_and_how(text, word, why):
    request = parse(text)
    assert (request.kind, request.problem, request.word, request.why) == (
        "invalid",
        "report_usage",
        word,
        why,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ledig 1 000", {"kind": "room", "value": 1000}),
        ("ledig 1.000 2021", {"kind": "room", "value": 1000, "year": 2021}),
        (f"ledig 1{NBSP}000", {"kind": "room", "value": 1000}),
        ("ledig 6 2021", {"kind": "room", "value": 6, "year": 2021}),
        ("ledig 1,000", {"kind": "choose", "word": "1,000"}),
        ("ledig 1,5", {"kind": "invalid", "word": "1,5", "why": "count_decimal"}),
        ("ledig seks", {"kind": "invalid", "word": "seks", "why": "count_format"}),
        ("ledig 6 x", {"kind": "invalid", "word": "x", "why": "word"}),
        ("ledig", {"kind": "invalid", "problem": "room_usage", "word": ""}),
        ("eksport x", {"kind": "invalid", "word": "x", "why": "word"}),
        ("planleggingsår neste", {"kind": "invalid", "word": "neste", "why": "word"}),
        ("grant kari admin", {"kind": "invalid", "word": "kari", "why": "word"}),
        ("grant <@U1> sjef", {"kind": "invalid", "word": "sjef", "why": "word"}),
    ],
)
def test_other_commands_read_counts_and_name_what_they_do_not_understand(text, expected):
    request = parse(text)
    assert {key: getattr(request, key) for key in expected} == expected


def test_a_room_question_with_two_readings_keeps_the_year_in_each():
    request = parse("ledig 1,000 2021 del")
    assert [(r.kind, r.value, r.year, r.share) for r in request.readings] == [
        ("room", 1000, 2021, True),
        ("room", 1, 2021, True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ny "Moria 2020" 1 000 år 2020', {"kind": "new", "persons": 1000, "year": 2020}),
        ('ny "Moria 2020" 1.000', {"kind": "new", "persons": 1000}),
        (f'ny "Moria 2020" 1{NBSP}000', {"kind": "new", "persons": 1000}),
        (
            'ny "Moria 2020" 18 familier 5,4+3,6 år 2020',
            {"kind": "new", "persons": 18, "households": (5, (4, 3), 6)},
        ),
        ('ny "Moria 2020" 1,000 år 2020', {"kind": "choose", "word": "1,000"}),
        ('ny "Moria 2020" 1,5', {"kind": "invalid", "word": "1,5", "why": "count_decimal"}),
        ('ny "Moria 2020" femti', {"kind": "invalid", "word": "femti", "why": "count_format"}),
        ('ny "Moria 2020" 50 personer', {"kind": "invalid", "word": "personer", "why": "word"}),
        (
            'tildel "Moria 2020" Oslo 1 000',
            {"kind": "assign", "municipality": "Oslo", "persons": 1000},
        ),
        (
            'tildel "Moria 2020" Oslo 1 000, Bergen 6',
            {"kind": "assign", "targets": (("Oslo", 1000), ("Bergen", 6))},
        ),
        (
            'tildel "Moria 2020" Oslo 1.000, Bergen 6, Trondheim 12 500',
            {"kind": "assign", "targets": (("Oslo", 1000), ("Bergen", 6), ("Trondheim", 12500))},
        ),
        (
            'tildel "Moria 2020" Oslo 10,Bergen 6',
            {"kind": "assign", "targets": (("Oslo", 10), ("Bergen", 6))},
        ),
        (
            'tildel "Moria 2020" Herøy (Nordland) 9 familier 5,4',
            {"kind": "assign", "municipality": "Herøy (Nordland)", "households": (5, 4)},
        ),
        (
            'tildel "Moria 2020" Oslo familier 5,4+3',
            {"kind": "assign", "persons": None, "households": (5, (4, 3))},
        ),
        ('tildel "Moria 2020" Oslo 1,000, Bergen 6', {"kind": "choose", "word": "1,000"}),
        ('tildel "Moria 2020" Oslo 1,5', {"kind": "invalid", "word": "1,5"}),
        ('tildel "Moria 2020" Oslo 1 00', {"kind": "invalid", "why": "count_grouping"}),
        ('tildel "Moria 2020" Oslo', {"kind": "invalid", "word": "Oslo", "why": "word"}),
        ("sjekk Moria", {"kind": "invalid", "word": "sjekk", "why": "word"}),
    ],
)
def test_relocation_reads_persons_as_they_are_typed(text, expected):
    request = parse_relocation(text)
    assert {key: getattr(request, key) for key in expected} == expected


def test_one_of_several_places_with_two_readings_asks_about_it_alone():
    request = parse_relocation('tildel "Moria 2020" Oslo 1,000, Bergen 6 del')
    assert [relocation_text(r) for r in request.readings] == [
        'tildel "Moria 2020" Oslo 1000, Bergen 6 del',
        'tildel "Moria 2020" Oslo 1, Bergen 6 del',
    ]
    both = parse_relocation('tildel "Moria 2020" Oslo 1,000, Bergen 2,000')
    assert (both.kind, both.word, both.why) == ("invalid", "1,000", "count_ambiguous")


@pytest.mark.parametrize(
    "text",
    [
        "rapporter Oslo 50 100 nye boliger",
        "rapporter Oslo 2021 1,000 møte del",
        "rapporter Bergen 1,500 «50 nye» boliger",
        "ledig 1,000 2021",
    ],
)
def test_each_reading_is_written_back_as_a_text_that_reads_as_exactly_it(text):
    for reading in parse(text).readings:
        again = parse(request_text(reading) or "")
        assert again == reading


@pytest.mark.parametrize(
    "text",
    [
        'ny "Moria 2020" 1,000 familier 5,4+3 år 2020 omfang storbynettverket',
        'tildel "Moria 2020" Oslo 1,000 familier 5,5',
        'tildel "Moria 2020" Oslo 1,000, Bergen 6',
    ],
)
def test_each_relocation_reading_is_written_back_as_a_text_that_reads_as_exactly_it(text):
    for reading in parse_relocation(text).readings:
        again = parse_relocation(relocation_text(reading) or "")
        assert again.kind == reading.kind
        assert (again.targets, again.households, again.year, again.scope) == (
            reading.targets,
            reading.households,
            reading.year,
            reading.scope,
        )
        assert again.persons == reading.persons or reading.kind == "assign"


@pytest.mark.slow
@given(
    st.integers(min_value=0, max_value=10**7),
    st.sampled_from(["", "nye boliger", "100 nye boliger", "«sitat»", "050 x", "1,5 mer"]),
    st.sampled_from([None, 2021]),
)
def test_a_report_written_back_reads_as_the_same_report(value, reason, year):
    report = Request("report", "Oslo", year=year, value=value, reason=reason)
    assert parse(request_text(report) or "") == report
