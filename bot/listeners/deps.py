"""What listeners need, wired once at the composition root (`bot.app.create_app`)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.i18n import Texts
from bot.settings import SLACK_API_URL
from capacity import Actor, Capacity

if TYPE_CHECKING:
    from bot.home_refresh import HomeRefresher
    from bot.user_language import UserLanguages

_request_texts: ContextVar[Texts | None] = ContextVar("request_texts", default=None)


class Deps:
    """The core, the texts and where Slack is.

    `texts` are the texts of the user a request is from (their Slack locale, set for
    the request by `UserLanguage`, see `texts_for`), and the channel's language
    (CAPACITY_LANGUAGE) outside a request: alerts and the weekly summary."""

    def __init__(
        self,
        service: Capacity,
        texts: Texts,
        api_url: str = SLACK_API_URL,  # where this app's Slack is (a stand-in in tests)
        languages: UserLanguages | None = None,  # None: everyone gets CAPACITY_LANGUAGE
    ) -> None:
        self.service = service
        self.channel_texts = texts
        self.api_url = api_url
        self.languages = languages
        self.home: HomeRefresher | None = None  # set by the composition root
        self._texts = {texts.language: texts}

    @property
    def texts(self) -> Texts:
        return _request_texts.get() or self.channel_texts

    def language_texts(self, language: str) -> Texts:
        found = self._texts.get(language)
        if found is None:
            found = Texts(language, alert_channel=self.channel_texts.alert_channel)
            self._texts[found.language] = found
        return found

    async def texts_for(self, user_id: str) -> Texts:
        """The texts in a user's own language (their Slack locale, looked up once in a
        while and never for long), else in CAPACITY_LANGUAGE."""
        if self.languages is None or not user_id:
            return self.channel_texts
        return self.language_texts(await self.languages.language(user_id))

    def speak(self, texts: Texts | None) -> None:
        """`texts` are this request's, for the rest of it (and the work it starts);
        None: the channel's. Set anew for every request (Bolt's global middleware do
        not wrap the listeners, so this is set, not reset: each request runs in its
        own task, and the next request through the same task sets its own)."""
        _request_texts.set(texts)

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
