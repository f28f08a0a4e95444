"""`capacity batch …`: relocation batches from the terminal."""

from __future__ import annotations

import json

import click

from capacity.cli.common import (
    actor,
    by_option,
    cli,
    count_argument,
    db_option,
    json_option,
    parse_households,
    service,
)
from capacity.cli.plans import plan_json, print_missing, print_plan
from capacity.cli.render import (
    print_allocation,
    print_batch,
    print_batch_result,
    print_batches,
)
from capacity.domain.households import said
from capacity.models import BatchStatus


@cli.group()
def batch() -> None:
    """Relocation batches: register, assign places, and move them through their life.

    Example:

    \b
        capacity batch new "Moria 2020" 50 --households 5,4,6,5,5,6,4,5,5,5 --year 2020
        capacity batch plan "Moria 2020" --apply
    """


@batch.command("new")
@click.argument("name")
@click.argument("persons", nargs=-1, required=True)
@click.option(
    "--households",
    help="Household sizes, comma-separated; 4+3 for households who must live in the same "
    "municipality (households are never split).",
)
@click.option("--year", type=int, help="Year (default: the latest with figures).")
@click.option(
    "--scope",
    default="storbynettverket",
    show_default=True,
    help="A group, 'norge' or a municipality.",
)
@by_option
@db_option
@click.pass_context
def batch_new(
    ctx: click.Context,
    name: str,
    persons: tuple[str, ...],
    households: str | None,
    year: int | None,
    scope: str,
    by: str | None,
) -> None:
    """Register a relocation batch and check it against the scope's remaining capacity.

    PERSONS is written as people write it: 1200, 1 200 or 1.200.

    Example:

    \b
        capacity batch new "Moria 2020" 50 --year 2020 --scope storbynettverket
        capacity batch new "Familier" 12 --households 5,4+3 --year 2020
        capacity batch new "Ukraina" 1 000 --year 2022 --scope norge
    """
    sizes = parse_households(households)
    count = count_argument(persons, "persons")
    result = service(ctx).create_batch(
        name, count, actor(by), year=year, households=sizes, scope=scope
    )
    print_batch_result(result)


@batch.command("allocate")
@click.argument("batch_ref")
@click.argument("municipality", required=False)
@click.argument("persons", nargs=-1)
@click.option(
    "--households", help="Household sizes being placed, comma-separated (4+3: linked ones)."
)
@click.option("--auto", is_flag=True, help="Place the whole batch over its scope with the planner.")
@by_option
@db_option
@click.pass_context
def batch_allocate(
    ctx: click.Context,
    batch_ref: str,
    municipality: str | None,
    persons: tuple[str, ...],
    households: str | None,
    auto: bool,
    by: str | None,
) -> None:
    """Reserve places of a batch in a municipality (or place all of it with --auto).

    --auto plans the batch with the planner (the most persons placed, then the lowest
    highest share of room used) and reserves it all, or nothing when not everyone fits.

    PERSONS is written as people write it: 20, 1 200 or 1.200.

    Example:

    \b
        capacity batch allocate "Moria 2020" Trondheim 20
        capacity batch allocate "Moria 2020" --auto
    """
    svc = service(ctx)
    if auto:
        results = svc.allocate_auto(batch_ref, actor(by))
        if not results:
            plan = svc.plan_batch(batch_ref, actor(by), keep=False)
            print_missing(plan)
            raise click.ClickException(
                f"Batch '{plan.batch.name}' does not fit its scope whole; nothing was reserved"
            )
        for result in results:
            print_allocation(result)
        return
    if not municipality:
        raise click.ClickException("Name a municipality, or use --auto")
    count = count_argument(persons, "persons") if persons else None
    if households is None and count is not None:
        # As `/relocation tildel` does: households that add up to exactly PERSONS are
        # picked (linked ones whole), or the refusal names the nearest totals that can be met.
        preview = svc.preview_assignment(batch_ref, [(municipality, count, ())], actor(by))
        if preview.refused is not None:
            print_allocation(preview.refused)
            raise SystemExit(1)
        done = svc.confirm_assignment(preview.key, actor(by))
        for result, line in zip(done.results, preview.lines, strict=True):
            print_allocation(result)
            if preview.picked and result.granted:
                click.echo(f"Households picked: {said(line.units)}")
        if not done.granted:
            raise SystemExit(1)
        return
    result = svc.allocate(
        batch_ref, municipality, count, actor(by), households=parse_households(households)
    )
    print_allocation(result)
    if not result.granted:
        raise SystemExit(1)


