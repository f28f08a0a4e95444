"""PNG charts of settlement figures, for posting in Slack and writing from the CLI.

Pure rendering (`render`): the caller passes the figures and every text already
translated (`Labels.of(language)` reads them from the catalogues), and gets PNG bytes,
their size and an alt text for screen readers. `capacity.charts.build` makes the charts
from the core's answers: a municipality's years, the country's, or a group's places.

Uses matplotlib's object API only (`Figure` + `FigureCanvasAgg`), never `pyplot` and never
the global rcParams, so that several threads can render at once: each call builds its own
figure and shares no state with the others (matplotlib keys its font cache on the thread).

Modules: `model` (the charts' data and labels), `draw` (shared drawing pieces),
`municipality` and `network` (the two kinds), `render` (PNG and alt text), `build`.
"""

from __future__ import annotations

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
from capacity.charts.render import alt_text, figure, render

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
