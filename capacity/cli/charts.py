"""`capacity chart`: the chart Slack posts for `/capacity … graf`, as a PNG file."""

from __future__ import annotations

from pathlib import Path

import click

from capacity.cli.common import cli, db_option, service
from capacity.texts.i18n import catalogue, languages


@cli.command()
@click.argument("target", nargs=-1)
@click.option(
    "--year", type=int, help="The planning year's card for this year (default: the planning year)."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="PNG file to write (overwritten if it exists).",
)
@click.option(
    "--language",
    type=click.Choice(list(languages())),
    default="nb",
    show_default=True,
    help="Language of the chart's texts.",
)
@click.option(
    "--pace",
    is_flag=True,
    help="A municipality's settled through the year against the straight line to its "
    "decision (as `/capacity Trondheim tempo graf`).",
)
@click.option("--width", type=click.IntRange(600, 4000), default=1200, show_default=True)
@click.option("--height", type=click.IntRange(400, 4000), default=700, show_default=True)
@db_option
@click.pass_context
def chart(
    ctx: click.Context,
    target: tuple[str, ...],
    year: int | None,
    out: Path,
    language: str,
    pace: bool,
    width: int,
    height: int,
) -> None:
    """Write a chart as a PNG: a municipality's request, decision and settled per year
    with the planning year's spare and reserved places; the country's sums (norge); or a
    group's places side by side (storbynettverket, the default).

    TARGET is a municipality's name or number ("Tromso", 5001), "storbynettverket" /
    "network", or "norge" / "country". A name that is no municipality is refused with
    suggestions and nothing is written.

    Example:

    \b
        capacity chart Trondheim --out trondheim.png
        capacity chart storbynettverket --year 2021 --language en --out network.png
        capacity chart Trondheim --pace --year 2023 --out trondheim-tempo.png
    """
    from capacity.charts import render
    from capacity.charts.build import build
    from capacity.charts.pace_build import build_pace

    make = build_pace if pace else build
    built = make(service(ctx), " ".join(target), year, language)
    rendered = render(built.chart, width=width, height=height)
    out.write_bytes(rendered.png)
    t = catalogue("en", "plain")
    click.echo(
        t(
            "chart_written",
            what=built.what,
            path=str(out.resolve()),
            width=rendered.width,
            height=rendered.height,
        )
    )
