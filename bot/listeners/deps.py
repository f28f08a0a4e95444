"""What listeners need, wired once at the composition root (`bot.app.create_app`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.answer_cache import AnswerCache
from bot.home_refresh import HomeRefresher
from bot.i18n import Texts
from bot.listeners.later import Background
from bot.settings import SLACK_API_URL
from bot.user_language import RequestTexts, UserLanguages, speak
from capacity import Actor, Capacity
from capacity.domain.freshness import DEFAULT_STALE_DAYS
from capacity.texts.i18n import OSLO


@dataclass
class Deps:
    service: Capacity
    # the request's user's language inside a request (`texts_for`), the channel's outside
    texts: Texts = RequestTexts()  # type: ignore[assignment]
    languages: UserLanguages | None = None  # None: everyone in CAPACITY_LANGUAGE
    home: HomeRefresher | None = None  # the Home tabs' refresher, when wired
    api_url: str = SLACK_API_URL  # where this app's Slack is (a stand-in in tests)
    background: Background = field(default_factory=Background)  # work after the answer
    stale_days: int = DEFAULT_STALE_DAYS  # a reported figure older than this is marked old
    answers: AnswerCache = field(init=False)  # questions' messages, per data generation

    def __post_init__(self) -> None:
        # an answer says how old its figures are: kept for one day (Norwegian) at most
        self.answers = AnswerCache(
            self.service.generation, day=lambda: self.service.clock().astimezone(OSLO).date()
        )

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

    @property
    def channel_texts(self) -> Texts:
        """The coordination channel's texts (CAPACITY_LANGUAGE), whoever asks."""
        return getattr(self, "_texts_of_channel")  # noqa: B009 - set by RequestTexts

    def language_texts(self, language: str) -> Texts:
        """The texts of a language (made once), knowing what the channel's know."""
        channel = self.channel_texts
        if language == channel.language:
            return channel
        made: dict[str, Texts] = self.__dict__.setdefault("_texts_by_language", {})
        if language not in made:
            made[language] = Texts(language, alert_channel=channel.alert_channel)
        return made[language]

    async def texts_for(self, user_id: str) -> Texts:
        """The texts in a user's own language (their Slack locale, looked up once in a
        while and never for long), else in CAPACITY_LANGUAGE."""
        if self.languages is None or not user_id:
            return self.channel_texts
        return self.language_texts(await self.languages.language(user_id))

    def known_texts_for(self, user_id: str) -> Texts | None:
        """The texts in a user's language when that is known without asking Slack (the
        channel's when locales are not followed); None when it would take a lookup."""
        if self.languages is None or not user_id:
            return self.channel_texts
        language = self.languages.cached(user_id)
        return None if language is None else self.language_texts(language)

    def speak(self, texts: Texts | None) -> None:
        speak(texts)


def actor_from(user_id: str, user_name: str = "") -> Actor:
    """A Slack user as the core knows them: attributed by id and name, never trusted."""
    return Actor(id=user_id or "unknown", name=user_name or "", trusted=False)
