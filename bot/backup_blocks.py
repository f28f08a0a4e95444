"""The coordination channel's alert when a scheduled backup failed (pure)."""

from __future__ import annotations

from bot.blocks import Message, section_block
from bot.i18n import Texts
from capacity import errors
from capacity.domain.backup_events import BackupFailed


def backup_failed_message(event: BackupFailed, t: Texts) -> Message:
    """When the backup was due, why it failed (the refusal, in the channel's language),
    that the older backups are untouched, and when the next is due."""
    reason = t.refusal(errors.DatabaseProblem(event.problem, **event.facts))
    values = {"due": t.date(event.due), "reason": reason, "directory": event.directory}
    if event.following is None:
        text = t.text("backups", "alert_no_next", values)
    else:
        text = t.text("backups", "alert", {**values, "following": t.date(event.following)})
    return Message(text=text.replace("*", ""), blocks=[section_block(text)]).check()
