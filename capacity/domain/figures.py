"""The domain's data about places and figures: municipalities, their figures and
history, and the answers built from them (a capacity line, an overview).

Plain pydantic models, immutable, with no knowledge of storage or of Slack.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Municipality(Model):
    """A municipality under one year's structure (SSB classification 131)."""

    number: str = Field(pattern=r"^\d{4}$")
    name: str
    name_no: str
    structure: int  # 2020 or 2024: the classification version the row belongs to

    @property
    def label(self) -> str:
        return f"{self.name_no} ({self.number})"


class County(Model):
    """A county (fylke) under one structure (SSB classification 104); a municipality's
    county is the first two digits of its number in the same structure."""

    number: str = Field(pattern=r"^\d{2}$")
    name: str
    name_no: str
    structure: int  # 2020 or 2024

    @property
    def label(self) -> str:
        return self.name_no


class Measure(StrEnum):
    """The yearly figures kept per municipality.

    The first four are IMDi's settlement figures. The sub-quota of unaccompanied minors
    and family reunification are kept beside them and never netted into capacity.
    `spare` is the spare capacity a municipality reports; IMDi defines no formula for
    it, so the reported value is the one the product answers with.
    """

    ORIGINAL_REQUEST = "original_request"  # opprinnelig anmodning
    REQUEST = "request"  # anmodning (revised)
    DECISION = "decision"  # vedtak
    SETTLED = "settled"  # faktisk bosatt
    MINORS_REQUEST = "minors_request"  # anmodning, enslige mindreårige
    MINORS_DECISION = "minors_decision"  # vedtak, enslige mindreårige
    FAMILY_REUNIFICATION = "family_reunification"  # familiegjenforente
    SPARE = "spare"  # rapportert ledig kapasitet


IMDI_MEASURES = (
    Measure.ORIGINAL_REQUEST,
    Measure.REQUEST,
    Measure.DECISION,
    Measure.SETTLED,
)


def partial_date(year: int, source_dates: Iterable[str]) -> str:
    """The latest source date that falls inside `year` itself: figures taken before
    the year ended are a snapshot, not the year's result."""
    inside = [d for d in source_dates if d and f"{year}" <= d < f"{year + 1}"]
    return max(inside, default="")


def places_left(spare: int, held: int) -> int:
    """What is left of `spare` reported places when `held` are taken (reserved, or used
    by settled batches): never below 0. The one definition every surface shows."""
    return max(0, spare - held)


def overbooked_by(spare: int, held: int) -> int:
    """By how many persons `held` places exceed `spare` reported ones (0: not at all)."""
    return max(0, held - spare)


class Actor(Model):
    """Who makes a change: a Slack user, a CLI user, an import file, the seed."""

    id: str
    name: str = ""
    trusted: bool = False  # local admin tools (CLI, seed, import) need no role

    @property
    def label(self) -> str:
        if self.name and self.name != self.id:
            return f"{self.name} ({self.id})"
        return self.id


class Figure(Model):
    """One current value: `value` None means unknown (IMDi's ':'), never 0."""

    measure: Measure
    value: int | None
    changed_at: datetime
    actor: str
    source: str = ""
    source_date: str = ""  # what the source says it is dated: "2020-09", "2023-09-25"


class Change(Model):
    """An append-only history record: who changed what, when, why, before and after."""

    id: int
    at: datetime
    actor: str
    actor_name: str = ""
    source: str = ""
    reason: str = ""
    entity: str  # figure | batch | allocation | role | setting
    key: str
    before: object = None
    after: object = None
    source_date: str = ""


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"


class YearFigures(Model):
    """IMDi's figures of one year for a municipality (a compact line beside another)."""

    year: int
    values: dict[Measure, int | None]
    partial: str = ""  # the date the year's figures were taken, when before its end


class CapacityLine(Model):
    """The capacity of one municipality in one year, with the figures behind it.

    `reserved` counts every active reservation, `settled` the part of it held by
    batches already settled ("bosatt via grupper"): both use the reported places."""

    municipality: Municipality
    year: int
    figures: dict[Measure, Figure]
    reserved: int
    settled: int = 0
    years_with_figures: tuple[int, ...] = ()
    other_years: tuple[YearFigures, ...] = ()
    overbooking: tuple[tuple[str, int], ...] = ()  # (batch, persons) when overbooked
    as_of: datetime | None = None
    # the municipality the question named, when it is another in the year's structure
    # (Haram, 1580 from 2024, asked about 2020: Ålesund 1507); `split`: it was a part
    named: Municipality | None = None
    split: bool = False

    @property
    def reserved_open(self) -> int:
        """Reserved for batches not yet settled."""
        return self.reserved - self.settled

    @property
    def overbooked(self) -> int:
        """By how many persons the places held exceed the reported places (0: not)."""
        return 0 if self.spare is None else overbooked_by(self.spare, self.reserved)

    @property
    def partial(self) -> str:
        """The date IMDi's figures for this year were taken, when before the year ended
        (2023: "2023-09-25"): every answer showing them says so."""
        return partial_date(
            self.year, (f.source_date for m, f in self.figures.items() if m in IMDI_MEASURES)
        )

    def value(self, measure: Measure) -> int | None:
        figure = self.figures.get(measure)
        return figure.value if figure else None

    def known(self, measure: Measure) -> bool:
        figure = self.figures.get(measure)
        return figure is not None and figure.value is not None

    @property
    def spare(self) -> int | None:
        return self.value(Measure.SPARE)

    @property
    def spare_report(self) -> Figure | None:
        return self.figures.get(Measure.SPARE)

    @property
    def remaining(self) -> int | None:
        """Places left: never below 0 (an overbooked place has none left, and says by how
        many in `overbooked`); None when no spare is reported."""
        return None if self.spare is None else places_left(self.spare, self.reserved)

    @property
    def decision_minus_request(self) -> int | None:
        """Derived, shown beside the reported value, never instead of it."""
        if self.known(Measure.DECISION) and self.known(Measure.REQUEST):
            return self.value(Measure.DECISION) - self.value(Measure.REQUEST)  # type: ignore[operator]
        return None

    @property
    def decision_minus_settled(self) -> int | None:
        if self.known(Measure.DECISION) and self.known(Measure.SETTLED):
            return self.value(Measure.DECISION) - self.value(Measure.SETTLED)  # type: ignore[operator]
        return None


class Total(Model):
    """A sum over several municipalities that says how many values were unknown; a sum
    of no known value is unknown (`value` None), never 0."""

    value: int | None
    counted: int  # municipalities with a known value
    unknown: int  # municipalities where the value is unknown (IMDi ':')
    missing: int  # municipalities with no figure at all

    @property
    def known(self) -> bool:
        """A sum of nothing but unknowns is unknown, not 0."""
        return self.counted > 0


class Overview(Model):
    """Capacity over a group or the country, with totals."""

    title: str
    scope: str  # group name or "norge"
    year: int
    lines: tuple[CapacityLine, ...]
    totals: dict[str, Total]  # measure names plus "reserved", "remaining", "overbooked"…
    as_of: datetime | None = None


class Group(Model):
    name: str
    title: str
    members: tuple[Municipality, ...]
