"""PNG charts of settlement figures, for posting in Slack.

Pure rendering: the caller passes the figures and every text already translated (Labels has
ready presets for Bokmål, Nynorsk and English, or build your own), and gets PNG bytes, their
size and an alt text for screen readers.

Uses matplotlib's object API only (`Figure` + `FigureCanvasAgg`), never `pyplot` and never
the global rcParams, so that several threads can render at once: each call builds its own
figure and shares no state with the others (matplotlib keys its font cache on the thread).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "ALT_TEXT_LIMIT",
    "Labels",
    "MunicipalityChart",
    "NetworkChart",
    "NetworkRow",
    "Planning",
    "Rendered",
    "YearFigures",
    "figure",
    "render",
]

ALT_TEXT_LIMIT = 1000  # Slack refuses a longer alt_txt (alt_txt_too_large)

# Okabe-Ito colours: told apart with the common colour-vision deficiencies.
COLOURS = {
    "request": "#56B4E9",  # sky blue
    "decision": "#0072B2",  # blue
    "settled": "#E69F00",  # orange
    "spare": "#009E73",  # green
    "reserved": "#CC79A7",  # reddish purple
    "remaining": "#0072B2",  # blue
    "overbooked": "#D55E00",  # vermillion: remaining below zero
}
INK = "#222222"
MUTED = "#666666"
GRID = "#DDDDDD"
CARD = "#F3F5F7"

FONT = 11  # points: the smallest text on a chart
TICK = 12
TITLE = 15


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0").replace("-", "\u2212")


def _english(value: int) -> str:
    return f"{value:,}".replace("-", "\u2212")


@dataclass(frozen=True)
class Labels:
    """Every text a chart shows, in one language, and how numbers are written.

    `planning` and `more` are templates: `planning.format(year=2020)`, `more.format(n=3)`.
    """

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
    number: Callable[[int], str] = _grouped

    @classmethod
    def nb(cls, number: Callable[[int], str] = _grouped) -> Labels:
        return cls(
            year_axis="År",
            value_axis="Personer",
            request="Anmodning",
            decision="Vedtak",
            settled="Bosatt",
            spare="Ledige plasser (rapportert)",
            reserved="Reservert",
            remaining="Ledige nå",
            unknown="ukjent",
            planning="Planår {year}",
            total="Sum",
            bar_chart="Søylediagram",
            more="og {n} til",
            number=number,
        )

    @classmethod
    def nn(cls, number: Callable[[int], str] = _grouped) -> Labels:
        return cls(
            year_axis="År",
            value_axis="Personar",
            request="Oppmoding",
            decision="Vedtak",
            settled="Busett",
            spare="Ledige plassar (rapportert)",
            reserved="Reservert",
            remaining="Ledige no",
            unknown="ukjend",
            planning="Planår {year}",
            total="Sum",
            bar_chart="Søylediagram",
            more="og {n} til",
            number=number,
        )

    @classmethod
    def en(cls, number: Callable[[int], str] = _english) -> Labels:
        return cls(
            year_axis="Year",
            value_axis="Persons",
            request="Request",
            decision="Decision",
            settled="Settled",
            spare="Spare places (reported)",
            reserved="Reserved",
            remaining="Spare now",
            unknown="unknown",
            planning="Planning year {year}",
            total="Total",
            bar_chart="Bar chart",
            more="and {n} more",
            number=number,
        )

    def value(self, value: int | None) -> str:
        return self.unknown if value is None else self.number(value)


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
    """The planning year's reported spare places and the reservations against them."""

    year: int
    spare: int | None
    reserved: int | None

    @property
    def remaining(self) -> int | None:
        if self.spare is None or self.reserved is None:
            return None
        return self.spare - self.reserved


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
    name: str
    reported: int | None
    reserved: int | None
    remaining: int | None


