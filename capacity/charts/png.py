"""A chart to PNG bytes and its alt text (a sentence or a few naming every number)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from capacity.charts.model import (
    ALT_TEXT_LIMIT,
    Chart,
    Labels,
    MunicipalityChart,
    NetworkChart,
    Rendered,
    lower,
    sorted_rows,
    total_text,
)
from capacity.charts.municipality import municipality
from capacity.charts.network import network
from capacity.charts.pace_draw import pace_figure
from capacity.charts.pace_model import PaceChart
from capacity.charts.pace_model import alt_text as pace_alt_text


def render(
    chart: Chart | PaceChart, *, width: int = 1200, height: int = 700, dpi: int = 120
) -> Rendered:
    """The chart as a PNG of `width` × `height` pixels (a network chart of many rows grows
    taller), with its alt text. Safe to call from several threads at once."""
    fig = figure(chart, width=width, height=height, dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    w, h = fig.canvas.get_width_height()
    return Rendered(png=buffer.getvalue(), width=w, height=h, alt_text=alt_text(chart))


def figure(
    chart: Chart | PaceChart, *, width: int = 1200, height: int = 700, dpi: int = 120
) -> Figure:
    """The chart as a matplotlib Figure (with an Agg canvas), for inspection or other output.

    Bars carry gids `bar:<key>:<series>`, unknown marks `unknown:<key>:<series>`."""
    if isinstance(chart, MunicipalityChart):
        return municipality(chart, width, height, dpi)
    if isinstance(chart, NetworkChart):
        return network(chart, width, height, dpi)
    if isinstance(chart, PaceChart):
        return pace_figure(chart, width, height, dpi)
    raise TypeError(f"not a chart: {type(chart).__name__}")


def alt_text(chart: Chart | PaceChart) -> str:
    """A sentence or a few naming every number, in the labels' language; at most 1000
    characters (later rows are summarised as "and N more")."""
    if isinstance(chart, PaceChart):
        return pace_alt_text(chart)
    lab = chart.labels
    if isinstance(chart, MunicipalityChart):
        head = f"{lab.bar_chart}: {chart.title}."
        items = []
        for y in chart.years:
            when = f"{y.year} ({y.note})" if y.note else str(y.year)
            items.append(
                f"{when}: {lower(lab.request)} {lab.value(y.request)}, "
                f"{lower(lab.decision)} {lab.value(y.decision)}, "
                f"{lower(lab.settled)} {lab.value(y.settled)}."
            )
        tail = ""
        if chart.planning is not None:
            p = chart.planning
            settled = f"{lower(lab.settled_batches)} {lab.number(p.settled)}, " if p.settled else ""
            tail = (
                f"{lab.planning.format(year=p.year)}: {lower(lab.spare)} {lab.value(p.spare)}, "
                f"{lower(lab.reserved)} {lab.value(p.reserved)}, {settled}"
                f"{lower(lab.remaining)} {lab.left(p.remaining, p.overbooked)}."
            )
        return _within(head + (" " + tail if tail else ""), items, lab, at=len(head))
    if isinstance(chart, NetworkChart):
        totals = chart.totals()
        settled = (
            f"{lower(lab.settled_batches)} {total_text(totals.settled, lab)}, "
            if chart.settled
            else ""
        )
        remaining = total_text(totals.remaining, lab)
        if totals.overbooked:
            remaining += f" ({lab.overbooked.format(n=lab.number(totals.overbooked))})"
        head = (
            f"{lab.bar_chart}: {chart.title}. {lab.total}: {lower(lab.spare)} "
            f"{total_text(totals.reported, lab)}, {lower(lab.reserved)} "
            f"{total_text(totals.reserved, lab)}, {settled}{lower(lab.remaining)} {remaining}."
        )
        items = [
            f"{r.name}: {lower(lab.spare)} {lab.value(r.reported)}, "
            f"{lower(lab.reserved)} {lab.value(r.reserved)}, "
            + (f"{lower(lab.settled_batches)} {lab.number(r.settled)}, " if chart.settled else "")
            + f"{lower(lab.remaining)} {lab.left(r.remaining, r.overbooked)}."
            for r in sorted_rows(chart.rows)
        ]
        return _within(head, items, lab, at=len(head))
    raise TypeError(f"not a chart: {type(chart).__name__}")


def _within(head: str, items: list[str], lab: Labels, *, at: int) -> str:
    """`head` with `items` inserted at `at`, as many as fit in ALT_TEXT_LIMIT characters."""
    before, after = head[:at], head[at:]
    for count in range(len(items), -1, -1):
        left = len(items) - count
        parts = [before, *items[:count]]
        if left:
            parts.append(lab.more.format(n=left) + ".")
        text = " ".join(p for p in parts if p) + after
        if len(text) <= ALT_TEXT_LIMIT:
            return text
    return text[: ALT_TEXT_LIMIT - 1] + "…"
