"""What listeners need, wired once at the composition root (`bot.app.create_app`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.answer_cache import AnswerCache
from bot.i18n import Texts
from bot.listeners.later import Background
from bot.settings import SLACK_API_URL
from capacity import Actor, Capacity


@dataclass
class Deps:
    service: Capacity
    texts: Texts
    api_url: str = SLACK_API_URL  # where this app's Slack is (a stand-in in tests)
    background: Background = field(default_factory=Background)  # work after the answer
    answers: AnswerCache = field(init=False)  # questions' messages, per data generation

    def __post_init__(self) -> None:
        self.answers = AnswerCache(self.service.generation)

    def allowed_url(self, url: str) -> bool:
        """Whether a `response_url` is Slack's: https on a slack.com host, or the same
        origin as the Web API this app talks to (the stand-in's, in tests)."""
        try:
            found, api = urlsplit(url), urlsplit(self.api_url)
        except ValueError:
            return False
        host = (found.hostname or "").lower()
        if found.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
            return True
        return (found.scheme, found.netloc) == (api.scheme, api.netloc) and bool(found.netloc)


def actor_from(user_id: str, user_name: str = "") -> Actor:
    """A Slack user as the core knows them: attributed by id and name, never trusted."""
    return Actor(id=user_id or "unknown", name=user_name or "", trusted=False)
