"""PNG charts of settlement figures, for posting in Slack and writing from the CLI.

Pure rendering (`render`): the caller passes the figures and every text already
translated (`Labels.of(language)` reads them from the catalogues), and gets PNG bytes,
their size and an alt text for screen readers. `capacity.charts.build` makes the charts
from the core's answers: a municipality's years, the country's, or a group's places.

Uses matplotlib's object API only (`Figure` + `FigureCanvasAgg`), never `pyplot` and never
the global rcParams, so that several threads can render at once: each call builds its own
figure and shares no state with the others (matplotlib keys its font cache on the thread).

Modules: `model` (the charts' data and labels), `draw` (shared drawing pieces),
`municipality` and `network` (the two kinds), `png` (PNG and alt text), `build`.

`render`, `figure` and `alt_text` are `png`'s, imported with matplotlib (and numpy) the
first time one is used: importing the package, or building a chart's data, does not
load them (a question to the bot never draws; they would add ~0.3 s to every start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capacity.charts.model import (
    ALT_TEXT_LIMIT,
    Chart,
    Labels,
    MunicipalityChart,
    NetworkChart,
    NetworkRow,
    Planning,
    Rendered,
    YearFigures,
)

if TYPE_CHECKING:
    from capacity.charts.png import alt_text, figure, render

_DRAWING = ("alt_text", "figure", "render")

__all__ = [
    "ALT_TEXT_LIMIT",
    "Chart",
    "Labels",
    "MunicipalityChart",
    "NetworkChart",
    "NetworkRow",
    "Planning",
    "Rendered",
    "YearFigures",
    "alt_text",
    "figure",
    "render",
]


def __getattr__(name: str) -> Any:
    """`render`, `figure`, `alt_text`: from `png`, with matplotlib, when first asked for."""
    if name in _DRAWING:
        from capacity.charts import png

        return getattr(png, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
