"""Texts in each language, from one catalogue file per language (`locales/<code>.toml`),
with numbers and dates written as each language writes them (the Unicode CLDR's way).

Adding a language is adding a file. A refusal from the core (a code and its facts) is
turned into a sentence here, and only here. For Slack (`markup="mrkdwn"`) every value
filled into a text is escaped (`&`, `<`, `>`, and the formatting characters `*`, `_`,
`~`, `` ` ``), so that nothing a user typed can become a mention, a link, `@channel` or
formatting; values that are already mrkdwn are marked `Safe`.

A text that shows a count next to a word that follows it in number writes both forms
after the count's name: `{remaining} {remaining:ledig plass|ledige plasser}` is
"1 ledig plass" and "2 ledige plasser". The form is chosen by the language's plural
rule (CLDR's: `one` for 1 in nb, nn and en, `other` for the rest; an unknown count
takes `other`), from the value `number()` gave or the int passed.

What CLDR says of a language that the texts use (the digit group separator, the plural
rule, the months' names) is the catalogue's `[cldr]` table, copied from Babel's data and
checked against it by the tests; Babel evaluates the rule (`PluralRule`) and reads the
date patterns (`tokenize_pattern`). Babel's own data for a language (4 MiB with the
global table it needs to find a locale's parents) is not loaded to answer: only the
charts, the spreadsheets and the plan notes load it, when first made.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import tokenize_pattern
from babel.plural import PluralRule

from capacity.errors import CapacityError
from capacity.models import Measure, Municipality
from capacity.reference.geography import NATIONAL_TITLE

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "nb"
OSLO = ZoneInfo("Europe/Oslo")


def languages() -> tuple[str, ...]:
    """The languages there is a catalogue for."""
    return tuple(sorted(path.stem for path in LOCALES.glob("*.toml")))


class Safe(str):
    """Text that is already Slack mrkdwn (a mention, a built text): not escaped again."""

    __slots__ = ()


# The facts of a refusal that are counts of persons or places, written as every answer
# writes a count ("1 000"); never a year, an id or a number typed (those stay as they are).
COUNT_FACTS = frozenset(
    {"persons", "unallocated", "total", "reserved", "settled", "over", "now", "planned"}
    | {"below", "above", "remaining", "spare", "count"}
)


class Number(str):
    """A number as a language writes it ("1\u00a0000"), keeping its value: a text's
    plural forms are chosen by it."""

    value: int

    def __new__(cls, text: str, value: int) -> Number:
        number = super().__new__(cls, text)
        number.value = value
        return number


_FORMS = re.compile(r"\{(\w+):([^{}|]*)\|([^{}|]*)\}")  # {count:one|other}


class _Plurals:
    """Chooses, in a template, the form of each word that goes with a count:
    `{name:one|other}` becomes `one` or `other` by the count `name` and the language's
    plural rule, before the template is filled (only the word: the count is `{name}`).
    Templates are the catalogues' (a few hundred), so what is worked out for one is kept."""

    def __init__(self, one: str) -> None:
        self.rule = functools.lru_cache(maxsize=4096)(PluralRule({"one": one}))

    def choose(self, template: str, values: dict[str, Any]) -> str:
        ones = frozenset(
            name for name in _counts_in(template) if self.category(values.get(name)) == "one"
        )
        return _chosen(template, ones)

    def category(self, value: Any) -> str:
        if isinstance(value, Number):
            value = value.value
        elif isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.rule(value)
        return "other"  # unknown, or not a count


@functools.lru_cache(maxsize=1024)
def _counts_in(template: str) -> tuple[str, ...]:
    """The counts a template gives a word's two forms for."""
    return tuple(dict.fromkeys(match.group(1) for match in _FORMS.finditer(template)))


@functools.lru_cache(maxsize=2048)
def _chosen(template: str, ones: frozenset[str]) -> str:
    """The template with each word in its form: `one` for the counts in `ones`."""
    return _FORMS.sub(lambda m: m.group(2) if m.group(1) in ones else m.group(3), template)


# Slack's formatting characters have no escape (its docs escape only `&`, `<`, `>`): a
# typed one is shown as the character that looks the same and formats nothing. An `_`
# between two letters or digits never formats (`kari_nordmann`, a Slack id) and is kept.
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}  # ∗ ˍ ∼ ˋ
_FORMATTING = re.compile(r"[*~`]|(?<![^\W_])_|_(?![^\W_])")


