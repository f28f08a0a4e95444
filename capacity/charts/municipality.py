"""One municipality (or the country): request, decision and settled per year as upright
bars, and the planning year's spare and reserved places in a card of their own."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from capacity.charts.draw import (
    COLOURS,
    FONT,
    INK,
    MUTED,
    TICK,
    box,
    fig_text,
    fit_horizontal,
    fit_vertical,
    header,
    legend,
    new_figure,
    rounded,
    unknown,
    value_axis,
)
from capacity.charts.model import Labels, MunicipalityChart, Planning

SERIES = ("request", "decision", "settled")
MARKS = ("*", "**", "***", "†", "‡")


def municipality(chart: MunicipalityChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    fig, canvas = new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()
    top = header(fig, chart.title, chart.caption)

    noted = [y for y in chart.years if y.note]
    marks = {y.year: MARKS[i % len(MARKS)] for i, y in enumerate(noted)}
    footnotes = [f"{marks[y.year]} {y.year}: {y.note}" for y in noted]
    bottom = 0.78 + 0.24 * len(footnotes)
    for i, note in enumerate(footnotes):
        fig_text(fig, 0.25, 0.14 + 0.24 * (len(footnotes) - 1 - i), note, FONT, MUTED)

    left = 1.0
    split = w_in - 3.25 if chart.planning is not None else w_in - 0.3
    ax = fig.add_axes(box(fig, left, bottom, split - left, h_in - top - 0.45 - bottom))
    legend(
        fig,
        [(COLOURS[s], getattr(lab, s)) for s in SERIES],
        left / w_in - 0.01,
        (h_in - top - 0.42) / h_in,
    )

    n = len(chart.years)
    bar = 0.27
    ax.set_xlim(-0.6, max(n, 1) - 0.4)
    values: list[tuple[Any, float]] = []  # (value label text, bar top)
    for i, y in enumerate(chart.years):
        for k, series in enumerate(SERIES):
            x = i + (k - 1) * bar
            value = getattr(y, series)
            gid = f"{y.year}:{series}"
            if value is None:
                unknown(ax, x, 0, lab.unknown, gid, rotation=90)
                continue
            (patch,) = ax.bar(x, value, bar * 0.92, color=COLOURS[series]).patches
            patch.set_gid(f"bar:{gid}")
            text = ax.text(x, value, lab.number(value), ha="center", va="bottom", fontsize=FONT)
            text.set_gid(f"value:{gid}")
            values.append((text, value))
    ax.set_xticks(range(n), [f"{y.year}{marks.get(y.year, '')}" for y in chart.years])
    ax.set_xlabel(lab.year_axis, fontsize=TICK, color=MUTED)
    ax.set_ylabel(lab.value_axis, fontsize=TICK, color=MUTED)
    value_axis(ax, "y", lab)
    fit_vertical(fig, canvas, ax, values, slot=bar)

    if chart.planning is not None:
        planning_card(fig, canvas, chart.planning, lab, split + 0.3, bottom, top)
    return fig


def planning_card(
    fig: Figure,
    canvas: FigureCanvasAgg,
    planning: Planning,
    lab: Labels,
    left: float,
    bottom: float,
    top: float,
) -> None:
    """The planning year's spare and reserved places as two labelled horizontal bars, on a
    scale of their own, and what remains in large type."""
    w_in, h_in = fig.get_size_inches()
    card_top = h_in - top - 0.45
    fig.add_artist(
        rounded(fig, left - 0.15, bottom - 0.55, w_in - left - 0.1, card_top - bottom + 1.15)
    )
    fig_text(fig, left, card_top + 0.2, lab.planning.format(year=planning.year), 13, INK, "bold")
    ax = fig.add_axes(box(fig, left, bottom + 0.5, w_in - left - 0.3, card_top - bottom - 0.8))
    ax.set_facecolor("none")
    rows: tuple[tuple[str, int | None], ...] = (
        ("spare", planning.spare),
        ("reserved", planning.reserved),
    )
    if planning.settled:  # places settled batches use: a bar of their own
        rows = (*rows, ("settled_batches", planning.settled))
    ax.set_ylim(-0.6, len(rows) * 1.0 - 0.1)
    ax.set_xlim(0, 1)
    values = []
    for i, (series, value) in enumerate(rows):
        y = len(rows) - 1 - i
        ax.text(0, y + 0.3, getattr(lab, series), fontsize=FONT + 1, va="bottom", color=INK)
        gid = f"{planning.year}:{series}"
        if value is None:
            unknown(ax, 0, y, lab.unknown, gid, ha="left", va="center")
            continue
        (patch,) = ax.barh(y, value, 0.5, color=COLOURS[series]).patches
        patch.set_gid(f"bar:{gid}")
        text = ax.text(value, y, " " + lab.number(value), va="center", fontsize=TICK + 1)
        text.set_gid(f"value:{gid}")
        text.set_fontweight("bold")
        values.append((text, value))
    fit_horizontal(canvas, ax, values)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED)
    ax.set_xticks([])
    ax.set_yticks([])
    remaining = f"{lab.remaining}: {lab.value(planning.remaining)}"
    if not planning.overbooked:
        fig_text(fig, left, bottom - 0.3, remaining, 15, INK, "bold")
        return
    # never a negative number: 0 left, and by how many it is overbooked on a line below
    over = lab.overbooked.format(n=lab.number(planning.overbooked))
    fig_text(fig, left, bottom - 0.05, remaining, 15, COLOURS["overbooked"], "bold")
    fig_text(fig, left, bottom - 0.4, over[:1].upper() + over[1:], 13, COLOURS["overbooked"])
