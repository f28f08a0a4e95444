"""The weekly summary as the coordination channel sees it (pure): the network's status,
what changed since the last summary and who, the alerts, and the least room left."""

from __future__ import annotations

from bot.blocks import Message, context_block, header_block, section_block
from bot.i18n import Safe, Texts
from bot.round_blocks import summary_blocks as round_lines
from capacity.models import SummaryChange, SummaryLine, WeeklySummary
from capacity.texts.pace import network_line
from capacity.usecases.summary import week_of

MAX_LINES = 25


def _room(line: SummaryLine, t: Texts) -> str:
    if line.remaining is None:
        return t("summary_no_report", name=line.name)
    if line.remaining < 0:
        return t("summary_overbooked", name=line.name, over=t.number(-line.remaining))
    return t(
        "summary_room",
        name=line.name,
        remaining=t.number(line.remaining),
        spare=t.number(line.spare),
        reserved=t.number(line.reserved),
    )


def _change(change: SummaryChange, t: Texts) -> str:
    parts = change.key.split("/")
    if change.entity == "figure" and len(parts) == 3:
        what = t(
            "history_figure",
            measure=t.measure(parts[2]),
            year=parts[1],
            before="–" if change.before in (None, "absent") else str(change.before),
            after=str(change.after),
        )
        what = t("summary_place", place=change.place, what=Safe(what))
    elif change.entity == "allocation" and isinstance(change.after, dict):
        key = "summary_reserved" if change.before is None else "summary_released"
        what = t(
            key,
            persons=t.number(change.after.get("persons")),
            place=change.place,
            batch=str(change.after.get("batch", "")),
        )
    elif change.entity == "batch" and isinstance(change.after, dict):
        if change.before is None:
            what = t("summary_batch_new", batch=str(change.after.get("name", "")))
        else:
            what = t("summary_batch_status", status=t.status(str(change.after.get("status"))))
    elif change.entity == "snapshot" and isinstance(change.after, dict):
        what = t.text("pace", "summary_snapshot", {
            "date": t.short_date(change.key), "year": change.after.get("year", ""),
            "count": t.number(change.after.get("changed")),
        })  # fmt: skip
    elif change.entity == "setting":
        before = "–" if change.before is None else str(change.before)
        what = t("summary_setting", before=before, after=str(change.after))
    else:
        what = t("summary_other", entity=change.entity)
    return t("summary_change", when=t.date(change.at), who=change.actor, what=Safe(what))


def summary_message(summary: WeeklySummary, t: Texts) -> Message:
    # one asked for at once is keyed by its moment ("now-…"); people read its ISO week
    week = week_of(summary.until) if summary.week.startswith("now-") else summary.week
    title = t.plain("summary_title", week=week, year=summary.year)
    spare = sum(line.spare or 0 for line in summary.network)
    remaining = sum(max(0, line.remaining or 0) for line in summary.network)
    status = [t("summary_network", title=t.scope(summary.title), remaining=t.number(remaining),
                spare=t.number(spare))]  # fmt: skip
    status += [_room(line, t) for line in summary.network]
    blocks = [header_block(title[:150]), section_block("\n".join(status)[:3000])]
    if summary.pace is not None:  # the network's pace through the year, in one line
        blocks.append(context_block(network_line(t, summary.pace)))
    if summary.changes:
        changes = [_change(change, t) for change in summary.changes[-MAX_LINES:]]
        count = 1 if summary.changed == 1 else t.number(summary.changed)  # 1: "1 endring"
        heading = t("summary_changes", count=count, since=t.date(summary.since))
        blocks.append(section_block((f"*{heading}*\n" + "\n".join(changes))[:3000]))
    else:
        blocks.append(section_block(t("summary_no_changes", since=t.date(summary.since))))
    blocks.extend(round_lines(summary.rounds, t))  # open collection rounds
    if summary.alerts:
        kinds = ", ".join(
            f"{t.alert_kind(kind)}: {count}" for kind, count in summary.alerts.items()
        )
        blocks.append(context_block(t("summary_alerts", kinds=kinds)))
    if summary.least_room:
        least = ", ".join(_room(line, t) for line in summary.least_room)
        blocks.append(context_block(t("summary_least", places=Safe(least))))
    text = title + ". " + status[0].replace("*", "")
    return Message(text=text, blocks=blocks).check()
