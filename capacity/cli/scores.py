"""`capacity scores …`: the scores a plan prefers more of (its third stage)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from capacity.cli.common import actor, by_option, cli, db_option, json_option, service
from capacity.cli.render import console


@cli.group()
def scores() -> None:
    """Scores per municipality (a predicted employment rate, say): none by default.

    Once everyone who can be placed is placed as fairly as possible, a plan prefers the
    municipalities with the higher score.

    Example:

    \b
        capacity scores import sysselsetting.csv
    """


@scores.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@by_option
@db_option
@click.pass_context
def scores_import(ctx: click.Context, file: Path, by: str | None) -> None:
    """Import scores from a CSV of `number,score` (replacing the scores kept before).

    The header is `number,score` (`;` works too, with a decimal comma); every number must
    be a municipality's. All of the file or nothing; its name and digest are kept as
    the scores' source.

    Example:

    \b
        capacity scores import sysselsetting.csv
    """
    found = service(ctx).import_scores(file.read_bytes(), file.name, actor(by))
    click.echo(f"Imported {found.count} scores from {found.source}")


@scores.command("show")
@json_option
@db_option
@click.pass_context
def scores_show(ctx: click.Context, as_json: bool) -> None:
    """Show the scores kept, with their source.

    Example:

    \b
        capacity scores show
    """
    rows = service(ctx).scores()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No scores: plans use two stages (the most persons, then the fairest).")
        return
    table = Table(title=f"Scores from {rows[0]['source']}")
    for heading in ("Number", "Score", "Imported", "By"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            row["number"], f"{row['score']:g}", row["imported_at"][:16], row["imported_by"]
        )
    console().print(table)


@scores.command("clear")
@by_option
@db_option
@click.pass_context
def scores_clear(ctx: click.Context, by: str | None) -> None:
    """Forget the scores: plans go back to the most persons, then the fairest.

    Example:

    \b
        capacity scores clear
    """
    count = service(ctx).clear_scores(actor(by))
    click.echo(f"Cleared {count} scores")
