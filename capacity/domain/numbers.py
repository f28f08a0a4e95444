"""Counts as people type them: `120`, `1 000`, `1.000`, `12 500`, `1 000 000`. Pure.

Norwegians group thousands with a space (also a no-break space, U+00A0, or a narrow
no-break space, U+202F, as phones and Slack put in) or a dot. A count is:

* digits (`0`, `120`, `0120`; how large a count may be is the use case's to say);
* or a lead of 1-3 digits (not starting with 0) and groups of exactly three digits,
  all separated by spaces (`1 000`, `12 500`, `1 000 000`) or all by dots (`1.000`).

Anything else that looks like a number is *not understood*, and says how
(`NotUnderstood.problem`): a decimal (`1,5`, `1.20`), a sign (`-3`, `+3`), digits
grouped otherwise (`1 00`, `1.0000`, `1.000 000`), digits other than 0-9 (`²`, `١٢`).

Some texts have two readings that both make sense. Those are `Ambiguous`, and whoever
asked is asked back, shown each reading; nothing is saved until one is chosen:

* a comma between a lead and groups of three (`1,000`, `12,500`): an English writer
  means thousands (1000), a Norwegian a decimal (1,000 is 1; 12,500 is 12.5, which is
  no count, so 12,500 has the one reading 12500 and is still asked about);
* in a text that goes on after the count (a report's reason), a group that could start
  the text as well as end the count: `50 100 nye boliger` is 50100 with the reason
  "nye boliger", or 50 with the reason "100 nye boliger". A group with a leading zero
  does not start a text (`1 000 nye boliger` is 1000), nor does a group at the very end
  (`rapporter Oslo 2 500` is 2500: a reason of just "500" says nothing).

Years are four digits, so they never lead a group: `2020 100` is a year, then 100.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from capacity import errors

SPACES = " \u00a0\u202f"

_PLAIN = re.compile(r"[0-9]+")
_LEAD = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")
_DOTTED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")
_SPACED = re.compile(rf"[1-9][0-9]{{0,2}}(?:[{SPACES}]+[0-9]{{3}})+")
_COMMA = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_DECIMAL = re.compile(r"[0-9]+[.,][0-9]+")
_SHORT = re.compile(r"[0-9]{1,3}")  # after a count: a group that is not one (`1 00`)
_SIGNS = "-+\u2212\u2013"  # the minus sign and the en dash are what people type too


@dataclass(frozen=True)
class Count:
    """A whole count, as typed; `end`: the index after its last word (word readers)."""

    value: int
    typed: str
    end: int = 0


@dataclass(frozen=True)
class Ambiguous:
    """A text with more than one sensible reading (or a comma, which may be English
    thousands or a Norwegian decimal): ask which is meant."""

    typed: str
    readings: tuple[Count, ...]
    end: int = 0

    def refusal(self, field: str = "") -> errors.InvalidInput:
        values = tuple(reading.value for reading in self.readings)
        code = "count_ambiguous" if len(values) > 1 else "count_comma"
        return errors.InvalidInput(code, field=field, typed=self.typed, readings=values)


@dataclass(frozen=True)
class NotUnderstood:
    """Looks like a number but is not a whole count; `problem` says how (a refusal
    code: count_decimal, count_negative, count_grouping, count_digits, count_format; or
    count_missing, when nothing was typed)."""

    typed: str
    problem: str
    end: int = 0

    def refusal(self, field: str = "") -> errors.InvalidInput:
        return errors.InvalidInput(self.problem, field=field, typed=self.typed)


Reading = Count | Ambiguous | NotUnderstood


def read(text: str) -> Reading:
    """The whole text as one count (a form's field, a command line argument)."""
    typed = text.strip(" \t\r\n" + SPACES)
    if not typed:
        return NotUnderstood("", "count_missing")
    if _PLAIN.fullmatch(typed):
        return Count(int(typed), typed)
    if _DOTTED.fullmatch(typed) or _SPACED.fullmatch(typed):
        return Count(int(re.sub(rf"[.{SPACES}]", "", typed)), typed)
    if _COMMA.fullmatch(typed):
        return _comma(typed)
    return NotUnderstood(typed, _problem(typed))


def count(text: str, field: str = "") -> int:
    """The whole text as one count, or the refusal that says what was not understood
    (or that it has two readings): for the command line and forms, which cannot ask."""
    reading = read(text)
    if isinstance(reading, Count):
        return reading.value
    raise reading.refusal(field)


def looks_numeric(word: str) -> bool:
    """Whether a word is meant as a number: it starts with a digit (of any script, `²`
    too), or with a sign or a dot before one (`-3`, `+3`, `.5`)."""
    if not word:
        return False
    first = word.lstrip(_SIGNS + ".,")
    return bool(first) and (first[0].isdigit() or unicodedata.category(first[0]) == "No")


def read_words(words: Sequence[str], start: int, *, text_follows: bool = False) -> Reading:
    """The count that starts at `words[start]`, over as many words as it takes (`1`,
    `000`); `end` is the index after it. With `text_follows` (free text such as a
    reason may come after the count), a group that could start that text makes the
    reading `Ambiguous` (see the module's notes). A count followed by a word of 1-3
    digits that is no group of it (`1 00`, `1000 500`) is not understood."""
    first = words[start]
    end = start + 1
    if _LEAD.fullmatch(first):
        while end < len(words) and _GROUP.fullmatch(words[end]):
            end += 1
        used = words[start:end]
        reading: Reading = Count(int("".join(used)), " ".join(used), end)
        if len(used) > 1 and text_follows and end < len(words):
            splits = [
                Count(int("".join(words[start:cut])), " ".join(words[start:cut]), cut)
                for cut in range(end - 1, start, -1)
                if not words[cut].startswith("0")
            ]
            if splits:
                reading = Ambiguous(" ".join(used), (reading, *splits), end)
    else:
        reading = _at(read(first), end)
    if isinstance(reading, NotUnderstood) or end >= len(words):
        return reading
    if _SHORT.fullmatch(words[end]):
        return NotUnderstood(" ".join(words[start : end + 1]), "count_grouping", end + 1)
    return reading


def read_last(words: Sequence[str], first: int = 1) -> tuple[Reading, int] | None:
    """The count that ends the words (`Oslo 1 000`), from the first word that looks like
    a number at index `first` or later, and where it starts; None when no such word, or
    when words follow the count (`10 Bergen`)."""
    for start in range(first, len(words)):
        if looks_numeric(words[start]):
            reading = read_words(words, start)
            if isinstance(reading, NotUnderstood) or reading.end == len(words):
                return reading, start
            return None
    return None


# -- helpers ---------------------------------------------------------------------------


def _at(reading: Reading, end: int) -> Reading:
    if isinstance(reading, Count):
        return Count(reading.value, reading.typed, end)
    if isinstance(reading, Ambiguous):
        readings = tuple(Count(r.value, r.typed, end) for r in reading.readings)
        return Ambiguous(reading.typed, readings, end)
    return NotUnderstood(reading.typed, reading.problem, end)


def _comma(typed: str) -> Reading:
    """`1,000`: thousands to an English writer; to a Norwegian one a decimal, which is a
    count only when its decimals are zeros (1,000 is 1; 1,500 is no count)."""
    readings = [Count(int(typed.replace(",", "")), typed)]
    lead, _, decimals = typed.partition(",")
    if "," not in decimals and set(decimals) == {"0"}:
        readings.append(Count(int(lead), typed))
    return Ambiguous(typed, tuple(readings))


def _problem(typed: str) -> str:
    """How a text that is not a count is not one: the refusal's code."""
    if not any(c.isdigit() or unicodedata.category(c) == "No" for c in typed):
        return "count_format"  # a word: `femti`
    if any((c.isdigit() or unicodedata.category(c) == "No") and not "0" <= c <= "9" for c in typed):
        return "count_digits"
    if typed[0] in _SIGNS:
        return "count_negative" if typed[0] != "+" else "count_format"
    if _DECIMAL.fullmatch(typed):  # one separator, and no valid grouping (that was read)
        lead, decimals = re.split(r"[.,]", typed)
        whole_groups = len(lead) > 3 and not lead.startswith("0") and _GROUP.fullmatch(decimals)
        return "count_grouping" if whole_groups else "count_decimal"
    if re.fullmatch(rf"[0-9{SPACES}.,]+", typed):
        return "count_grouping"
    return "count_format"
