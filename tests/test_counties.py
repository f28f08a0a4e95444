"""Counties (fylker) of 2020 and 2024, from SSB's classification 104 (`data/fylker.csv`)."""

from __future__ import annotations

import pytest


def test_every_municipality_has_its_county_in_both_structures(seeded):
    geography = seeded.geography
    for structure, count in ((2020, 11), (2024, 15)):
        assert len(geography.counties_in(structure)) == count
        places = geography.all(structure)
        assert all(geography.county_of(m) is not None for m in places)
        members = sum(len(geography.county_members(c)) for c in geography.counties_in(structure))
        assert members == len(places)


@pytest.mark.parametrize(
    ("number", "structure", "county"),
    [
        ("5001", 2020, "Trøndelag"),
        ("5001", 2024, "Trøndelag"),
        ("3001", 2020, "Viken"),
        ("3101", 2024, "Østfold"),
        ("5401", 2020, "Troms og Finnmark"),
        ("5501", 2024, "Troms"),
        ("0301", 2024, "Oslo"),
    ],
)
def test_a_municipalitys_county_is_the_first_two_digits_of_its_number(
    seeded, number, structure, county
):
    place = seeded.geography.get(number, structure)
    assert seeded.geography.county_of(place).name_no == county


@pytest.mark.parametrize(
    ("text", "year", "number"),
    [
        ("Trøndelag", 2023, "50"),
        ("trondelag", 2024, "50"),
        ("Trööndelage", 2020, "50"),
        ("Vestland fylke", 2022, "46"),
        ("46", 2024, "46"),
        ("Romsa", 2024, "55"),
        ("Troms og Finnmark", 2021, "54"),
        ("Viken", 2020, "30"),
        ("Akershus", 2024, "32"),
    ],
)
def test_a_county_is_found_by_name_part_or_number_in_the_years_structure(
    seeded, text, year, number
):
    county = seeded.geography.county(text, year)
    assert county is not None and county.number == number


def test_a_county_of_another_structure_is_not_found(seeded):
    assert seeded.geography.county("Viken", 2024) is None
    assert seeded.geography.county("Akershus", 2020) is None
    assert seeded.geography.county("Atlantis", 2024) is None