@batch.command("plan")
@click.argument("batch_ref")
@click.option("--apply", "apply_", is_flag=True, help="Reserve the plan at once.")
@click.option(
    "--seconds",
    type=float,
    default=10.0,
    show_default=True,
    help="Solver time per stage; a plan it stops is sound but not proven optimal.",
)
@json_option
@by_option
@db_option
@click.pass_context
def batch_plan(
    ctx: click.Context,
    batch_ref: str,
    apply_: bool,
    seconds: float,
    as_json: bool,
    by: str | None,
) -> None:
    """Plan a batch's unassigned persons over its scope: the fairest placement.

    The planner places the most persons, households whole (linked ones together), then
    makes the highest share of room used as low as it can be, then (with scores, see
    `capacity scores import`) prefers the best score. The batch's year decides the
    rooms. Without --apply nothing is reserved; with it, every line is reserved in one
    transaction, or nothing if the room changed meanwhile.

    Example:

    \b
        capacity batch plan "Moria 2020"
        capacity batch plan "Moria 2020" --apply
        capacity batch plan "Moria 2020" --json
    """
    svc = service(ctx)
    plan = svc.plan_batch(batch_ref, actor(by), time_limit=seconds, keep=apply_)
    applied = svc.apply_plan(plan.key, actor(by)) if apply_ and plan.key else None
    if as_json:
        click.echo(json.dumps(plan_json(plan, applied), ensure_ascii=False, indent=2))
        return
    print_plan(plan)
    if applied is not None:
        click.echo(
            f"Reserved {applied.placed} persons of '{plan.batch.name}' in "
            f"{len(applied.lines)} municipalities (plan {plan.key})"
        )


@batch.command("release")
@click.argument("allocation_id", type=int)
@by_option
@db_option
@click.pass_context
def batch_release(ctx: click.Context, allocation_id: int, by: str | None) -> None:
    """Undo one assignment (its places go back to the municipality).

    Example:

    \b
        capacity batch release 12
    """
    b = service(ctx).release(allocation_id, actor(by))
    click.echo(
        f"Released assignment {allocation_id}; '{b.name}' has {b.unallocated} persons unassigned"
    )


def _status_command(status: BatchStatus, name: str, verb: str) -> None:
    @batch.command(name, help=f'{verb}\n\nExample:\n\n\b\n    capacity batch {name} "Moria 2020"')
    @click.argument("batch_ref")
    @click.option("--reason", default="", help="Why.")
    @by_option
    @db_option
    @click.pass_context
    def command(ctx: click.Context, batch_ref: str, reason: str, by: str | None) -> None:
        b = service(ctx).set_status(batch_ref, status, actor(by), reason=reason)
        click.echo(f"Batch '{b.name}' is now {b.status.value}")


_status_command(BatchStatus.CANCELLED, "cancel", "Cancel a batch: every reservation is released.")
_status_command(BatchStatus.ARRIVED, "arrived", "Mark a batch as arrived in Norway.")
_status_command(
    BatchStatus.SETTLED,
    "settled",
    "Mark a batch as settled: its persons count as settled in each municipality.",
)


@batch.command("list")
@click.option("--year", type=int)
@json_option
@db_option
@click.pass_context
def batch_list(ctx: click.Context, year: int | None, as_json: bool) -> None:
    """List relocation batches, newest first.

    Example:

    \b
        capacity batch list --year 2020
    """
    batches = service(ctx).batches(year)
    if as_json:
        click.echo(
            json.dumps([b.model_dump(mode="json") for b in batches], ensure_ascii=False, indent=2)
        )
        return
    print_batches(batches)


@batch.command("show")
@click.argument("batch_ref")
@json_option
@db_option
@click.pass_context
def batch_show(ctx: click.Context, batch_ref: str, as_json: bool) -> None:
    """Show a batch with its assignments.

    Example:

    \b
        capacity batch show "Moria 2020"
    """
    b = service(ctx).batch(batch_ref)
    if as_json:
        click.echo(json.dumps(b.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    print_batch(b)
