"""PNG charts: valid images of the asked size, unknown never drawn as zero, alt text that
names the numbers, the caller's language and number format, and safe in threads."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from matplotlib.image import imread
from matplotlib.text import Text

from capacity.charts import (
    ALT_TEXT_LIMIT,
    Labels,
    MunicipalityChart,
    NetworkChart,
    NetworkRow,
    Planning,
    YearFigures,
    alt_text,
    figure,
    render,
)

NOTE = "per 25.09.2023"
LANGUAGES = {"nb": Labels.nb(), "nn": Labels.nn(), "en": Labels.en()}


def years(*rows: tuple[int, int | None, int | None, int | None]) -> list[YearFigures]:
    return [YearFigures(y, r, d, s, NOTE if y == 2023 else None) for y, r, d, s in rows]


def trondheim(labels: Labels) -> MunicipalityChart:
    return MunicipalityChart(
        "Trondheim (5001)",
        years(
            (2020, 102, 155, 86),
            (2021, 140, 140, 130),
            (2022, 740, 740, 667),
            (2023, 790, 730, 476),
        ),
        labels,
        Planning(2020, spare=115, reserved=20),
        caption="IMDi; KS",
    )


def country(labels: Labels) -> MunicipalityChart:
    """35,000-scale years beside 3,602: one axis."""
    return MunicipalityChart(
        "Norge",
        years(
            (2020, 3602, 4838, 2759),
            (2021, 5025, 4973, 4482),
            (2022, 35000, 35355, 31253),
            (2023, 38000, 32732, 18851),
        ),
        labels,
        Planning(2020, spare=398, reserved=50),
    )


def tromso(labels: Labels) -> MunicipalityChart:
    """Unknown figures (IMDi's ':') among small ones."""
    return MunicipalityChart(
        "Tromsø (5401)",
        years((2020, 54, 82, 45), (2021, 87, 87, None), (2022, None, 300, 250), (2023, 50, 48, 5)),
        labels,
        Planning(2020, spare=50, reserved=None),
    )


KS_2020 = [
    ("Oslo", 73, 0, 73),
    ("Bergen", 50, 0, 50),
    ("Trondheim", 115, 20, 95),
    ("Stavanger", 50, 0, 50),
    ("Bærum", 30, 45, 0, 0, 15),  # overbooked by 15: 0 left, never below
    ("Kristiansand", 30, None, None),
    ("Tromsø", 50, 0, 50),
]


def network(labels: Labels, rows=KS_2020) -> NetworkChart:
    return NetworkChart("KS storbynettverk 2020", [NetworkRow(*r) for r in rows], labels)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, checking the signature and the chunk's CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    data = png[16:29]
    (crc,) = struct.unpack(">I", png[29:33])
    assert crc == zlib.crc32(kind + data)
    assert png.endswith(b"IEND\xaeB`\x82")
    width, height = struct.unpack(">II", data[:8])
    return width, height


def texts(fig) -> dict[str, Text]:
    return {t.get_gid(): t for t in fig.findobj(Text) if t.get_gid()}


def bars(fig) -> dict[str, object]:
    return {
        p.get_gid(): p
        for ax in fig.axes
        for p in ax.patches
        if (p.get_gid() or "").startswith("bar:")
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("make", [trondheim, country, tromso])
@pytest.mark.slow
def test_a_municipality_chart_is_a_png_of_slacks_preview_size(make, language):
    rendered = render(make(LANGUAGES[language]))
    assert png_size(rendered.png) == (rendered.width, rendered.height) == (1200, 700)
    image = imread(io.BytesIO(rendered.png), format="png")
    assert image.shape[:2] == (700, 1200)
    assert image.std() > 0.05  # something drawn, not a blank


@pytest.mark.slow
def test_the_size_and_resolution_are_the_callers():
    rendered = render(trondheim(Labels.nb()), width=1500, height=900, dpi=150)
    assert png_size(rendered.png) == (1500, 900)
    assert (rendered.width, rendered.height) == (1500, 900)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_network_chart_is_a_png_that_grows_only_for_many_rows(language):
    seven = render(network(LANGUAGES[language]))
    assert png_size(seven.png) == (seven.width, seven.height)
    assert seven.width == 1200 and 700 <= seven.height <= 800
    many = [(f"Kommune {i}", 10 * i, i, 9 * i) for i in range(1, 31)]
    tall = render(network(LANGUAGES[language], many))
    assert png_size(tall.png) == (1200, tall.height) and tall.height > 2000
    three = render(network(LANGUAGES[language], KS_2020[:3]))
    assert png_size(three.png) == (1200, 700)


def test_unknown_figures_draw_no_bar_but_the_word_for_unknown():
    labels = Labels.nb()
    fig = figure(tromso(labels))
    drawn, marks = bars(fig), texts(fig)
    for key in ("2021:settled", "2022:request", "2020:reserved"):
        assert f"bar:{key}" not in drawn  # not a bar of height 0 either
        assert f"value:{key}" not in marks
        assert marks[f"unknown:{key}"].get_text() == "ukjent"
    assert drawn["bar:2021:request"].get_height() == 87
    assert drawn["bar:2023:settled"].get_height() == 5
    assert marks["value:2023:settled"].get_text() == "5"


def test_zero_is_a_known_zero_and_unknown_is_not():
    labels = Labels.en()
    fig = figure(network(labels))
    marks = texts(fig)
    assert marks["value:Oslo:reserved"].get_text().strip("\u2009") == "0"
    assert "unknown:Oslo:reserved" not in marks
    assert marks["unknown:Kristiansand:reserved"].get_text() == "unknown"
    assert "bar:Kristiansand:remaining" not in bars(fig)


@pytest.mark.slow
def test_everything_unknown_still_renders():
    nothing = years(*[(y, None, None, None) for y in (2020, 2021, 2022, 2023)])
    for labels in LANGUAGES.values():
        chart = MunicipalityChart("Utsira (1151)", nothing, labels, Planning(2020, None, None))
        rendered = render(chart)
        assert png_size(rendered.png) == (1200, 700)
        assert rendered.alt_text.count(labels.unknown) == 15
        rows = render(network(labels, [("Utsira", None, None, None)]))
        assert png_size(rows.png) == (1200, 700)
    empty = render(NetworkChart("Tom", [], Labels.nb()))
    assert png_size(empty.png) == (1200, 700)


def test_the_2023_note_is_on_the_chart():
    fig = figure(trondheim(Labels.nb()))
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2020", "2021", "2022", "2023*"]
    assert "* 2023: per 25.09.2023" in [t.get_text() for t in fig.texts]


@pytest.mark.slow
def test_value_labels_and_axis_use_the_callers_number_format():
    nb = texts(figure(country(Labels.nb())))
    assert nb["value:2022:decision"].get_text() == "35\u00a0355"
    en = texts(figure(country(Labels.en())))
    assert en["value:2022:decision"].get_text() == "35,355"
    custom = Labels.en(number=lambda v: f"<{v}>")
    fig = figure(country(custom))
    assert texts(fig)["value:2020:request"].get_text() == "<3602>"
    fig.canvas.draw()
    assert "<20000>" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


@pytest.mark.parametrize("make", [trondheim, country, tromso])
def test_value_labels_fit_and_do_not_overlap(make):
    """35,000 beside 3,602 (and 5 beside 300): every value is written, inside its panel,
    above its own bar, clear of the others."""
    fig = figure(make(Labels.nb()))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    drawn = bars(fig)
    labels = [(gid, t) for gid, t in texts(fig).items() if gid.startswith("value:")]
    assert len(labels) == len(drawn)
    boxes = []
    for gid, text in labels:
        box = text.get_window_extent(renderer)
        assert text.axes.bbox.contains(box.x0, box.y0) and text.axes.bbox.contains(box.x1, box.y1)
        bar = drawn["bar:" + gid.removeprefix("value:")].get_window_extent(renderer)
        if text.axes is fig.axes[0]:  # upright bars: the label sits on the bar's top
            assert box.y0 >= bar.y1 - 1
        boxes.append(box)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


@pytest.mark.slow
def test_no_text_is_smaller_than_11_points():
    for chart in (trondheim(Labels.nb()), network(Labels.en())):
        fig = figure(chart)
        fig.canvas.draw()
        shown = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
        assert shown and min(t.get_fontsize() for t in shown) >= 11


@pytest.mark.slow
def test_alt_text_names_every_number_in_the_labels_language():
    nb = render(country(Labels.nb())).alt_text
    assert nb.startswith(
        "Søylediagram: Norge. 2020: revidert anmodning 3\u00a0602, vedtak 4\u00a0838"
    )
    for number in ("35\u00a0000", "35\u00a0355", "31\u00a0253", "18\u00a0851", "398", "348"):
        assert number in nb
    assert "2023 (per 25.09.2023)" in nb
    assert "Planår 2020: ledige plasser (rapportert) 398, reservert 50, ledige nå 348." in nb

    en = render(tromso(Labels.en())).alt_text
    assert "2021: revised request 87, decision 87, settled unknown." in en
    assert "2022: revised request unknown, decision 300, settled 250." in en
    assert "reserved unknown, spare now unknown." in en
    assert en.endswith(".")

    nn = render(trondheim(Labels.nn())).alt_text
    assert "2020: revidert oppmoding 102, vedtak 155, busett 86." in nn


@pytest.mark.slow
def test_network_alt_text_has_the_totals_and_every_city():
    text = render(network(Labels.nb())).alt_text
    assert text.startswith(
        "Søylediagram: KS storbynettverk 2020. Sum: ledige plasser (rapportert) 398, "
        "reservert 65 (+1 ukjent), ledige nå 303 (+1 ukjent) (overbooket med 15)."
    )
    assert "Trondheim: ledige plasser (rapportert) 115, reservert 20, ledige nå 95." in text
    assert (
        "Bærum: ledige plasser (rapportert) 30, reservert 45, ledige nå 0 (overbooket med 15)."
        in text
    )
    assert "\u2212" not in text  # no number below 0
    assert "Kristiansand: ledige plasser (rapportert) 30, reservert ukjent" in text
    # sorted as drawn: most remaining first, unknown last
    assert text.index("Trondheim:") < text.index("Oslo:") < text.index("Bærum:")
    assert text.index("Bærum:") < text.index("Kristiansand:")


@pytest.mark.slow
def test_the_totals_are_on_the_network_chart():
    fig = figure(network(Labels.en()))
    shown = [t.get_text() for t in fig.texts]
    assert any(
        line.startswith("Total: Spare places (reported) 398 · Reserved 65 (+1 unknown)")
        for text in shown
        for line in text.splitlines()
    )
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names[:2] == ["Trondheim", "Oslo"] and names[-1] == "Kristiansand"


def test_alt_text_stays_within_slacks_limit():
    many = [(f"Kommune nummer {i}", 1000 + i, i, 1000) for i in range(80)]
    text = alt_text(network(Labels.nb(), many))
    assert len(text) <= ALT_TEXT_LIMIT
    assert text.startswith("Søylediagram: KS storbynettverk 2020. Sum: ")
    left = 80 - text.count("Kommune nummer")
    assert left > 0 and text.endswith(f"og {left} til.")


@pytest.mark.slow
def test_overbooked_planning_year_renders_and_says_so():
    chart = MunicipalityChart(
        "Bærum (3024)", years((2020, 40, 40, 38)), Labels.nb(), Planning(2020, 30, 45)
    )
    rendered = render(chart)
    assert png_size(rendered.png) == (1200, 700)
    assert "ledige nå 0 (overbooket med 15)." in rendered.alt_text
    shown = [t.get_text() for t in figure(chart).texts]
    assert "Ledige nå: 0" in shown and "Overbooket med 15" in shown
    assert not any("\u2212" in text or "-1" in text for text in shown)


@pytest.mark.slow
def test_rendering_in_several_threads_at_once_gives_the_same_pngs():
    charts = [
        trondheim(Labels.nb()),
        country(Labels.en()),
        tromso(Labels.nn()),
        network(Labels.nb()),
        network(Labels.en()),
    ]
    expected = [render(chart).png for chart in charts]
    jobs = charts * 2
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda chart: render(chart).png, jobs))
    assert got == expected * 2


@pytest.mark.slow
def test_the_charts_use_no_pyplot():
    code = (
        "import sys\n"
        "from capacity.charts import Labels, NetworkChart, NetworkRow, render\n"
        "render(NetworkChart('x', [NetworkRow('Oslo', 1, 0, 1)], Labels.nb()))\n"
        "sys.exit('matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