def escape(text: str) -> str:
    """Slack's escaping for text shown as mrkdwn: `&`, `<` and `>` as entities, and the
    formatting characters `*`, `_`, `~` and `` ` `` as lookalikes (∗ ˍ ∼ ˋ), so that a
    name typed as `*fet*` is shown as typed, not bold (an `_` inside a word stays)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _FORMATTING.sub(lambda found: _LOOKALIKES[found.group()], text)


@functools.lru_cache(maxsize=64)
def _tokens(pattern: str) -> list[tuple[str, Any]]:
    """A CLDR date pattern's fields and literal text (Babel's reading of it)."""
    return tokenize_pattern(pattern)


def _in_oslo(moment: datetime) -> datetime:
    """Norwegian time; a moment without a zone is UTC's, as Babel takes it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(OSLO)


@functools.cache
def _entries(language: str) -> dict[str, Any]:
    with open(LOCALES / f"{language}.toml", "rb") as handle:
        return tomllib.load(handle)


@functools.cache
def catalogue(language: str = DEFAULT_LANGUAGE, markup: str = "mrkdwn") -> Catalogue:
    return Catalogue(language, markup=markup)


def english_refusal(error: CapacityError) -> str:
    """A refusal in plain English, for `str()`: logs and the admin CLI."""
    return catalogue("en", markup="plain").refusal(error)