@dataclass(frozen=True)
class NetworkChart:
    """Municipalities side by side: reported spare places, reserved and remaining."""

    title: str  # "KS storbynettverk 2020"
    rows: Sequence[NetworkRow]
    labels: Labels
    caption: str | None = None  # a source line, after the totals

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))

    def totals(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(sum of the known values, count of unknown) for reported, reserved, remaining."""

        def column(values: Iterable[int | None]) -> tuple[int, int]:
            values = list(values)
            return sum(v for v in values if v is not None), sum(v is None for v in values)

        return (
            column(r.reported for r in self.rows),
            column(r.reserved for r in self.rows),
            column(r.remaining for r in self.rows),
        )


@dataclass(frozen=True)
class Rendered:
    png: bytes = field(repr=False)
    width: int  # pixels
    height: int
    alt_text: str


Chart = MunicipalityChart | NetworkChart


def render(chart: Chart, *, width: int = 1200, height: int = 700, dpi: int = 120) -> Rendered:
    """The chart as a PNG of `width` × `height` pixels (a network chart of many rows grows
    taller), with its alt text. Safe to call from several threads at once."""
    fig = figure(chart, width=width, height=height, dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    w, h = fig.canvas.get_width_height()
    return Rendered(png=buffer.getvalue(), width=w, height=h, alt_text=alt_text(chart))


def figure(chart: Chart, *, width: int = 1200, height: int = 700, dpi: int = 120) -> Figure:
    """The chart as a matplotlib Figure (with an Agg canvas), for inspection or other output.

    Bars carry gids `bar:<key>:<series>`, unknown marks `unknown:<key>:<series>`."""
    if isinstance(chart, MunicipalityChart):
        return _municipality(chart, width, height, dpi)
    if isinstance(chart, NetworkChart):
        return _network(chart, width, height, dpi)
    raise TypeError(f"not a chart: {type(chart).__name__}")


def alt_text(chart: Chart) -> str:
    """A sentence or a few naming every number, in the labels' language; at most 1000
    characters (later rows are summarised as "and N more")."""
    lab = chart.labels
    if isinstance(chart, MunicipalityChart):
        head = f"{lab.bar_chart}: {chart.title}."
        items = []
        for y in chart.years:
            when = f"{y.year} ({y.note})" if y.note else str(y.year)
            items.append(
                f"{when}: {_lower(lab.request)} {lab.value(y.request)}, "
                f"{_lower(lab.decision)} {lab.value(y.decision)}, "
                f"{_lower(lab.settled)} {lab.value(y.settled)}."
            )
        tail = ""
        if chart.planning is not None:
            p = chart.planning
            tail = (
                f"{lab.planning.format(year=p.year)}: {_lower(lab.spare)} {lab.value(p.spare)}, "
                f"{_lower(lab.reserved)} {lab.value(p.reserved)}, "
                f"{_lower(lab.remaining)} {lab.value(p.remaining)}."
            )
        return _within(head + (" " + tail if tail else ""), items, lab, at=len(head))
    if isinstance(chart, NetworkChart):
        reported, reserved, remaining = chart.totals()
        head = (
            f"{lab.bar_chart}: {chart.title}. {lab.total}: {_lower(lab.spare)} "
            f"{_total(reported, lab)}, {_lower(lab.reserved)} {_total(reserved, lab)}, "
            f"{_lower(lab.remaining)} {_total(remaining, lab)}."
        )
        items = [
            f"{r.name}: {_lower(lab.spare)} {lab.value(r.reported)}, "
            f"{_lower(lab.reserved)} {lab.value(r.reserved)}, "
            f"{_lower(lab.remaining)} {lab.value(r.remaining)}."
            for r in _sorted_rows(chart.rows)
        ]
        return _within(head, items, lab, at=len(head))
    raise TypeError(f"not a chart: {type(chart).__name__}")


# --- municipality chart ----------------------------------------------------------------


SERIES = ("request", "decision", "settled")
MARKS = ("*", "**", "***", "†", "‡")


def _municipality(chart: MunicipalityChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    fig, canvas = _new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()
    top = _header(fig, chart.title, chart.caption)

    noted = [y for y in chart.years if y.note]
    marks = {y.year: MARKS[i % len(MARKS)] for i, y in enumerate(noted)}
    footnotes = [f"{marks[y.year]} {y.year}: {y.note}" for y in noted]
    bottom = 0.78 + 0.24 * len(footnotes)
    for i, note in enumerate(footnotes):
        _fig_text(fig, 0.25, 0.14 + 0.24 * (len(footnotes) - 1 - i), note, FONT, MUTED)

    left = 1.0
    split = w_in - 3.25 if chart.planning is not None else w_in - 0.3
    ax = fig.add_axes(_box(fig, left, bottom, split - left, h_in - top - 0.45 - bottom))
    handles = [Patch(color=COLOURS[s], label=getattr(lab, s)) for s in SERIES]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(left / w_in - 0.01, (h_in - top - 0.42) / h_in),
        ncols=len(handles),
        frameon=False,
        fontsize=TICK,
        handlelength=1.2,
        columnspacing=1.6,
        borderaxespad=0,
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
                _unknown(ax, x, 0, lab.unknown, gid, rotation=90)
                continue
            (patch,) = ax.bar(x, value, bar * 0.92, color=COLOURS[series]).patches
            patch.set_gid(f"bar:{gid}")
            text = ax.text(x, value, lab.number(value), ha="center", va="bottom", fontsize=FONT)
            text.set_gid(f"value:{gid}")
            values.append((text, value))
    ax.set_xticks(range(n), [f"{y.year}{marks.get(y.year, '')}" for y in chart.years])
    ax.set_xlabel(lab.year_axis, fontsize=TICK, color=MUTED)
    ax.set_ylabel(lab.value_axis, fontsize=TICK, color=MUTED)
    _value_axis(ax, "y", lab)
    _fit_vertical(fig, canvas, ax, values, slot=bar)

    if chart.planning is not None:
        _planning_card(fig, canvas, chart.planning, lab, split + 0.3, bottom, top)
    return fig


def _planning_card(
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
        _rounded(fig, left - 0.15, bottom - 0.55, w_in - left - 0.1, card_top - bottom + 1.15)
    )
    _fig_text(fig, left, card_top + 0.2, lab.planning.format(year=planning.year), 13, INK, "bold")
    ax = fig.add_axes(_box(fig, left, bottom + 0.5, w_in - left - 0.3, card_top - bottom - 0.8))
    ax.set_facecolor("none")
    rows = (("spare", planning.spare), ("reserved", planning.reserved))
    ax.set_ylim(-0.6, len(rows) * 1.0 - 0.1)
    ax.set_xlim(0, 1)
    values = []
    for i, (series, value) in enumerate(rows):
        y = len(rows) - 1 - i
        ax.text(0, y + 0.3, getattr(lab, series), fontsize=FONT + 1, va="bottom", color=INK)
        gid = f"{planning.year}:{series}"
        if value is None:
            _unknown(ax, 0, y, lab.unknown, gid, ha="left", va="center")
            continue
        (patch,) = ax.barh(y, value, 0.5, color=COLOURS[series]).patches
        patch.set_gid(f"bar:{gid}")
        text = ax.text(value, y, " " + lab.number(value), va="center", fontsize=TICK + 1)
        text.set_gid(f"value:{gid}")
        text.set_fontweight("bold")
        values.append((text, value))
    _fit_horizontal(canvas, ax, values)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(MUTED)
    ax.set_xticks([])
    ax.set_yticks([])
    remaining = planning.remaining
    colour = COLOURS["overbooked"] if remaining is not None and remaining < 0 else INK
    _fig_text(
        fig, left, bottom - 0.3, f"{lab.remaining}: {lab.value(remaining)}", 15, colour, "bold"
    )


# --- network chart ---------------------------------------------------------------------


NETWORK = (("reported", "spare"), ("reserved", "reserved"), ("remaining", "remaining"))
ROW_INCHES = 0.62  # one municipality's three bars and the gap after them


def _network(chart: NetworkChart, width: int, height: int, dpi: int) -> Figure:
    lab = chart.labels
    rows = _sorted_rows(chart.rows)
    chrome = 2.05  # inches of title, totals, legend, axis
    height = max(height, round((chrome + ROW_INCHES * len(rows)) * dpi))
    fig, canvas = _new_figure(width, height, dpi)
    w_in, h_in = fig.get_size_inches()

    reported, reserved, remaining = chart.totals()
    totals = (
        f"{lab.total}: {lab.spare} {_total(reported, lab)} · {lab.reserved} "
        f"{_total(reserved, lab)} · {lab.remaining} {_total(remaining, lab)}"
    )
    caption = totals + (f"\n{chart.caption}" if chart.caption else "")
    top = _header(fig, chart.title, caption, caption_colour=INK)

    names = ["\n".join(textwrap.wrap(r.name, 24)) or "?" for r in rows]
    renderer = canvas.get_renderer()
    name_width = max((_width_in(fig, renderer, name, TICK) for name in names), default=0.5)
    left = 0.4 + name_width
    bottom = 0.75
    ax = fig.add_axes(_box(fig, left, bottom, w_in - left - 0.35, h_in - top - 0.5 - bottom))
    handles = [Patch(color=COLOURS[c], label=getattr(lab, c)) for _, c in NETWORK]
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(left / w_in - 0.01, (h_in - top - 0.45) / h_in),
        ncols=len(handles),
        frameon=False,
        fontsize=TICK,
        handlelength=1.2,
        columnspacing=1.6,
        borderaxespad=0,
    )

    bar = 0.26
    values: list[tuple[Any, float]] = []
    for i, row in enumerate(rows):
        for k, (attr, colour_key) in enumerate(NETWORK):
            y = i + (k - 1) * bar
            value = getattr(row, attr)
            gid = f"{row.name}:{attr}"
            if value is None:
                _unknown(ax, 0, y, lab.unknown, gid, ha="left", va="center")
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
    _value_axis(ax, "x", lab)
    _fit_horizontal(canvas, ax, values)
    ax.spines["left"].set_visible(False)
    ax.axvline(0, color=MUTED, linewidth=1)
    return fig


def _sorted_rows(rows: Iterable[NetworkRow]) -> list[NetworkRow]:
    """Most remaining first, then most reported; unknown after known."""

    def key(row: NetworkRow) -> tuple[Any, ...]:
        return (
            row.remaining is None,
            -(row.remaining or 0),
            row.reported is None,
            -(row.reported or 0),
            row.name,
        )

    return sorted(rows, key=key)


# --- shared pieces ---------------------------------------------------------------------


def _new_figure(width: int, height: int, dpi: int) -> tuple[Figure, FigureCanvasAgg]:
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor="white")
    return fig, FigureCanvasAgg(fig)


def _box(fig: Figure, left: float, bottom: float, width: float, height: float) -> list[float]:
    """Inches from the lower left corner to figure fractions."""
    w_in, h_in = fig.get_size_inches()
    return [left / w_in, bottom / h_in, max(width, 0.1) / w_in, max(height, 0.1) / h_in]


def _fig_text(
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


def _header(fig: Figure, title: str, caption: str | None, caption_colour: str = MUTED) -> float:
    """Title and caption at the top left; returns the inches they take."""
    _, h_in = fig.get_size_inches()
    _fig_text(fig, 0.25, h_in - 0.15, title, TITLE, INK, "bold", va="top")
    top = 0.55
    if caption:
        lines = caption.count("\n") + 1
        _fig_text(fig, 0.25, h_in - top, caption, FONT + 1, caption_colour, va="top")
        top += 0.24 * lines + 0.05
    return top


def _rounded(fig: Figure, left: float, bottom: float, width: float, height: float) -> Any:
    from matplotlib.patches import FancyBboxPatch

    x0, y0, w, h = _box(fig, left, bottom, width, height)
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


def _unknown(ax: Any, x: float, y: float, word: str, gid: str, **kw: Any) -> None:
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


def _value_axis(ax: Any, which: str, lab: Labels) -> None:
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


def _fit_vertical(
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


def _fit_horizontal(canvas: FigureCanvasAgg, ax: Any, values: list[tuple[Any, float]]) -> None:
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


def _width_in(fig: Figure, renderer: Any, text: str, size: float) -> float:
    probe = fig.text(0, 0, text, fontsize=size, parse_math=False)
    width = probe.get_window_extent(renderer).width / fig.dpi
    probe.remove()
    return width


def _total(column: tuple[int, int], lab: Labels) -> str:
    known, unknown = column
    if unknown and not known:
        return lab.unknown
    return lab.number(known) + (f" (+{unknown} {lab.unknown})" if unknown else "")


def _lower(label: str) -> str:
    """A label inside a sentence: "Anmodning" as "anmodning", but "IMDi" and "KS" kept."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


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
