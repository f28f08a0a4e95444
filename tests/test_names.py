"""Name resolution: every municipality by every name, the variants people type, and
odd input that must never raise."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import errors
from capacity.reference.names import normalize
from capacity.storage.store import data_dir


def _rows(year: int) -> list[dict[str, str]]:
    with open(data_dir() / f"kommuner_{year}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("year", [2020, 2024])
def test_every_municipality_resolves_to_itself_by_number_and_each_name(fresh, year):
    wrong = []
    for row in _rows(year):
        for text in (row["number"], row["name"], row["name_no"], row["name"].upper()):
            found = fresh.resolve(text, year).found
            if found is None or found.number != row["number"]:
                wrong.append((text, found))
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "year", "number"),
    [
        ("Tromso", 2024, "5501"),
        ("Tromsoe", 2024, "5501"),
        ("TROMSØ", 2020, "5401"),
        ("tromsø kommune", 2020, "5401"),
        ("Baerum", 2020, "3024"),
        ("Bærum kommune", 2024, "3201"),
        ("Aalesund", 2024, "1508"),
        ("Ålesund", 2020, "1507"),
        ("Haram", 2020, "1507"),  # merged into Ålesund 2020-2023
        ("Tråante", 2024, "5001"),
        ("Traante", 2024, "5001"),
        ("Kåfjord", 2024, "5540"),
        ("Gaivuotna", 2024, "5540"),
        ("Karasjok", 2024, "5610"),
        ("Karasjohka", 2024, "5610"),
        ("Kárášjohka", 2024, "5610"),
        ("5001", 2020, "5001"),
        ("301", 2020, "0301"),
        ("0301", 2024, "0301"),
        ("  oslo  ", 2020, "0301"),
        ("Herøy (Nordland)", 2024, "1818"),
        ("Heroy Nordland", 2024, "1818"),
        ("5501", 2020, "5401"),  # a 2024 number finds the 2020 municipality
        ("3024", 2024, "3201"),
        ("Våler (Viken)", 2024, "3114"),
    ],
)
def test_variants_people_type(fresh, text, year, number):
    resolution = fresh.resolve(text, year)
    assert resolution.found is not None, resolution
    assert resolution.found.number == number


@pytest.mark.parametrize("text", ["Herøy", "Heroy", "Våler", "valer kommune"])
def test_ambiguous_names_return_the_candidates_not_a_guess(fresh, text):
    resolution = fresh.resolve(text)
    assert resolution.found is None
    assert resolution.problem == "ambiguous"
    assert len(resolution.candidates) == 2
    with pytest.raises(errors.AmbiguousMunicipality):
        fresh.municipality(text)


def test_a_split_municipality_by_its_old_number_is_ambiguous_after_the_split(fresh):
    resolution = fresh.resolve("1507", 2024)
    assert sorted(m.number for m in resolution.candidates) == ["1508", "1580"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trondhjem", "5001"),
        ("Stavangr", "1103"),
        ("Kristiansan", "4204"),
        ("Lilehammer", "3405"),
        ("Berum", "3201"),
    ],
)
def test_misspellings_get_did_you_mean_suggestions(fresh, text, expected):
    resolution = fresh.resolve(text)
    assert resolution.problem == "unknown"
    assert expected in [m.number for m in resolution.suggestions]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 10_000,
        "\x00\x01\x1b[31m",
        "🇳🇴🏠",
        "'; DROP TABLE figures; --",
        "9999",
        "12345",
        "kommune",
        "%",
        "_",
        "\u202eolsO",
    ],
)
def test_odd_input_is_refused_clearly_and_changes_nothing(fresh, text):
    count = fresh.store.db.execute("SELECT count(*) FROM figures").fetchone()[0]
    resolution = fresh.resolve(text)
    assert resolution.found is None or resolution.found.number == "0301"
    with pytest.raises(errors.CapacityError) as raised:
        if resolution.found is None:
            fresh.municipality(text)
        else:
            raise errors.InvalidInput("ok")
    assert len(str(raised.value)) < 300
    assert fresh.store.db.execute("SELECT count(*) FROM figures").fetchone()[0] == count


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_resolution_never_raises(fresh_geography, text):
    fresh_geography.resolve(text)
    fresh_geography.resolve(text, 2020)


@pytest.fixture(scope="module")
def fresh_geography(_seeded_template):
    from capacity import Capacity

    return Capacity.open(str(_seeded_template)).geography


def test_normalize_folds_norwegian_letters_and_their_ascii_spellings():
    assert normalize("Tromsø") == normalize("Tromso") == normalize("Tromsoe") == "tromso"
    assert normalize("Ålesund") == normalize("Aalesund") == "alesund"
    assert normalize("Bærum") == normalize("Baerum") == "baerum"
    assert normalize("Porsáŋgu") == normalize("Porsanggu") == "porsanggu"
