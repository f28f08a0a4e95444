"""What listeners need, wired once at the composition root (`bot.app.create_app`)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Texts
from capacity import Actor, Capacity


@dataclass
class Deps:
    service: Capacity
    texts: Texts


def actor_from(user_id: str, user_name: str = "") -> Actor:
    """A Slack user as the core knows them: attributed by id and name, never trusted."""
    return Actor(id=user_id or "unknown", name=user_name or "", trusted=False)
