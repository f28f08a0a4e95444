"""The pace chart: settled at each snapshot joined by lines, the straight line to the
decision, the decision as a level, the projection's range shaded, the bot's own batches
beside; snapshot dates on the axis, Norwegian dates; alt text naming every number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from matplotlib.collections import PolyCollection

from capacity.charts import ALT_TEXT_LIMIT, figure, render
from capacity.charts.pace_model import PaceChart, PaceLabels, Projection

pytestmark = pytest.mark.slow  # matplotlib renders


def trondheim(language: str = "nb", **changes) -> PaceChart:
    values = {
        "title": "Trondheim (5001): bosatt gjennom 2023",
        "year": 2023,
        "decision": 730,
        "points": ((date(2023, 3, 31), 119), (date(2023, 6, 30), 238), (date(2023, 9, 25), 476)),
        "labels": PaceLabels.of(language),
        "batches": ((date(2023, 6, 15), 20),),
        "projection": Projection(date(2023, 9, 25), 476, 603, 741),
        "caption": "Kilde: IMDi",
    }
    return PaceChart(**{**values, **changes})


def gids(fig) -> set[str]:
    ax = fig.axes[0]
    return {a.get_gid() for a in [*ax.lines, *ax.collections, *ax.texts] if a.get_gid()}


def test_every_series_is_drawn_with_the_snapshot_dates_on_the_axis_in_norwegian():
    fig = figure(trondheim())
    assert {"settled", "line", "decision", "projection", "batches"} <= gids(fig)
    ax = fig.axes[0]
    settled = next(line for line in ax.lines if line.get_gid() == "settled")
    assert list(settled.get_ydata()) == [119, 238, 476]
    assert list(settled.get_xdata()) == [90, 181, 268]  # the days' ends
    line = next(line for line in ax.lines if line.get_gid() == "line")
    assert (list(line.get_xdata()), list(line.get_ydata())) == ([0, 365], [0, 730])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["01.01", "31.03", "30.06", "25.09", "31.12"]
    shade = next(c for c in ax.collections if c.get_gid() == "projection")
    assert isinstance(shade, PolyCollection)
    ys = shade.get_paths()[0].vertices[:, 1]
    assert min(ys) == 476 and max(ys) == 741


def test_the_alt_text_names_every_number():
    text = render(trondheim()).alt_text
    assert text == (
        "Linjediagram: Trondheim (5001): bosatt gjennom 2023. Vedtak 730; rett linje fra 0 "
        "den 1. januar til 730 den 31. desember. Bosatt (IMDi): 31.03.2023: 119, linja på 180; "
        "30.06.2023: 238, linja på 362; 25.09.2023: 476, linja på 536. Framskriving til 31. "
        "desember: 603–741. Bosatt via botens grupper: 15.06.2023: 20."
    )


def test_english_dates_on_the_axis_and_an_unknown_figure_named_not_drawn():
    chart = trondheim("en", points=((date(2023, 3, 31), None), (date(2023, 9, 25), 476)),
                      projection=None, batches=())  # fmt: skip
    fig = figure(chart)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "1 Jan", "31 Mar", "25 Sep", "31 Dec"]  # fmt: skip
    settled = next(line for line in fig.axes[0].lines if line.get_gid() == "settled")
    assert list(settled.get_ydata()) == [476]
    assert "31.03.2023: unknown, the line at 180" in render(chart).alt_text


def test_52_weekly_snapshots_stay_readable_and_the_alt_text_within_slacks_limit():
    weeks = tuple((date(2023, 1, 1) + timedelta(days=7 * i), 10 * i) for i in range(52))
    chart = trondheim(points=weeks)
    fig = figure(chart)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) <= 14  # every date a tick, a dozen of them written out
    text = render(chart).alt_text
    assert len(text) <= ALT_TEXT_LIMIT and "og " in text and text.endswith("20.")


def test_a_municipality_without_a_decision_has_no_line_and_no_level():
    fig = figure(trondheim(decision=None, projection=None))
    assert not {"line", "decision"} & gids(fig)
    rendered = render(trondheim(decision=None, projection=None), width=900, height=500)
    assert (rendered.width, rendered.height) == (900, 500)
    assert rendered.png.startswith(b"\x89PNG")


def test_a_projection_whose_ends_are_alike_is_said_and_drawn_as_one_number():
    chart = trondheim(projection=Projection(date(2023, 9, 25), 476, 649, 649))
    assert "Framskriving til 31. desember: 649." in render(chart).alt_text
    assert "649–649" not in render(chart).alt_text
    texts = [t.get_text() for t in figure(chart).axes[0].texts]
    assert " 649" in texts and " 649–649" not in texts
