"""Snapshots of IMDi's figures made for the tests from IMDi's own download (as of 25
September 2023): the same long format and encoding, with the year's settled figures
scaled down to stand for an earlier day, and named as IMDi names its downloads."""

from __future__ import annotations

import functools
from collections.abc import Collection
from fractions import Fraction
from pathlib import Path

RAW = Path(__file__).parent / "data" / "imdi_bosatt_anmodede_2023-09-25.csv"
SETTLED = "Faktisk bosetting"
NETWORK = ("0301", "4601", "5001", "1103", "3024", "4204", "5401")  # the KS city network
# 2023 as of 25 September: settled (IMDi) and decision per city of the network
NETWORK_2023 = {
    "Oslo": (1130, 2000),
    "Bergen": (591, 1000),
    "Trondheim": (476, 730),
    "Stavanger": (501, 770),
    "Bærum": (180, 390),
    "Kristiansand": (281, 530),
    "Tromsø": (264, 580),
}


@functools.cache
def raw() -> tuple[str, tuple[tuple[str, ...], ...]]:
    """The download's header and its `Personer` lines, split into cells."""
    text = RAW.read_bytes().decode("cp1252")
    header, *lines = text.splitlines()
    rows = tuple(tuple(line.split(";")) for line in lines if line.startswith("Personer;"))
    return header, rows


def snapshot(
    directory: Path,
    day: str,
    scale: Fraction = Fraction(1),
    *,
    year: str = "2023",
    years: Collection[str] = ("2022", "2023"),
    numbers: Collection[str] | None = None,
    name: str | None = None,
    changes: dict[tuple[str, str, str], str] | None = None,
) -> Path:
    """A download as it could have stood on `day`: the lines of `years` (of `numbers`
    only, when given), `year`'s settled figures times `scale` (rounded down; IMDi's `:`
    kept), and any cell set by `changes` ((number, year, label) -> count)."""
    header, rows = raw()
    out = [header]
    for cells in rows:
        unit, row_year, number, place, label, count = cells
        if row_year not in years or (numbers is not None and number not in numbers):
            continue
        if row_year == year and label == SETTLED and count.isdigit():
            count = str(int(Fraction(int(count)) * scale))
        count = (changes or {}).get((number, row_year, label), count)
        out.append(";".join((unit, row_year, number, place, label, count)))
    path = directory / (name or f"imdi_bosatt_anmodede_{day}.csv")
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("cp1252"))
    return path
