"""Parsing what coordinators type after /capacity, in Bokmål and English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parse import parse


@pytest.mark.parametrize(
    ("text", "kind", "target", "year", "share"),
    [
        ("", "overview", "storbynettverket", None, False),
        ("del", "overview", "storbynettverket", None, True),
        ("Trondheim", "capacity", "Trondheim", None, False),
        ("Trondheim 2020", "capacity", "Trondheim", 2020, False),
        ("5001", "capacity", "5001", None, False),
        ("5001 2020", "capacity", "5001", 2020, False),
        ("Herøy (Nordland) 2020 share", "capacity", "Herøy (Nordland)", 2020, True),
        ("norge", "overview", "norge", None, False),
        ("Alle 2020", "overview", "norge", 2020, False),
        ("all", "overview", "norge", None, False),
        ("storbynettverket", "capacity", "storbynettverket", None, False),
        ("hjelp", "help", "", None, False),
        ("HELP", "help", "", None, False),
    ],
)
def test_requests(text, kind, target, year, share):
    request = parse(text)
    assert (request.kind, request.target, request.year, request.share) == (
        kind,
        target,
        year,
        share,
    )


def test_national_pages():
    assert parse("norge 2020 2").page == 2
    assert parse("alle 3").page == 3


@pytest.mark.parametrize("word", ["report", "rapporter"])
def test_report_in_both_languages(word):
    request = parse(f"{word} Nord-Aurdal 12 nye boliger fra mars")
    assert (request.kind, request.target, request.value) == ("report", "Nord-Aurdal", 12)
    assert request.reason == "nye boliger fra mars"


@pytest.mark.parametrize("text", ["report", "rapporter Trondheim", "report 12"])
def test_incomplete_reports_show_the_usage(text):
    assert parse(text).problem == "report_usage"


def test_grant_with_an_escaped_user_mention():
    request = parse("grant <@U012AB3CD|kari> editor Trondheim")
    assert (request.kind, request.user, request.role, request.target) == (
        "grant",
        "U012AB3CD",
        "editor",
        "Trondheim",
    )
    assert parse("gi <@U1> admin").role == "admin"
    assert parse("fjern <@U1> redaktør Bergen").kind == "revoke"
    assert parse("grant kari admin").problem == "grant_usage"


@given(st.text(max_size=3000))
@pytest.mark.slow
def test_parsing_never_raises(text):
    parse(text)
