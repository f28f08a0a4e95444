"""Listeners grouped by Slack surface; each module has `register(app, deps)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import (
    actions,
    commands,
    errors,
    history,
    home,
    pace,
    plan_file,
    relocation,
    rounds,
)
from bot.listeners.deps import Deps
from bot.listeners.language import UserLanguage
from bot.listeners.shape import RejectMalformed


def register(app: AsyncApp, deps: Deps) -> None:
    app.use(RejectMalformed(deps.allowed_url))
    commands.register(app, deps)
    actions.register(app, deps)
    relocation.register(app, deps)
    home.register(app, deps)
    pace.register(app, deps)
    rounds.register(app, deps)
    history.register(app, deps)
    plan_file.register(app, deps)
    errors.register(app, deps)
    # Global middleware run in the order added, all before any listener: after the shape
    # check, every request is answered in its user's language (`Deps.texts`)
    app.use(UserLanguage(deps))


__all__ = ["Deps", "register"]