class Catalogue:
    """The texts of one language; `markup` is "mrkdwn" (Slack) or "plain" (terminal)."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, *, markup: str = "mrkdwn") -> None:
        self.language = language if language in languages() else DEFAULT_LANGUAGE
        self.markup = markup
        self.entries = _entries(self.language)
        # CLDR's grouping symbol for the language: every answer formats dozens of
        # numbers, and Babel's format_decimal parses its pattern each time (for these
        # languages, groups of three, as Python's "," format gives them).
        cldr = self.entries["cldr"]
        self._group = cldr["group"]
        self._months = tuple(cldr["months"])
        self._plurals = _Plurals(cldr["plural_one"])

    @property
    def plain(self) -> Catalogue:
        """The same language without escaping: for Slack's plain_text and terminals."""
        return catalogue(self.language, "plain")

    def _value(self, value: Any) -> Any:
        if self.markup == "mrkdwn" and isinstance(value, str) and not isinstance(value, Safe):
            return value if isinstance(value, Number) else escape(value)
        return value

    def text(self, table: str | None, key: str, values: dict[str, Any]) -> str:
        entries = self.entries if table is None else self.entries[table]
        return self.fill(entries[key], values)

    def feature_table(self, kind: str, key: str) -> dict[str, Any]:
        """The `[kind]` texts holding `key`: the catalogue's own table, or a feature's
        `[<feature>.<kind>]` (a feature keeps its texts in a table of its own)."""
        own = self.entries.get(kind, {})
        if key in own:
            return own
        for value in self.entries.values():
            if isinstance(value, dict) and key in (found := value.get(kind) or {}):
                return found
        return own

    def fill(self, template: str, values: dict[str, Any]) -> str:
        """A template filled with values (escaped for Slack), plural forms chosen."""
        if "|" in template:  # a word that goes with a count: both forms, one chosen
            template = self._plurals.choose(template, values)
        filled = template.format(**{name: self._value(v) for name, v in values.items()})
        return Safe(filled) if self.markup == "mrkdwn" else filled

    def __call__(self, key: str, **values: Any) -> str:
        return self.text(None, key, values)

    def measure(self, measure: Measure | str) -> str:
        return self.entries["measure"][Measure(measure).value]

    def status(self, status: str) -> str:
        return self.entries["status"].get(str(status), str(status))

    def alert_kind(self, kind: str) -> str:
        return self.feature_table("alert_kind", str(kind)).get(str(kind), str(kind))

    def scope(self, title: str) -> str:
        """A scope's title as this language names it: the country is "Noreg" in Nynorsk;
        a group's or a municipality's name is its own."""
        return self.plain("national_title") if title == NATIONAL_TITLE else title

    def field(self, name: str) -> str:
        return self.feature_table("field", name).get(name, name)

    def number(self, value: int | None) -> str:
        """4 838 in Norwegian (a non-breaking space), 4,838 in English; unknown as a word."""
        if value is None:
            return self("unknown")
        return Number(f"{value:,}".replace(",", self._group), value)

    def signed(self, value: int | None) -> str:
        if value is None:
            return self("unknown")
        return ("+" if value > 0 else "") + self.number(value).replace("-", "−")

    def date(self, moment: datetime, *, time: bool = True) -> str:
        """`2. desember 2026 kl. 10.30` in Norwegian time; English `2 December 2026, 10:30`."""
        pattern = self.entries["date_time" if time else "date_only"]
        return self._written(_in_oslo(moment), pattern)

    def moment(self, moment: datetime) -> str:
        """An "as of" moment: a whole day (its last instant) as the date alone."""
        local = _in_oslo(moment)
        if (local.hour, local.minute, local.second) == (23, 59, 59):
            return self._written(local.date(), self.entries["date_only"])
        return self.date(moment)

    def source_date(self, text: str) -> str:
        """A source's own date at its precision: `2020-09` is "september 2020",
        `2023-09-25` "25. september 2023"."""
        parts = text.split("-")
        day = date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 1)
        pattern = self.entries["source_day" if len(parts) > 2 else "source_month"]
        return self._written(day, pattern)

    def short_date(self, text: str) -> str:
        """`2023-09-25` as "25.09.2023"."""
        return self._written(date.fromisoformat(text), self.entries["short_date"])

    def _written(self, when: date, pattern: str) -> str:
        """A date (and time) by a CLDR pattern of the catalogue's, as Babel's format_date
        and format_datetime write it: `d`, `M`, `y`, `H`, `m` (`MMMM`: the month's name)."""
        return "".join(
            value if kind == "chars" else self._field(when, *value, pattern)
            for kind, value in _tokens(pattern)
        )

    def _field(self, when: date, letter: str, width: int, pattern: str) -> str:
        if letter == "M" and width == 4:
            return self._months[when.month - 1]
        if letter == "y":
            year = str(when.year).rjust(width, "0")
            return year[-2:] if width == 2 else year
        number = {"d": "day", "M": "month", "H": "hour", "m": "minute"}.get(letter)
        if number is None or width > 2 or (letter in "Hm" and not isinstance(when, datetime)):
            raise ValueError(f"{pattern!r}: {letter * width} is not a field the texts write")
        return str(getattr(when, number)).rjust(width, "0")

    def when(self, figure_date: str, recorded: datetime) -> str:
        """When a figure is from: the date its source gives, else when it was recorded."""
        return self.source_date(figure_date) if figure_date else self.date(recorded)

    def either(self, choices: list[str]) -> str:
        """Alternatives as the language lists them: "a, b eller c"."""
        if len(choices) < 2:
            return "".join(choices)
        return ", ".join(choices[:-1]) + f" {self.plain('or')} " + choices[-1]

    def names(self, municipalities: Iterable[Municipality]) -> str:
        return ", ".join(m.label for m in municipalities)

    # -- refusals --------------------------------------------------------------------

    def refusal(self, error: CapacityError) -> str:
        """The sentence for a refusal of the core, from its code and facts."""
        facts = {key: self._fact(key, value) for key, value in error.facts.items()}
        if error.code == "permission":
            place = error.facts.get("municipality")
            if error.facts.get("needs") == "editor" and place is not None:
                facts["needs"] = self("needs_editor", name=place.name_no)
            else:
                facts["needs"] = self("needs_admin")
        text = self.fill(self.feature_table("refusal", error.code)[error.code], facts)
        suggestions = error.facts.get("suggestions")
        if suggestions:
            text += self.text("refusal", "did_you_mean", {"names": facts["suggestions"]})
        return text

    def _fact(self, key: str, value: Any) -> Any:
        if key in COUNT_FACTS and isinstance(value, int) and not isinstance(value, bool):
            return self.number(value)  # "1 000", as every answer writes a count
        if isinstance(value, Municipality):
            return value.name_no
        if isinstance(value, Measure):
            return self.measure(value).lower()
        if isinstance(value, datetime):
            return self.date(value)
        if key in ("candidates", "suggestions"):
            return self.names(value)
        if key == "field":
            return self.field(value)
        if key in ("status", "target"):
            return self.status(value)
        if key == "action":  # newer actions may name themselves as top-level `action_<name>`
            actions = self.feature_table("action", value)
            return actions.get(value) or self.entries.get(f"action_{value}", value)
        if key == "changes":  # [{municipality, now, planned}, …]: one sentence each
            return Safe(
                "; ".join(
                    self.text("refusal", "room_change", {k: self._fact(k, v) for k, v in c.items()})
                    for c in value
                )
            )
        if key == "month" and isinstance(value, str):  # "2020-02": "februar 2020"
            return self.source_date(value)
        if key == "readings":  # what a number typed can mean: "1 000 eller 1"
            # in English a reading is written with its digits together: "1,000" is the
            # very text that is ambiguous ("can be read as 1000 or 1")
            shown = str if self._group == "," else self.number
            return self.either([shown(v) for v in value])
        if isinstance(value, tuple | list) and all(isinstance(v, int) for v in value):
            return ",".join(map(str, value))
        return value
