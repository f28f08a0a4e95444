"""Drawing pieces the charts share: colours, sizes, text placed in inches, value axes, and
room made for value labels. matplotlib's object API only (no pyplot, no rcParams)."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from capacity.charts.model import Labels

# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
COLOURS = {
    "request": "#56B4E9",  # sky blue
    "decision": "#0072B2",  # blue
    "settled": "#E69F00",  # orange
    "spare": "#009E73",  # green
    "reserved": "#CC79A7",  # reddish purple
    "remaining": "#0072B2",  # blue
    "settled_batches": "#000000",  # black: places settled batches use
    "overbooked": "#D55E00",  # vermillion: the label of a place overbooked
}
INK = "#222222"
MUTED = "#666666"
GRID = "#DDDDDD"
CARD = "#F3F5F7"

FONT = 11  # points: the smallest text on a chart
TICK = 12
TITLE = 15


def new_figure(width: int, height: int, dpi: int) -> tuple[Figure, FigureCanvasAgg]:
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    return fig, FigureCanvasAgg(fig)


def box(fig: Figure, left: float, bottom: float, width: float, height: float) -> list[float]:
    """Inches from the lower left corner to figure fractions."""
    w_in, h_in = fig.get_size_inches()
    return [left / w_in, bottom / h_in, max(width, 0.1) / w_in, max(height, 0.1) / h_in]


def fig_text(
    fig: Figure,
    x: float,
    y: float,
    text: str,
    size: float,
    colour: str = INK,
    weight: str = "normal",
    va: str = "bottom",
) -> Any:
    w_in, h_in = fig.get_size_inches()
    return fig.text(
        x / w_in,
        y / h_in,
        text,
        fontsize=size,
        color=colour,
        fontweight=weight,
        va=va,
        ha="left",
        parse_math=False,
    )


def header(fig: Figure, title: str, caption: str | None, caption_colour: str = MUTED) -> float:
    """Title and caption at the top left; returns the inches they take."""
    _, h_in = fig.get_size_inches()
    fig_text(fig, 0.25, h_in - 0.15, title, TITLE, INK, "bold", va="top")
    top = 0.55
    if caption:
        lines = caption.count("\n") + 1
        fig_text(fig, 0.25, h_in - top, caption, FONT + 1, caption_colour, va="top")
        top += 0.24 * lines + 0.05
    return top


def rounded(fig: Figure, left: float, bottom: float, width: float, height: float) -> Any:
    x0, y0, w, h = box(fig, left, bottom, width, height)
    return FancyBboxPatch(
        (x0, y0),
        w,
        h,
        boxstyle="round,pad=0,rounding_size=0.012",
        transform=fig.transFigure,
        facecolor=CARD,
        edgecolor="none",
        zorder=-1,
    )


def unknown(ax: Any, x: float, y: float, word: str, gid: str, **kw: Any) -> None:
    """An unknown figure: no bar, the word (e.g. "ukjent") where the bar would start."""
    text = ax.text(
        x,
        y,
        word,
        fontsize=FONT,
        color=MUTED,
        style="italic",
        ha=kw.pop("ha", "center"),
        va=kw.pop("va", "bottom"),
        parse_math=False,
        **kw,
    )
    text.set_gid(f"unknown:{gid}")


def value_axis(ax: Any, which: str, lab: Labels) -> None:
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=3))
    axis.set_major_formatter(FuncFormatter(lambda v, _: lab.number(round(v))))
    ax.tick_params(labelsize=TICK, colors=INK)
    ax.tick_params(axis=which, colors=MUTED, labelcolor=INK)
    ax.grid(axis=which, color=GRID, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left" if which == "x" else "bottom"].set_color(MUTED)
    ax.spines["bottom" if which == "x" else "left"].set_visible(False)


def fit_vertical(
    fig: Figure, canvas: FigureCanvasAgg, ax: Any, values: list[tuple[Any, float]], slot: float
) -> None:
    """Room above the bars for their value labels; the labels turned upright when side by
    side they would run into each other."""
    renderer = canvas.get_renderer()
    x0, x1 = ax.get_xlim()
    slot_px = slot * ax.bbox.width / (x1 - x0)
    if any(t.get_window_extent(renderer).width > slot_px * 0.98 for t, _ in values):
        for text, _ in values:
            text.set_rotation(90)
    top = max((v for _, v in values), default=0)
    low = min(0, min((v for _, v in values), default=0))
    need = top * 1.04 or 1
    height = ax.bbox.height
    for text, value in values:
        share = (text.get_window_extent(renderer).height + 4) / height
        if value > 0 and share < 0.9:
            need = max(need, low + (value - low) / (1 - share))
    ax.set_ylim(low, need)


def fit_horizontal(canvas: FigureCanvasAgg, ax: Any, values: list[tuple[Any, float]]) -> None:
    """Room beside the bars' ends for their value labels, on both sides of zero."""
    renderer = canvas.get_renderer()
    width = ax.bbox.width
    high = max((v for _, v in values), default=0)
    low = min((v for _, v in values), default=0)
    right, left = max(high, 0) * 1.02 or 1, min(low, 0) * 1.02
    for _ in range(3):  # the labels' share of the axis depends on the limits: settle it
        span = right - left
        for text, value in values:
            share = (text.get_window_extent(renderer).width + 6) / width
            if share >= 0.8:
                continue
            if value > 0:
                right = max(right, left + (value - left) / (1 - share))
            elif value < 0:
                left = min(left, right - (right - value) / (1 - share))
        if right - left == span:
            break
    ax.set_xlim(left, right)


def width_in(fig: Figure, renderer: Any, text: str, size: float) -> float:
    probe = fig.text(0, 0, text, fontsize=size, parse_math=False)
    width = probe.get_window_extent(renderer).width / fig.dpi
    probe.remove()
    return width


def legend(fig: Figure, entries: list[tuple[str, str]], x: float, y: float) -> None:
    """One row of colour keys (colour, label) above the plot, its left edge at x, y
    (fractions of the figure)."""
    fig.legend(
        handles=[Patch(color=colour, label=label) for colour, label in entries],
        loc="lower left",
        bbox_to_anchor=(x, y),
        ncols=len(entries),
        frameon=False,
        fontsize=TICK,
        handlelength=1.2,
        columnspacing=1.6,
        borderaxespad=0,
    )
