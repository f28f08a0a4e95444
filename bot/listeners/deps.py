"""What listeners need, wired once at the composition root (`bot.app.create_app`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.answer_cache import AnswerCache
from bot.home_refresh import HomeRefresher
from bot.i18n import Texts
from bot.listeners.later import Background
from bot.listeners.response_url import ResponseUrls
from bot.metrics import Metrics
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
    client: AsyncWebClient | None = None  # the Web API, metered: each listener's `client`
    api_url: str = SLACK_API_URL  # where this app's Slack is (a stand-in in tests)
    background: Background = field(default_factory=Background)  # work after the answer
    metrics: Metrics = field(default_factory=Metrics)  # this app's, for GET /metrics
    stale_days: int = DEFAULT_STALE_DAYS  # a reported figure older than this is marked old
    answers: AnswerCache = field(init=False)  # questions' messages, per data generation
    responses: ResponseUrls = field(init=False)  # the one way to post to a response_url
    _by_language: dict[str, Texts] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        # an answer says how old its figures are: kept for one day (Norwegian) at most
        self.answers = AnswerCache(
            self.service.generation, day=lambda: self.service.clock().astimezone(OSLO).date()
        )
        self.responses = ResponseUrls(self.api_url, self.metrics)
        self.metrics.read_when_scraped(lambda: self.service.monitoring(), self._homes)

    def _homes(self) -> tuple[int, int]:
        """Users whose Home this process keeps published, and the publishes so far."""
        home = self.home
        return (0, 0) if home is None else (home.users(), home.published)

    @property
    def channel_texts(self) -> Texts:
        """The coordination channel's texts (CAPACITY_LANGUAGE), whoever asks."""
        return getattr(self, "_texts_of_channel")  # noqa: B009 - set by RequestTexts

    def language_texts(self, language: str) -> Texts:
        """The texts of a language (made once), knowing what the channel's know."""
        channel = self.channel_texts
        if language == channel.language:
            return channel
        made = self._by_language
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

    def recipient_texts(self, user_id: str) -> Texts | None:
        """The texts of a direct message's recipient, from the outbox's thread: their own
        language when it is known without asking Slack, else None (the channel's)."""
        language = self.languages.known(user_id) if self.languages is not None else None
        return None if language is None else self.language_texts(language)

    def speak(self, texts: Texts | None) -> None:
        speak(texts)


def actor_from(user_id: str, user_name: str = "") -> Actor:
    """A Slack user as the core knows them: attributed by id and name, never trusted."""
    return Actor(id=user_id or "unknown", name=user_name or "", trusted=False)
