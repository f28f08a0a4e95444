"""The Home tab as Block Kit: a pure function from the core's `Home` to a view.

What a coordinator sees when they open the app: the planning year and the buttons their
role can use (report a figure: editors and admins; a new batch, make a plan: admins; post
the network's chart: everyone); their own municipalities with the last change and
who made it (editors); the city network's table with totals; the open batches with
their state and what is not yet assigned; and, for admins, the alerts waiting or failed.
Within Slack's limits for a Home view (100 blocks); everything a user typed (batch
names, names, reasons, errors) is escaped by the catalogue.
"""

from __future__ import annotations

from typing import Any

from bot.age_blocks import stale_note
from bot.batch_blocks import unassigned
from bot.blocks import (
    actions_block,
    button,
    context_block,
    header_block,
    section_block,
)
from bot.capacity_blocks import _what
from bot.chart_blocks import chart_button
from bot.i18n import Texts
from bot.round_forms import home_blocks as round_blocks
from bot.standing_blocks import table, table_notes
from capacity.models import Alert, WeeklySummary
from capacity.texts import standing
from capacity.texts.pace import network_line
from capacity.usecases.home import Home, Place
from capacity.usecases.summary import week_of

MAX_HOME_BLOCKS = 100  # Slack's limit for a Home tab
REPORT_ACTION = "home_report"
NEW_BATCH_ACTION = "home_new_batch"
PLAN_ACTION = "home_plan"
CALLBACK = "capacity_home"

Block = dict[str, Any]


def _divider() -> Block:
    return {"type": "divider"}


def _place(place: Place, t: Texts) -> list[Block]:
    line = place.line
    m = line.municipality
    values = {"name": m.name_no, "number": m.number}
    spare, held = t.number(line.spare), standing.held(t, line.reserved_open, line.settled)
    if line.remaining is None:
        text = t("home_place_no_report", year=line.year, **values)
    elif line.overbooked:
        over = t.number(line.overbooked)
        text = standing.text(
            t, "home_place_overbooked", over=over, spare=spare, held=held, **values
        )
    else:
        left = t.number(line.remaining)
        text = standing.text(t, "home_place", remaining=left, spare=spare, held=held, **values)
    change = place.last_change
    if change is None:
        note = t("home_no_change")
    else:
        note = t(
            "home_last_change",
            when=t.date(change.at),
            who=change.actor_name or change.actor,
            what=_what(change, t),
        )
    # "Post the chart" of this municipality: in a direct message (Home is no conversation)
    heading = {**section_block(text), "accessory": chart_button(t, m.number, line.year)}
    return [heading, context_block(note)]


def _network(home: Home, t: Texts, now: Any = None, stale_days: int | None = None) -> list[Block]:
    overview = home.network
    totals = overview.totals
    label = t.scope(overview.title)
    blocks = [
        section_block(t("home_network", title=label, year=overview.year)),
        section_block(
            standing.total_line(
                t,
                totals,
                standing.overbooked_of(overview.lines),
                overview.year,
                standing.text(t, "total_label"),
            )
        ),
    ]
    if overview.lines:
        blocks.append(section_block(table(list(overview.lines), t)))
    if home.pace is not None:  # the network's pace through the year, in one line
        blocks.append(context_block(network_line(t, home.pace)))
    notes = table_notes(list(overview.lines), totals, t)
    if notes:
        blocks.append(context_block("\n".join(notes)))
    if now is not None and stale_days is not None:
        old = stale_note(list(overview.lines), t, now, stale_days)
        blocks.extend([context_block(old)] if old else [])
    return blocks


