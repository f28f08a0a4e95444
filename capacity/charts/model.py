"""What a chart shows: its figures, and every text in one language (`Labels`, read from the
catalogues `capacity/texts/locales/<code>.toml`, like every other text)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from babel.numbers import get_group_symbol

from capacity.domain.figures import overbooked_by, places_left
from capacity.texts.i18n import catalogue

ALT_TEXT_LIMIT = 1000  # Slack refuses a longer alt_txt (alt_txt_too_large)

LABEL_KEYS = (
    "year_axis",
    "value_axis",
    "request",
    "decision",
    "settled",
    "spare",
    "reserved",
    "remaining",
    "planning",
    "total",
    "bar_chart",
    "more",
)


def grouped(value: int) -> str:
    """4 838 with a non-breaking space, and a true minus sign (Norwegian)."""
    return f"{value:,}".replace(",", "\u00a0").replace("-", "\u2212")


def english(value: int) -> str:
    return f"{value:,}".replace("-", "\u2212")


def number_format(language: str) -> Callable[[int], str]:
    """How a language writes whole numbers on a chart (CLDR's grouping symbol)."""
    group = get_group_symbol(language)
    if group == ",":
        return english
    return lambda value: f"{value:,}".replace(",", group).replace("-", "\u2212")


@dataclass(frozen=True)
class Labels:
    """Every text a chart shows, in one language, and how numbers are written.

    `planning` and `more` are templates: `planning.format(year=2020)`, `more.format(n=3)`.
    `Labels.of("nn")` reads them from that language's catalogue (the `chart_*` texts)."""

    year_axis: str
    value_axis: str
    request: str
    decision: str
    settled: str
    spare: str
    reserved: str
    remaining: str
    unknown: str
    planning: str  # "Planår {year}": the small panel with spare and reserved places
    total: str  # "Sum", before the network's totals
    bar_chart: str  # "Søylediagram": the alt text opens with it
    more: str  # "og {n} til": the alt text's end when rows were left out
    settled_batches: str = "Bosatt via grupper"  # places used by settled batches
    overbooked: str = "overbooket med {n}"  # beside a remaining 0 that is overbooked
    number: Callable[[int], str] = grouped

    @classmethod
    def of(cls, language: str, number: Callable[[int], str] | None = None) -> Labels:
        t = catalogue(language, "plain")
        texts = {key: t.entries[f"chart_{key}"] for key in LABEL_KEYS}
        surfaces = t.entries["surfaces"]
        return cls(
            unknown=t.entries["unknown"],
            settled_batches=surfaces["chart_settled"],
            overbooked=surfaces["chart_overbooked"],
            number=number or number_format(t.language),
            **texts,
        )

    @classmethod
    def nb(cls, number: Callable[[int], str] = grouped) -> Labels:
        return cls.of("nb", number)

    @classmethod
    def nn(cls, number: Callable[[int], str] = grouped) -> Labels:
        return cls.of("nn", number)

    @classmethod
    def en(cls, number: Callable[[int], str] = english) -> Labels:
        return cls.of("en", number)

    def value(self, value: int | None) -> str:
        return self.unknown if value is None else self.number(value)

    def left(self, remaining: int | None, overbooked: int) -> str:
        """What is left: "95", or "0 (overbooket med 10)"; never a negative number."""
        shown = self.value(remaining)
        if overbooked:
            return f"{shown} ({self.overbooked.format(n=self.number(overbooked))})"
        return shown


@dataclass(frozen=True)
class YearFigures:
    """IMDi's figures for one year; None is unknown (IMDi's ':'), never zero."""

    year: int
    request: int | None
    decision: int | None
    settled: int | None
    note: str | None = None  # "per 25.09.2023": shown under the chart, marked on the year


@dataclass(frozen=True)
class Planning:
    """The planning year's reported spare places, the reservations against them (of
    batches not yet settled) and the places settled batches use: what remains is never
    below 0 (`overbooked` says by how many it would be)."""

    year: int
    spare: int | None
    reserved: int | None
    settled: int = 0

    @property
    def remaining(self) -> int | None:
        if self.spare is None or self.reserved is None:
            return None
        return places_left(self.spare, self.reserved + self.settled)

    @property
    def overbooked(self) -> int:
        if self.spare is None or self.reserved is None:
            return 0
        return overbooked_by(self.spare, self.reserved + self.settled)


@dataclass(frozen=True)
class MunicipalityChart:
    """One municipality (or the country): request, decision and settled per year, and the
    planning year's spare and reserved places in a panel of their own."""

    title: str  # "Trondheim (5001)"
    years: Sequence[YearFigures]
    labels: Labels
    planning: Planning | None = None
    caption: str | None = None  # a source line under the title, e.g. "Kilde: IMDi"

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", tuple(self.years))


@dataclass(frozen=True)
class NetworkRow:
    """A municipality: reported places, reserved (batches not yet settled), remaining
    (never below 0), settled via batches and by how many it is overbooked."""

    name: str
    reported: int | None
    reserved: int | None
    remaining: int | None
    settled: int = 0
    overbooked: int = 0


@dataclass(frozen=True)
class Column:
    """A column's total: the sum of its known values and how many were unknown."""

    known: int
    unknown: int = 0


@dataclass(frozen=True)
class NetworkTotals:
    """The totals under a network chart's title, as every surface gives them: what
    remains is the reported places less every place held where reported, never below 0."""

    reported: Column
    reserved: Column
    settled: Column
    remaining: Column
    overbooked: int


@dataclass(frozen=True)
class NetworkChart:
    """Municipalities side by side: reported spare places, reserved and remaining."""

    title: str  # "KS storbynettverk 2020"
    rows: Sequence[NetworkRow]
    labels: Labels
    caption: str | None = None  # a source line, after the totals

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))

    @property
    def settled(self) -> bool:
        """Whether any municipality has places used by settled batches (a bar of its own)."""
        return any(r.settled for r in self.rows)

    def totals(self) -> NetworkTotals:
        """The columns' totals; what remains by the one definition (`places_left`)."""

        def column(values: Iterable[int | None]) -> Column:
            values = list(values)
            return Column(sum(v for v in values if v is not None), sum(v is None for v in values))

        known = [r for r in self.rows if r.remaining is not None]  # the reported ones
        held = sum((r.reserved or 0) + r.settled for r in known)
        spare = sum(r.reported or 0 for r in known)
        unknown = len(self.rows) - len(known)
        return NetworkTotals(
            reported=column(r.reported for r in self.rows),
            reserved=column(r.reserved for r in self.rows),
            settled=column(r.settled for r in self.rows),
            remaining=Column(places_left(spare, held), unknown) if known else Column(0, unknown),
            overbooked=sum(r.overbooked for r in self.rows),
        )


@dataclass(frozen=True)
class Rendered:
    png: bytes = field(repr=False)
    width: int  # pixels
    height: int
    alt_text: str


Chart = MunicipalityChart | NetworkChart


def sorted_rows(rows: Iterable[NetworkRow]) -> list[NetworkRow]:
    """Most remaining first, then most reported; unknown after known."""

    def key(row: NetworkRow) -> tuple[object, ...]:
        return (
            row.remaining is None,
            -(row.remaining or 0),
            row.reported is None,
            -(row.reported or 0),
            row.name,
        )

    return sorted(rows, key=key)


def total_text(column: Column, lab: Labels) -> str:
    """A column's sum, with how many were unknown: "65 (+1 ukjent)"."""
    known, unknown = column.known, column.unknown
    if unknown and not known:
        return lab.unknown
    return lab.number(known) + (f" (+{unknown} {lab.unknown})" if unknown else "")


def lower(label: str) -> str:
    """A label inside a sentence: "Anmodning" as "anmodning", but "IMDi" and "KS" kept."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label
