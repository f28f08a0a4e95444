"""The pace chart drawn (matplotlib's object API): days of the year across, persons up.
Settled at each snapshot as points joined by lines, the straight line from 0 on 1 January
to the decision on 31 December, the decision as a level, the projection's range shaded
from the latest snapshot to the year's end, and the settled-via-batches series as a
step line of its own (beside IMDi's, never added). The snapshots' dates are the ticks."""

from __future__ import annotations

from datetime import date

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from capacity.charts.draw import (
    COLOURS,
    FONT,
    GRID,
    INK,
    MUTED,
    TICK,
    box,
    header,
    new_figure,
)
from capacity.charts.pace_model import PaceChart
from capacity.domain.pace import day_of_year, year_length

PROJECTION = "#E69F00"  # orange, as settled, lighter: the same series carried on
BATCHES = "#009E73"  # green
LINE = "#0072B2"  # blue
MAX_LABELS = 12  # snapshot dates and values written out; more are ticks only


def x_of(when: date, year: int) -> float:
    """A day's end on the axis: 0 is the start of 1 January, the year's length its end."""
    if when.year < year:
        return 0.0
    if when.year > year:
        return float(year_length(year))
    return float(day_of_year(when))


def pace_figure(chart: PaceChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    fig, canvas = new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()
    top = header(fig, chart.title, chart.caption)
    left, bottom = 1.0, 1.0
    entries = 1 + 2 * (chart.decision is not None) + (chart.projection is not None)
    entries += bool(chart.batches)
    legend_room = 0.3 + 0.24 * -(-entries // 2)  # two columns
    ax = fig.add_axes(box(fig, left, bottom, w_in - left - 1.6, h_in - top - legend_room - bottom))
    length = year_length(chart.year)
    ax.set_xlim(0, length)
    tops = [0]

    if chart.decision is not None:
        (line,) = ax.plot([0, length], [0, chart.decision], color=LINE, linewidth=1.6,
                          linestyle=(0, (6, 3)))  # fmt: skip
        line.set_gid("line")
        level = ax.axhline(chart.decision, color=INK, linewidth=1.2, linestyle=(0, (2, 2)))
        level.set_gid("decision")
        ax.text(length, chart.decision, f" {lab.decision} {lab.number(chart.decision)}",
                va="center", ha="left", fontsize=FONT, color=INK, parse_math=False)  # fmt: skip
        tops.append(chart.decision)

    known = [(x_of(d, chart.year), v) for d, v in chart.points if v is not None]
    if known:
        (series,) = ax.plot([x for x, _ in known], [v for _, v in known], color=COLOURS["settled"],
                            linewidth=2.4, marker="o", markersize=6)  # fmt: skip
        series.set_gid("settled")
        tops.extend(v for _, v in known)
        if len(known) <= MAX_LABELS:
            for x, v in known:
                text = ax.annotate(lab.number(v), (x, v), xytext=(0, 8), textcoords="offset points",
                                   ha="center", fontsize=FONT, color=INK)  # fmt: skip
                text.set_gid(f"value:{int(x)}")

    if chart.projection is not None:
        p = chart.projection
        x0 = x_of(p.start, chart.year)
        shade = ax.fill_between([x0, length], [p.settled, p.low], [p.settled, p.high],
                                color=PROJECTION, alpha=0.18, linewidth=0)  # fmt: skip
        shade.set_gid("projection")
        for end in (p.low, p.high):
            ax.plot([x0, length], [p.settled, end], color=PROJECTION, linewidth=1, alpha=0.7)
        ax.text(length, (p.low + p.high) / 2,
                f" {lab.number(p.low)}" + ("" if p.low == p.high else f"–{lab.number(p.high)}"),
                va="center", ha="left",
                fontsize=FONT, color=MUTED, parse_math=False)  # fmt: skip
        tops.append(p.high)

    if chart.batches:
        xs = [0.0] + [x_of(d, chart.year) for d, _ in chart.batches] + [float(length)]
        ys = [0] + [n for _, n in chart.batches]
        ys.append(ys[-1])
        (steps,) = ax.plot(xs, ys, color=BATCHES, linewidth=2, drawstyle="steps-post")
        steps.set_gid("batches")
        ax.text(length, ys[-1], f" {lab.number(ys[-1])}", va="center", ha="left",
                fontsize=FONT, color=BATCHES, parse_math=False)  # fmt: skip
        tops.append(ys[-1])

    days = [d for d, _ in chart.points]
    _date_axis(ax, chart, days)
    ax.set_ylim(0, max(tops) * 1.12 or 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: lab.number(round(v))))
    ax.set_ylabel(lab.value_axis, fontsize=TICK, color=MUTED)
    ax.set_xlabel(lab.date_axis, fontsize=TICK, color=MUTED)
    ax.tick_params(labelsize=TICK, colors=MUTED, labelcolor=INK)
    ax.grid(axis="y", color=GRID, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _legend(fig, chart, left / w_in - 0.01, (h_in - top - legend_room + 0.15) / h_in)
    canvas.draw()  # lay the text out now, so that a caller may inspect it
    return fig


def _date_axis(ax: object, chart: PaceChart, days: list[date]) -> None:
    """Ticks at the snapshots' dates (every one labelled up to MAX_LABELS, then evenly
    chosen ones), and at 1 January and 31 December."""
    lab = chart.labels
    length = year_length(chart.year)
    step = max(1, -(-len(days) // MAX_LABELS))
    labelled = {d for i, d in enumerate(days) if i % step == 0 or i == len(days) - 1}
    ticks = [(0.0, lab.day(date(chart.year, 1, 1)))]
    ticks += [(x_of(d, chart.year), lab.day(d) if d in labelled else "") for d in days]
    ticks.append((float(length), lab.day(date(chart.year, 12, 31))))
    ticks.sort()
    ax.set_xticks([x for x, _ in ticks], [text for _, text in ticks])  # type: ignore[attr-defined]
    ax.tick_params(axis="x", labelrotation=0)  # type: ignore[attr-defined]


def _legend(fig: Figure, chart: PaceChart, x: float, y: float) -> None:
    lab = chart.labels
    handles: list[object] = [
        Line2D([], [], color=COLOURS["settled"], marker="o", linewidth=2.4, label=lab.settled)
    ]
    if chart.decision is not None:
        handles.append(Line2D([], [], color=LINE, linestyle=(0, (6, 3)), label=lab.line))
        handles.append(Line2D([], [], color=INK, linestyle=(0, (2, 2)), label=lab.decision))
    if chart.projection is not None:
        handles.append(Patch(color=PROJECTION, alpha=0.3, label=lab.projection))
    if chart.batches:
        handles.append(Line2D([], [], color=BATCHES, linewidth=2, label=lab.batches))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(x, y), ncols=2,
               frameon=False, fontsize=FONT, handlelength=1.8, columnspacing=1.4,
               borderaxespad=0)  # fmt: skip
