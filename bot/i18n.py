"""The bot's texts: the catalogue of its language (`capacity/texts/locales/<code>.toml`), as
Slack mrkdwn, knowing whether this bot has a coordination channel to alert."""

from __future__ import annotations

import re
from typing import Any

from capacity.texts.i18n import Catalogue, Safe, escape

LANGUAGES = ("nb", "nn", "en")


class Texts(Catalogue):
    """Texts and numbers for one language, escaped for Slack."""

    def __init__(self, language: str = "nb", *, alert_channel: bool = True) -> None:
        super().__init__(language, markup="mrkdwn")
        self.alert_channel = alert_channel  # whether alerts go anywhere from this bot

    def __call__(self, key: str, **values: Any) -> str:
        if key == "channel_alerted" and not self.alert_channel:
            key = "alert_queued"
        return super().__call__(key, **values)


def is_user_id(text: str) -> bool:
    """Slack's user ids: U or W, then capitals, digits (and _ in tests' ids)."""
    return re.fullmatch(r"[UW][A-Z0-9_]{1,30}", text) is not None


def mention(user_id: str) -> Safe:
    """A Slack user mention, for ids Slack gave us (anything else is shown escaped)."""
    if is_user_id(user_id):
        return Safe(f"<@{user_id}>")
    return Safe(escape(user_id))


__all__ = ["LANGUAGES", "Safe", "Texts", "escape", "mention"]
