"""Name resolution: one function every entry point uses to find a municipality.

Coordinators type "Tromso", "Baerum kommune", "5001", "Tråante" or "Herøy"; this module
turns any such text into exactly one municipality, the candidates of an ambiguous name,
or "did you mean" suggestions from a fuzzy matcher. It never raises on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from unidecode import unidecode

from capacity.models import Municipality

MAX_QUERY_LENGTH = 100
"""Longer text cannot be a municipality name; it is refused before any matching."""

_NORWEGIAN = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXES = ("kommune", "kommun", "municipality")


def normalize(text: str) -> str:
    """Fold a name to the key it is matched by: lower case, ASCII, single spaces.

    æ/ø/å and their ASCII spellings (ae, o/oe, a/aa) fold to the same key, as do Sámi
    letters and accents, so "Tromsø", "Tromso" and "Tromsoe" all give "tromso".
    """
    text = unicodedata.normalize("NFC", text).casefold().translate(_NORWEGIAN)
    text = unidecode(text).lower()
    text = _NON_WORD.sub(" ", text).strip()
    # ASCII spellings of å and ø: "aa" and "oe" (Aalesund, Tromsoe).
    return text.replace("aa", "a").replace("oe", "o")


def _strip_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(" " + suffix):
            return key[: -len(suffix) - 1]
        if key.startswith(suffix + " "):  # "kommune Oslo" is rare but harmless
            return key[len(suffix) + 1 :]
    return key


def keys_for(municipality: Municipality) -> set[str]:
    """Every key a municipality is found by: full names, each part of a multilingual
    name, and the name without its county suffix ("Herøy (Nordland)" → "heroy")."""
    names = {municipality.name, municipality.name_no}
    names.update(part for name in list(names) for part in name.split(" - "))
    names.update(re.sub(r"\s*\(.*\)\s*$", "", name) for name in list(names))
    return {normalize(name) for name in names if name.strip()}


@dataclass(frozen=True)
class Resolution:
    """What a query resolved to: one municipality, several candidates, or suggestions."""

    query: str
    found: Municipality | None = None
    candidates: tuple[Municipality, ...] = ()
    suggestions: tuple[Municipality, ...] = ()
    problem: str | None = None  # "empty", "too_long", "ambiguous", "unknown"
    # what the text named, when `found` stands for it in another structure (Haram, 1580
    # from 2024, found as Ålesund 1507 in 2020)
    named: Municipality | None = None


@dataclass
class NameIndex:
    """An index of municipalities by number and every normalized name key."""

    municipalities: list[Municipality]
    _by_number: dict[str, Municipality] = field(init=False, default_factory=dict)
    _by_key: dict[str, list[Municipality]] = field(init=False, default_factory=dict)
    _choices: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        for municipality in self.municipalities:
            self._by_number[municipality.number] = municipality
            for key in keys_for(municipality):
                entries = self._by_key.setdefault(key, [])
                if municipality not in entries:
                    entries.append(municipality)
        self._choices = sorted(self._by_key)

    def resolve(
        self,
        query: str,
        project: Callable[[list[Municipality]], list[Municipality]] = lambda found: found,
    ) -> Resolution:
        """Resolve free text to a municipality. Never raises.

        `project` maps the raw matches to the municipalities they stand for in the
        structure asked about (a 2024 number to its 2020 predecessor, say).
        """
        text = _clean(query)
        if not text:
            return Resolution(query=query, problem="empty")
        if len(text) > MAX_QUERY_LENGTH:
            return Resolution(query=query[:MAX_QUERY_LENGTH], problem="too_long")
        if text.isdigit() and len(text) <= 4:
            number = self._by_number.get(text.zfill(4))
            raw = [number] if number else []
            matches = project(raw)
        else:
            key = _strip_suffix(normalize(text))
            if not key:
                return Resolution(query=query, problem="unknown")
            raw = self._by_key.get(key, [])
            matches = project(raw)
            if not matches:
                suggestions = project(self.suggest(key))
                return Resolution(
                    query=query, suggestions=tuple(suggestions[:5]), problem="unknown"
                )
        if len(matches) == 1:
            named = raw[0] if len(raw) == 1 and raw[0] != matches[0] else None
            return Resolution(query=query, found=matches[0], named=named)
        if matches:
            return Resolution(query=query, candidates=tuple(matches), problem="ambiguous")
        return Resolution(query=query, problem="unknown")

    def suggest(self, key: str, limit: int = 8) -> list[Municipality]:
        """The closest municipalities to a misspelled key, best first."""
        from rapidfuzz import fuzz, process  # a misspelling's first: not every start's cost

        found: list[Municipality] = []
        results = process.extract(
            key, self._choices, scorer=fuzz.QRatio, limit=limit * 3, score_cutoff=70
        )
        for choice, _score, _index in results:
            for municipality in self._by_key[choice]:
                if municipality not in found:
                    found.append(municipality)
        return found[:limit]


def _clean(query: str) -> str:
    """Drop control and format characters and surrounding space."""
    if not isinstance(query, str):
        return ""
    return "".join(ch for ch in query if unicodedata.category(ch)[0] != "C" or ch in " \t").strip()


def unique(municipalities: Iterable[Municipality]) -> list[Municipality]:
    seen: list[Municipality] = []
    for municipality in municipalities:
        if municipality not in seen:
            seen.append(municipality)
    return seen
