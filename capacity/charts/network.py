"""Municipalities side by side: reported spare places, reserved, settled via batches (when
any) and remaining as horizontal bars, most room first, with the totals under the title.
An overbooked municipality's remaining bar is 0, labelled with by how many."""

from __future__ import annotations

import textwrap
from typing import Any

from matplotlib.figure import Figure

from capacity.charts.draw import (
    COLOURS,
    FONT,
    INK,
    MUTED,
    TICK,
    box,
    fit_horizontal,
    header,
    legend,
    new_figure,
    unknown,
    value_axis,
    width_in,
)
from capacity.charts.model import NetworkChart, sorted_rows, total_text

NETWORK = (("reported", "spare"), ("reserved", "reserved"), ("remaining", "remaining"))
SETTLED = ("settled", "settled_batches")  # between reserved and remaining, when any
ROW_INCHES = 0.62  # one municipality's bars and the gap after them


def series(chart: NetworkChart) -> tuple[tuple[str, str], ...]:
    """The bars of a row: (the row's attribute, the colour and label key)."""
    return (*NETWORK[:2], SETTLED, NETWORK[2]) if chart.settled else NETWORK


def totals_line(chart: NetworkChart) -> str:
    """ "Sum: Ledige plasser (rapportert) 293 · Reservert 20 · Ledige nå 273 (overbooket
    med 10)": the totals as every surface gives them."""
    lab, totals = chart.labels, chart.totals()
    parts = [f"{lab.spare} {total_text(totals.reported, lab)}",
             f"{lab.reserved} {total_text(totals.reserved, lab)}"]  # fmt: skip
    if chart.settled:
        parts.append(f"{lab.settled_batches} {total_text(totals.settled, lab)}")
    remaining = total_text(totals.remaining, lab)
    if totals.overbooked:
        remaining += f" ({lab.overbooked.format(n=lab.number(totals.overbooked))})"
    parts.append(f"{lab.remaining} {remaining}")
    return f"{lab.total}: " + " · ".join(parts)


def network(chart: NetworkChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    rows = sorted_rows(chart.rows)
    chrome = 2.05  # inches of title, totals, legend, axis
    height = max(height, round((chrome + ROW_INCHES * len(rows)) * dpi))
    fig, canvas = new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()

    caption = totals_line(chart) + (f"\n{chart.caption}" if chart.caption else "")
    top = header(fig, chart.title, caption, caption_colour=INK)

    names = ["\n".join(textwrap.wrap(r.name, 24)) or "?" for r in rows]
    renderer = canvas.get_renderer()
    name_width = max((width_in(fig, renderer, name, TICK) for name in names), default=0.5)
    left = 0.4 + name_width
    bottom = 0.75
    ax = fig.add_axes(box(fig, left, bottom, w_in - left - 0.35, h_in - top - 0.5 - bottom))
    bars = series(chart)
    legend(
        fig,
        [(COLOURS[c], getattr(lab, c)) for _, c in bars],
        left / w_in - 0.01,
        (h_in - top - 0.45) / h_in,
    )

    bar = 0.78 / len(bars)
    values: list[tuple[Any, float]] = []
    for i, row in enumerate(rows):
        for k, (attr, colour_key) in enumerate(bars):
            y = i + (k - (len(bars) - 1) / 2) * bar
            value = getattr(row, attr)
            gid = f"{row.name}:{attr}"
            if value is None:
                unknown(ax, 0, y, lab.unknown, gid, ha="left", va="center")
                continue
            over = row.overbooked if attr == "remaining" else 0
            (patch,) = ax.barh(y, value, bar * 0.9, color=COLOURS[colour_key]).patches
            patch.set_gid(f"bar:{gid}")
            pad = "\u2009"
            label = pad + (lab.left(value, over) if attr == "remaining" else lab.number(value))
            colour = COLOURS["overbooked"] if over else INK
            text = ax.text(value, y, label + pad, ha="left", va="center", fontsize=FONT,
                           color=colour)  # fmt: skip
            text.set_gid(f"value:{gid}")
            values.append((text, value))
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # the first row on top
    ax.set_yticks(range(len(rows)), names)
    ax.tick_params(axis="y", length=0, labelsize=TICK, pad=8)
    ax.set_xlabel(lab.value_axis, fontsize=TICK, color=MUTED)
    value_axis(ax, "x", lab)
    fit_horizontal(canvas, ax, values)
    ax.spines["left"].set_visible(False)
    ax.axvline(0, color=MUTED, linewidth=1)
    return fig
