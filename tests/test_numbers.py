"""Counts as people type them (`capacity.domain.numbers`): every form that is a count, every
form that looks like a number but is none, and the texts that have two readings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity import errors
from capacity.domain.numbers import (
    Ambiguous,
    Count,
    NotUnderstood,
    count,
    looks_numeric,
    read,
    read_last,
    read_words,
)
from capacity.texts.i18n import Catalogue
from tests.conftest import ADMIN

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("120", 120),
        ("0120", 120),
        ("1000", 1000),
        ("1 000", 1000),
        (f"1{NBSP}000", 1000),
        (f"1{NNBSP}000", 1000),
        ("1.000", 1000),
        ("1.200", 1200),
        ("1 200", 1200),
        ("2 500", 2500),
        ("12 500", 12500),
        ("12.500", 12500),
        ("100 000", 100_000),
        ("1 000 000", 1_000_000),
        ("1.000.000", 1_000_000),
        (f"1{NBSP}000{NBSP}000", 1_000_000),
        ("1  000", 1000),  # two spaces: still one number
        ("  73 ", 73),
    ],
)
def test_a_count_is_read_as_it_is_typed(typed, value):
    assert read(typed) == Count(value, typed.strip())
    assert count(typed) == value


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1,5", "count_decimal"),
        ("1.5", "count_decimal"),
        ("1.20", "count_decimal"),
        ("0,500", "count_decimal"),
        ("1.0000", "count_decimal"),
        ("1 00", "count_grouping"),
        ("1 0000", "count_grouping"),
        ("1000 000", "count_grouping"),
        ("1.000 000", "count_grouping"),
        ("1.000,000", "count_grouping"),
        ("0 500", "count_grouping"),
        ("1234.567", "count_grouping"),
        ("-3", "count_negative"),
        ("\u22123", "count_negative"),  # the minus sign
        ("\u20133", "count_negative"),  # an en dash
        ("+3", "count_format"),
        ("²", "count_digits"),
        ("1²", "count_digits"),
        ("١٢", "count_digits"),  # Arabic-Indic digits
        ("12a", "count_format"),
        ("12%", "count_format"),
        ("femti", "count_format"),
        ("", "count_missing"),
    ],
)
def test_what_looks_like_a_number_but_is_no_count_is_not_understood_with_what_was_typed(
    typed, problem
):
    assert read(typed) == NotUnderstood(typed, problem)
    with pytest.raises(errors.InvalidInput) as refused:
        count(typed, "spare")
    assert refused.value.code == problem
    assert refused.value.facts == {"field": "spare", "typed": typed}


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("1,000", (1000, 1)),  # English thousands, or a Norwegian decimal that is whole
        ("2,000", (2000, 2)),
        ("1,500", (1500,)),  # 1,5 is no count: one reading, still asked
        ("12,500", (12500,)),
        ("1,000,000", (1_000_000,)),
    ],
)
def test_a_comma_between_a_lead_and_groups_of_three_is_asked_about(typed, readings):
    reading = read(typed)
    assert isinstance(reading, Ambiguous)
    assert tuple(r.value for r in reading.readings) == readings
    with pytest.raises(errors.InvalidInput) as refused:
        count(typed, "persons")
    assert refused.value.code == ("count_ambiguous" if len(readings) > 1 else "count_comma")
    assert refused.value.facts["readings"] == readings


@pytest.mark.parametrize(
    ("words", "start", "value", "end"),
    [
        ("Oslo 1 000 nye boliger", 1, 1000, 3),  # "000 …" does not start a reason
        ("Oslo 1 000 000 nye boliger", 1, 1_000_000, 4),
        ("Oslo 1.000 nye boliger", 1, 1000, 2),
        ("Oslo 2 500", 1, 2500, 3),  # a reason of just "500" says nothing
        ("Oslo 50 100", 1, 50100, 3),
        ("Oslo 120 nye boliger", 1, 120, 2),
        ("Oslo 120 2021", 1, 120, 2),  # a year is no group
        ("Oslo 2020", 1, 2020, 2),  # four digits lead no group (a year, to the parsers)
        ("Oslo 123456789012345678901234567890", 1, 123456789012345678901234567890, 2),
    ],
)
def test_a_count_over_several_words_with_a_reason_after_it(words, start, value, end):
    reading = read_words(words.split(), start, text_follows=True)
    assert isinstance(reading, Count)
    assert (reading.value, reading.end) == (value, end)


@pytest.mark.parametrize(
    ("words", "readings"),
    [
        ("Oslo 50 100 nye boliger", ((50100, 3), (50, 2))),
        ("Oslo 2 500 nye boliger", ((2500, 3), (2, 2))),
        ("Oslo 1 000 500 nye", ((1_000_500, 4), (1000, 3))),  # 000 starts no reason
        ("Oslo 1 200 300 nye", ((1_200_300, 4), (1200, 3), (1, 2))),
    ],
)
def test_a_group_that_could_start_the_reason_has_two_readings(words, readings):
    reading = read_words(words.split(), 1, text_follows=True)
    assert isinstance(reading, Ambiguous)
    assert tuple((r.value, r.end) for r in reading.readings) == readings
    assert reading.typed == " ".join(words.split()[1 : readings[0][1]])


def test_without_a_text_after_it_a_count_takes_every_group():
    assert read_words(["50", "100", "nye"], 0) == Count(50100, "50 100", 2)


@pytest.mark.parametrize(
    ("words", "typed"),
    [
        ("Oslo 1 00 nye boliger", "1 00"),
        ("Oslo 40 12 nye boliger", "40 12"),
        ("Oslo 1000 500 nye boliger", "1000 500"),
        ("Oslo 1.000 500", "1.000 500"),
        ("Oslo 50 100 12 nye", "50 100 12"),
    ],
)
def test_a_count_followed_by_a_short_group_is_not_understood(words, typed):
    reading = read_words(words.split(), 1, text_follows=True)
    assert reading == NotUnderstood(typed, "count_grouping", 2 + typed.count(" "))


@pytest.mark.parametrize(
    ("words", "value", "start"),
    [
        ("Oslo 1 000", 1000, 1),
        ("Oslo 10", 10, 1),
        ("Nord-Aurdal 12 500", 12500, 1),
        ("Herøy (Nordland) 6", 6, 2),
        ("0301 500", 500, 1),  # a municipality number leads no group
        ("Oslo 1.000", 1000, 1),
    ],
)
def test_the_count_that_ends_a_municipality_and_its_persons(words, value, start):
    found = read_last(words.split())
    assert found is not None
    reading, at = found
    assert isinstance(reading, Count) and (reading.value, at) == (value, start)


def test_words_after_the_count_or_no_count_at_the_end_are_not_a_count_that_ends():
    assert read_last(["Oslo", "10", "Bergen"]) is None
    assert read_last(["Oslo"]) is None
    reading, _ = read_last(["Oslo", "1,5"])  # type: ignore[misc]
    assert reading == NotUnderstood("1,5", "count_decimal", 2)


@pytest.mark.parametrize(
    ("word", "numeric"),
    [
        ("12", True),
        ("-3", True),
        ("²", True),
        ("1,5", True),
        (".5", True),
        ("Oslo", False),
        ("nye", False),
        ("", False),
        ("-", False),
    ],
)
def test_what_looks_like_a_number(word, numeric):
    assert looks_numeric(word) is numeric


@pytest.mark.slow
@given(st.text(alphabet="0123456789 .,-\u00a0\u202f²a", max_size=20))
def test_reading_never_raises_and_a_count_is_what_its_digits_say(text):
    reading = read(text)
    if isinstance(reading, Count):
        assert reading.value == int("".join(c for c in text if c.isdigit()))


@pytest.mark.parametrize(
    ("typed", "nb", "en"),
    [
        (
            "1,000",
            "«1,000» kan leses som 1\u00a0000 eller 1;",
            "'1,000' can be read as 1000 or 1;",
        ),
        ("1,500", "mente du 1\u00a0500?", "did you mean 1500?"),
        ("1,5", "«1,5» er ikke et helt tall", "'1,5' is not a whole number"),
        ("1 00", "«1 00» er ikke et tall jeg kan lese", "'1 00' is not a number I can read"),
        ("-3", "«-3» er negativt", "'-3' is negative"),
        ("²", "«²» er ikke skrevet med sifrene 0–9", "'²' is not written with the digits 0–9"),
    ],
)
def test_what_was_not_understood_is_said_with_what_was_typed(typed, nb, en):
    with pytest.raises(errors.InvalidInput) as refused:
        count(typed, "spare")
    assert nb in Catalogue("nb", markup="plain").refusal(refused.value)
    assert en in str(refused.value)  # the command line's English


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nb", "bare 1\u00a0000 av gruppens 1\u00a0000 personer"),
        ("nn", "berre 1\u00a0000 av 1\u00a0000 personar i gruppa"),
        ("en", "Only 1,000 of the batch's 1,000 persons"),
    ],
)
def test_a_refusal_writes_its_counts_as_every_answer_does_and_its_year_as_a_year(
    fresh, language, said
):
    fresh.create_batch("Moria 2020", 1000, ADMIN, year=2020, scope="norge")
    with pytest.raises(errors.InvalidInput) as refused:
        fresh.allocate("Moria 2020", "Oslo", 1010, ADMIN, dry_run=True)
    assert said in Catalogue(language, markup="plain").refusal(refused.value)
    with pytest.raises(errors.BatchExists) as late:
        fresh.create_batch("Moria 2020", 5, ADMIN, year=2020, scope="norge")
    assert "2020" in Catalogue(language, markup="plain").refusal(late.value)  # not "2 020"
