"""`capacity pace`: settled against the decision through the year, for a municipality or
a scope, in the words `/capacity tempo` answers with (the English catalogue); and the
report of a snapshot's import."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from capacity.cli.common import cli, db_option, json_option, service
from capacity.domain.pace import Pace
from capacity.domain.pace_scope import MunicipalityPace, ScopePace
from capacity.texts import pace as said
from capacity.texts.i18n import catalogue

if TYPE_CHECKING:
    from capacity.transfer.snapshots import SnapshotSummary

t = catalogue("en", "plain")
PAGE_SIZE = 20


@cli.command()
@click.argument("target", nargs=-1)
@click.option("--year", type=int, help="The year (default: the planning year).")
@click.option("--page", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="For a scope: which page of its municipalities.")  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="For a scope: every municipality.")
@json_option
@db_option
@click.pass_context
def pace(
    ctx: click.Context,
    target: tuple[str, ...],
    year: int | None,
    page: int,
    show_all: bool,
    as_json: bool,
) -> None:
    """Settled against the decision through the year, at its latest snapshot of IMDi's
    figures: how much of the year had passed, the straight line to the decision and how
    far ahead or behind it, the pace a month needed, the pace between snapshots and,
    from three snapshots, a projection (a range, not a promise). A year that is over:
    settled against decision. Unknown figures are named apart, never counted as 0.

    TARGET is a municipality, a group ("storbynettverket", the default), "norge", or a
    county ("fylke Vestland"); a scope lists its municipalities furthest behind.

    Example:

    \b
        capacity pace Trondheim --year 2023
        capacity pace norge --year 2023 --json
        capacity pace fylke Vestland
    """
    answer = service(ctx).pace(" ".join(target) or None, year)
    if as_json:
        click.echo(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return
    if isinstance(answer, ScopePace):
        print_scope(answer, page, show_all)
    else:
        print_said(said.municipality(t, answer))


def print_said(text: said.Said) -> None:
    click.echo(text.title)
    for line in (*text.lines, *text.projection, *text.notes):
        click.echo(line.replace("*", ""))


def print_scope(answer: ScopePace, page: int, show_all: bool) -> None:
    text = said.scope(t, answer)
    click.echo(text.title)
    for line in (*text.lines, *text.projection):
        click.echo(line.replace("*", ""))
    standings = answer.standings
    size = len(standings) if show_all else PAGE_SIZE
    pages = max(1, -(-len(standings) // max(size, 1)))
    page = min(page, pages)
    first = (page - 1) * size
    if standings:
        for key, rows in (("by_persons", answer.by_persons), ("by_share", answer.by_share)):
            click.echo("\n" + said.say(t, key))
            click.echo("\n".join(said.table(t, rows[first : first + size])))
        if pages > 1:
            last = first + len(standings[first : first + size])
            click.echo(said.say(t, "page", page=page, pages=pages, first=first + 1, last=last,
                                count=len(standings)) + " (--page N, --all)")  # fmt: skip
    apart = said.apart_line(t, answer, limit=len(answer.no_decision) + len(answer.unknown_settled))
    for line in (*text.notes[:1], apart) if apart else text.notes[:1]:
        if line:
            click.echo(line)


def pace_json(p: Pace) -> dict[str, Any]:
    """A pace with what is derived from it (share, line, ahead, the pace needed)."""
    return {
        **p.model_dump(mode="json"),
        "share": p.share,
        "year_share": p.year_share,
        "ahead": p.ahead,
        "left": p.left,
    }


def answer_json(answer: MunicipalityPace | ScopePace) -> dict[str, Any]:
    if isinstance(answer, ScopePace):
        return {
            "scope": answer.scope,
            "title": answer.title,
            "year": answer.year,
            "total": pace_json(answer.total),
            "municipalities": [
                {**s.model_dump(mode="json"), "ahead": s.ahead, "share": s.share}
                for s in answer.standings
            ],
            "no_decision": list(answer.no_decision),
            "unknown_settled": list(answer.unknown_settled),
            "settled_by_batches": answer.settled_by_batches,
        }
    m = answer.municipality
    return {
        "number": m.number,
        "name": m.name,
        "name_no": m.name_no,
        "pace": pace_json(answer.pace),
        "points": [p.model_dump(mode="json") for p in answer.points],
        "settled_by_batches": answer.settled_by_batches,
        "batches": [[day.isoformat(), persons] for day, persons in answer.batches],
    }


def figures(count: int) -> str:
    return f"{count} figure" + ("" if count == 1 else "s")


def print_snapshot(name: str, summary: SnapshotSummary) -> None:
    """What a snapshot's import did, line by line."""
    r = summary.result
    when = t.short_date(r.day.isoformat())
    if not r.registered:
        click.echo(f"{name}: IMDi's figures as of {when} are imported already; nothing changed")
    else:
        click.echo(
            f"{name}: IMDi's figures as of {when} (a snapshot of {r.year}): {figures(r.rows)} "
            f"read, {r.changed} recorded at {when}, {r.unchanged} as they were"
        )
    if r.newest is not None and r.changed:
        click.echo(
            f"  older than the snapshot of {t.short_date(r.newest.isoformat())}: kept in the "
            f"history ({figures(r.kept)}); the current figures stay the newer ones"
        )
    if r.replaced:
        click.echo(f"  {figures(r.replaced)} of the snapshot of {when} replaced (--replace)")
    if r.restated:
        click.echo(f"  {figures(r.restated)} of later snapshots restated at their own dates")
    for code, count in sorted(summary.skipped.items()):
        click.echo(f"  skipped {count} lines: {t.text('skip', code, {})}")
