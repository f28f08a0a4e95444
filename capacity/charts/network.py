"""Municipalities side by side: reported spare places, reserved and remaining as
horizontal bars, most room first, with the totals under the title."""

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
ROW_INCHES = 0.62  # one municipality's three bars and the gap after them


def network(chart: NetworkChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    rows = sorted_rows(chart.rows)
    chrome = 2.05  # inches of title, totals, legend, axis
    height = max(height, round((chrome + ROW_INCHES * len(rows)) * dpi))
    fig, canvas = new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()

    reported, reserved, remaining = chart.totals()
    totals = (
        f"{lab.total}: {lab.spare} {total_text(reported, lab)} · {lab.reserved} "
        f"{total_text(reserved, lab)} · {lab.remaining} {total_text(remaining, lab)}"
    )
    caption = totals + (f"\n{chart.caption}" if chart.caption else "")
    top = header(fig, chart.title, caption, caption_colour=INK)

    names = ["\n".join(textwrap.wrap(r.name, 24)) or "?" for r in rows]
    renderer = canvas.get_renderer()
    name_width = max((width_in(fig, renderer, name, TICK) for name in names), default=0.5)
    left = 0.4 + name_width
    bottom = 0.75
    ax = fig.add_axes(box(fig, left, bottom, w_in - left - 0.35, h_in - top - 0.5 - bottom))
    legend(
        fig,
        [(COLOURS[c], getattr(lab, c)) for _, c in NETWORK],
        left / w_in - 0.01,
        (h_in - top - 0.45) / h_in,
    )

    bar = 0.26
    values: list[tuple[Any, float]] = []
    for i, row in enumerate(rows):
        for k, (attr, colour_key) in enumerate(NETWORK):
            y = i + (k - 1) * bar
            value = getattr(row, attr)
            gid = f"{row.name}:{attr}"
            if value is None:
                unknown(ax, 0, y, lab.unknown, gid, ha="left", va="center")
                continue
            colour = COLOURS["overbooked" if value < 0 else colour_key]
            (patch,) = ax.barh(y, value, bar * 0.9, color=colour).patches
            patch.set_gid(f"bar:{gid}")
            ha = "right" if value < 0 else "left"
            pad = "\u2009"
            label = pad + lab.number(value) + pad
            text = ax.text(value, y, label, ha=ha, va="center", fontsize=FONT)
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
