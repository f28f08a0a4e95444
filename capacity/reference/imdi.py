"""IMDi's vocabulary, once: the columns and labels of its statistics downloads, the
columns of the bundled per-municipality table, and its symbols for counts it does not
publish. Pure."""

from __future__ import annotations

import re

from capacity.domain.rules import MAX_FIGURE
from capacity.models import Measure

# The long download «Anmodning, vedtak og faktisk bosetting», one figure a line.
NUMBER = "Kommunenummer"
NAME = "Kommune"
MEASURE = "Anmodning, vedtak og faktisk bosetting"
MEASURE_ALIASES = ("Bosetting",)  # the column's name in IMDi's download of 2023
UNIT = "Enhet"
YEAR = "År"
COUNT = "Antall"
REQUIRED = (NUMBER, MEASURE, UNIT, YEAR, COUNT)
COLUMNS = (NUMBER, NAME, MEASURE, UNIT, YEAR, COUNT)
LABELS = {
    "Opprinnelig anmodning": Measure.ORIGINAL_REQUEST,
    "Anmodning om bosetting": Measure.REQUEST,
    "Vedtak om bosetting": Measure.DECISION,
    "Faktisk bosetting": Measure.SETTLED,
}
PERSONS = "Personer"
PERCENT = "Prosent"

# The bundled table (data/imdi_bosetting_*.csv): one municipality-year a line.
BUNDLED_COLUMNS = {
    "opprinnelig_anmodning": Measure.ORIGINAL_REQUEST,
    "anmodning": Measure.REQUEST,
    "vedtak": Measure.DECISION,
    "bosatt": Measure.SETTLED,
}

UNPUBLISHED = ":"  # not published: 0 to 4, or the municipality was not asked
NOT_APPLICABLE = "."  # no such figure (2023's decisions not yet made, say)


def fold(text: str) -> str:
    """For comparing names: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


_MEASURES = {fold(label): measure for label, measure in LABELS.items()}


def parse_count(cell: str, *, empty_is_unknown: bool = True) -> int | None:
    """A published count, or None for IMDi's ':' (and, unless told otherwise, an empty
    cell). Raises ValueError for anything else."""
    text = cell.strip()
    if text == UNPUBLISHED or (empty_is_unknown and not text):
        return None
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) > MAX_FIGURE:
        raise ValueError(f"count '{text}' is not a whole number from 0 to {MAX_FIGURE} or ':'")
    return int(text)


def measure_for(label: str) -> Measure:
    """IMDi's category label as a measure, whatever its case and spacing."""
    measure = _MEASURES.get(fold(label))
    if measure is None:
        raise ValueError(f"unknown measure '{label}': expected one of {', '.join(LABELS)}")
    return measure


def shown(value: int | None) -> str:
    """A count as IMDi writes it."""
    return UNPUBLISHED if value is None else str(value)