def _batches(home: Home, t: Texts) -> list[Block]:
    if not home.batches:
        return [section_block(t("home_no_batches"))]
    blocks = [section_block(t("home_batches", count=t.number(home.open_batches)))]
    for item in home.batches:
        b = item.batch
        blocks.append(
            section_block(
                t(
                    "home_batch",
                    batch=b.name,
                    year=b.year,
                    status=t.status(b.status.value),
                    persons=t.number(b.persons),
                    allocated=t.number(b.allocated),
                    scope=t.scope(item.scope_title),
                )
            )
        )
        blocks.append(context_block(unassigned(t, b, b.unallocated, b.unplaced_units)))
    if home.open_batches > len(home.batches):
        shown, count = t.number(len(home.batches)), t.number(home.open_batches)
        blocks.append(context_block(t("home_batches_more", shown=shown, count=count)))
    return blocks


def _alert_line(alert: Alert, t: Texts) -> str:
    event = alert.event
    what = getattr(event, "batch_name", "") or getattr(event, "scope_title", "")
    if not what and isinstance(event, WeeklySummary):  # "uke 50, 2026", not "2026-W50"
        what = standing.week(
            t, week_of(event.until) if event.week.startswith("now-") else event.week
        )
    what = what or getattr(event, "directory", "")  # a failed backup's
    kind = event.kind.value if hasattr(event.kind, "value") else str(event.kind)
    error = t("home_alert_error", error=alert.last_error[:200]) if alert.last_error else ""
    return t(
        "home_alert",
        id=alert.id,
        state=t("home_failed" if alert.status == "failed" else "home_pending"),
        when=t.date(alert.created_at),
        kind=t.alert_kind(kind),
        what=what,
        error=error,
    )


def _alerts(home: Home, t: Texts) -> list[Block]:
    state = home.alerts
    if state is None:
        return []
    if not state.pending and not state.failed:
        return [_divider(), section_block(t("home_no_alerts"))]
    heading = t("home_alerts", pending=t.number(state.pending), failed=t.number(state.failed))
    blocks = [_divider(), section_block(heading)]
    if state.latest:
        blocks.append(context_block("\n".join(_alert_line(a, t) for a in state.latest)))
    if state.failed:
        blocks.append(context_block(t("home_alerts_hint")))
    return blocks


def home_view(home: Home, t: Texts, updated: Any, stale_days: int | None = None) -> dict[str, Any]:
    """The Home tab of one user, as of `updated` (a datetime); with `stale_days`, the
    network's figures older than that are counted. Only the buttons the user's role can
    use: reporting for an editor or an admin, batches and plans for an admin, the
    network's chart for everyone."""
    buttons = []
    if home.admin or home.places:
        buttons.append(button(t.plain("home_report"), REPORT_ACTION, str(home.year)))
    if home.admin:
        buttons.append(button(t.plain("home_new_batch"), NEW_BATCH_ACTION, str(home.year)))
        buttons.append(button(t.plain("home_plan"), PLAN_ACTION, str(home.year)))
    buttons.append(chart_button(t, home.network.scope, home.year))  # in a DM
    blocks: list[Block] = [
        header_block(t.plain("home_title", year=home.year)),
        context_block(t("home_updated", when=t.date(updated), year=home.year)),
        actions_block(buttons, "home_actions"),
        _divider(),
    ]
    if home.places:
        blocks.append(section_block(t("home_places")))
        for place in home.places:
            blocks.extend(_place(place, t))
    elif not home.admin:
        blocks.append(section_block(t("home_no_places")))
    rounds = home.rounds
    waiting = [(w.round, w.municipality) for w in rounds.waiting]
    open_rounds = [(o.round, o.answered, o.members) for o in rounds.open]
    blocks.extend(round_blocks(t, waiting, open_rounds, home.admin))
    if home.places or not home.admin or waiting:
        blocks.append(_divider())
    blocks.extend(_network(home, t, updated, stale_days))
    blocks.append(_divider())
    blocks.extend(_batches(home, t))
    blocks.extend(_alerts(home, t))
    if len(blocks) > MAX_HOME_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks, Slack allows {MAX_HOME_BLOCKS} in a Home tab")
    return {"type": "home", "callback_id": CALLBACK, "blocks": blocks}
