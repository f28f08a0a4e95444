"""What the pace chart shows (`/capacity Trondheim tempo graf`): a municipality's settled
through the year at each snapshot, the straight line to the decision, the decision as a
level, the projection's range, and the bot's own settled-via-batches beside them; every
text in one language (`[pace]` `chart_*` in the catalogues), and its alt text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from capacity.charts.model import ALT_TEXT_LIMIT, number_format
from capacity.domain.pace import line_at
from capacity.texts.i18n import catalogue

LABEL_KEYS = (
    "chart_settled",
    "chart_line",
    "chart_decision",
    "chart_projection",
    "chart_batches",
    "chart_date_axis",
    "chart_value_axis",
    "chart_line_chart",
    "chart_caption",
)


@dataclass(frozen=True)
class PaceLabels:
    """The pace chart's texts in one language, and how it writes numbers and dates."""

    settled: str
    line: str
    decision: str
    projection: str
    batches: str
    date_axis: str
    value_axis: str
    line_chart: str  # the alt text opens with it
    caption: str
    unknown: str
    language: str
    number: Callable[[int], str]

    @classmethod
    def of(cls, language: str) -> PaceLabels:
        t = catalogue(language, "plain")
        texts = {key.removeprefix("chart_"): t.entries["pace"][key] for key in LABEL_KEYS}
        return cls(
            unknown=t.entries["unknown"],
            language=t.language,
            number=number_format(t.language),
            **texts,
        )

    def day(self, when: date) -> str:
        """A snapshot's date on the axis: 25.09 (Norwegian), 25 Sep (English)."""
        pattern = catalogue(self.language, "plain").entries["pace"]["chart_day"]
        return format_date(when, pattern, locale=self.language)

    def full_day(self, when: date) -> str:
        return catalogue(self.language, "plain").short_date(when.isoformat())

    def say(self, key: str, **values: object) -> str:
        return catalogue(self.language, "plain").text("pace", key, values)


@dataclass(frozen=True)
class Projection:
    """The projection's range from the latest snapshot to 31 December."""

    start: date
    settled: int
    low: int
    high: int


@dataclass(frozen=True)
class PaceChart:
    title: str  # "Trondheim (5001): bosatt gjennom 2023"
    year: int
    decision: int | None  # None: no decision, so no line and no level
    points: tuple[tuple[date, int | None], ...]  # IMDi's settled at each snapshot
    labels: PaceLabels
    batches: tuple[tuple[date, int], ...] = ()  # settled via batches, summed by day
    projection: Projection | None = None
    caption: str | None = None

    def line(self, when: date) -> int | None:
        return line_at(self.decision, when) if self.decision is not None else None


def alt_text(chart: PaceChart) -> str:
    """A few sentences naming every number, at most ALT_TEXT_LIMIT characters (later
    points summarised as "and N more")."""
    lab = chart.labels
    head = f"{lab.line_chart}: {chart.title}."
    if chart.decision is not None:
        head = lab.say(
            "alt_head", chart=lab.line_chart, title=chart.title,
            decision=lab.number(chart.decision),
        )  # fmt: skip
    items = [
        lab.say(
            "alt_point",
            date=lab.full_day(when),
            settled=lab.unknown if settled is None else lab.number(settled),
            line=lab.unknown if chart.line(when) is None else lab.number(chart.line(when) or 0),
        )
        for when, settled in chart.points
    ]
    tail = []
    if chart.projection is not None:
        p = chart.projection
        if p.low == p.high:
            tail.append(lab.say("alt_projection_one", settled=lab.number(p.low)))
        else:
            tail.append(lab.say("alt_projection", low=lab.number(p.low), high=lab.number(p.high)))
    if chart.batches:
        batches = "; ".join(f"{lab.full_day(d)}: {lab.number(n)}" for d, n in chart.batches)
        tail.append(lab.say("alt_batches", items=batches))
    for count in range(len(items), -1, -1):
        shown = "; ".join(items[:count])
        if count < len(items):
            shown += ("; " if shown else "") + lab.say("more", count=len(items) - count)
        text = " ".join([head, lab.say("alt_points", points=shown), *tail])
        if len(text) <= ALT_TEXT_LIMIT:
            return text
    return text[: ALT_TEXT_LIMIT - 1] + "…"
