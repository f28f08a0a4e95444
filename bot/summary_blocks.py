"""The weekly summary as the coordination channel sees it (pure): the network's status,
what changed since the last summary and who, the alerts, and the least room left."""

from __future__ import annotations

from bot.age_blocks import old_note
from bot.blocks import Message, context_block, header_block, section_block
from bot.i18n import Safe, Texts
from bot.round_blocks import summary_blocks as round_lines
from capacity.domain.figures import places_left
from capacity.domain.rules import OSLO
from capacity.models import SummaryChange, SummaryLine, Total, WeeklySummary
from capacity.texts import standing
from capacity.texts.pace import network_line
from capacity.usecases.summary import week_of

MAX_LINES = 25


def _room(line: SummaryLine, t: Texts) -> str:
    line = line.shown
    if line.remaining is None:
        return t("summary_no_report", name=line.name)
    held = standing.held(t, line.reserved, line.settled)
    values = {"name": line.name, "spare": t.number(line.spare), "held": held}
    if line.overbooked:
        return standing.text(t, "summary_overbooked", over=t.number(line.overbooked), **values)
    return standing.text(t, "summary_room", remaining=t.number(line.remaining), **values)


def _totals(summary: WeeklySummary) -> dict[str, Total]:
    """The network's totals, as the summary was made with them; for one queued before
    it kept them, from its lines by the same definition."""
    if summary.totals is not None:
        return summary.totals
    lines = [line.shown for line in summary.network]
    reported = [line for line in lines if line.spare is not None]
    spare = sum(line.spare or 0 for line in reported)
    held = sum(line.reserved + line.settled for line in reported)

    def total(value: int | None, counted: int) -> Total:
        return Total(value=value, counted=counted, unknown=0, missing=0)

    return {
        "spare": total(spare if reported else None, len(reported)),
        "reserved": total(sum(line.reserved for line in lines), len(lines)),
        "settled_by_batches": total(sum(line.settled for line in lines), len(lines)),
        "remaining": total(places_left(spare, held) if reported else None, len(reported)),
        "overbooked": total(sum(line.overbooked for line in lines), len(lines)),
    }


def _role(change: SummaryChange, t: Texts) -> str:
    """A role given or taken, by whom and to whom, in the language's words."""
    record = change.after if isinstance(change.after, dict) else change.before
    if not isinstance(record, dict):
        return standing.text(t, "summary_role", user=_user(change))
    where = t("for_place", name=change.place) if change.place else ""
    key = "summary_granted" if change.before is None else "summary_revoked"
    role = standing.role(t, str(record.get("role", "")))
    return standing.text(t, key, user=_user(change), role=role, where=Safe(where))


def _user(change: SummaryChange) -> str:
    """The user a change is about: their name and id, never a mention (a summary in the
    channel must not ping anyone)."""
    user = change.key.partition("/")[2]
    return f"{change.subject} ({user})" if change.subject else user


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
    elif change.entity == "role":
        what = _role(change, t)
    elif change.entity == "scores" and isinstance(change.after, dict):
        what = standing.text(t, "summary_scores", count=t.number(change.after.get("count")))
    elif change.entity == "scores":
        what = standing.text(t, "summary_scores_cleared")
    elif change.entity == "setting":
        before = "–" if change.before is None else str(change.before)
        what = t("summary_setting", before=before, after=str(change.after))
    else:
        what = t("summary_other", entity=change.entity)
    return t("summary_change", when=t.date(change.at), who=change.actor, what=Safe(what))


def _old_figures(summary: WeeklySummary, t: Texts, stale_days: int) -> str:
    """How many of the network's reported figures are older than `stale_days` on the
    summary's day, and which (as the overviews say it)."""
    today = summary.until.astimezone(OSLO).date()
    ages = [
        (line.name, (today - line.reported_on).days)
        for line in summary.network
        if line.spare is not None and line.reported_on is not None
    ]
    old = sorted(((n, days) for n, days in ages if days > stale_days), key=lambda a: (-a[1], a[0]))
    return old_note(old, len(ages), t, stale_days)


def summary_message(summary: WeeklySummary, t: Texts, stale_days: int | None = None) -> Message:
    # one asked for at once is keyed by its moment ("now-…"); people read its ISO week
    week = week_of(summary.until) if summary.week.startswith("now-") else summary.week
    title = standing.text(
        t.plain, "summary_title", week=standing.week(t.plain, week), year=summary.year
    )
    overbooked = [(line.name, line.shown.overbooked) for line in summary.network]
    label = t.scope(summary.title)
    total = standing.total_line(
        t, _totals(summary), [o for o in overbooked if o[1]], summary.year, label
    )
    status = [total, *(_room(line, t) for line in summary.network)]
    blocks = [header_block(title[:150]), section_block("\n".join(status)[:3000])]
    old = _old_figures(summary, t, stale_days) if stale_days is not None else ""
    if old:  # how old the figures above are, as every surface that shows them says
        blocks.append(context_block(old))
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
