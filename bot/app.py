"""The composition root: settings, the capacity core and the Slack adapter wired once."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import listeners
from bot.home_refresh import HomeRefresher
from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.later import SLACK_TIMEOUT
from bot.metrics import Metrics
from bot.notifier import SlackNotifier
from bot.pace import Pace
from bot.round_delivery import PersonDelivery
from bot.round_tracker import TrackerWorker
from bot.settings import Settings
from bot.user_directory import UserDirectory
from bot.user_language import UserLanguages
from bot.web_api import MeteredAsyncWebClient, MeteredWebClient
from capacity import Capacity, open_capacity
from capacity.usecases.notify import OutboxWorker
from capacity.usecases.summary import WeeklySummaries

log = logging.getLogger("bot")

LOCAL_SECRET = "local-only-signing-secret"  # noqa: S105 - `ask` signs its own requests


def open_service(settings: Settings) -> Capacity:
    return open_capacity(
        settings.capacity_db,
        clock=settings.clock,
        low_ratio=settings.capacity_low_ratio,
        busy_timeout=settings.capacity_busy_timeout_ms / 1000,
    )


class SingleTokenAuthorize(AsyncAuthorize):
    """One workspace, one bot token from the settings: no `auth.test`, no lookup. (A
    subclass rather than a function: Bolt calls it without argument injection.)"""

    def __init__(self, token: str | None) -> None:
        self.token = token

    async def __call__(
        self,
        *,
        context: object,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: object,
    ) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=self.token)


class CapacityApp(AsyncApp):
    """The Bolt app, carrying what its listeners and its edges need (`deps`), typed, and
    the rounds' tracker when this process runs it (`start_alerts`)."""

    def __init__(self, deps: Deps, **options: Any) -> None:
        super().__init__(**options)
        self.deps = deps
        self.round_tracker: TrackerWorker | None = None


def create_app(settings: Settings, service: Capacity | None = None) -> CapacityApp:
    """An async Bolt app over the core.

    Async, because a synchronous Bolt app behind an async server handles one request at
    a time, and one behind a thread pool pays for it in latency: here a button's call to
    `response_url` or `views.open` waits without holding up other requests, while the
    core's work (a few SQLite reads, well under a millisecond) runs on the event loop.
    It answers before responding to Slack (`process_before_response`), so a slash
    command's answer is the HTTP response itself. It needs no network to start or
    answer: the Web API client points at `SLACK_API_URL`, and `authorize` hands Bolt
    the bot token instead of letting it call `auth.test` on the first request."""
    service = service or open_service(settings)
    texts = Texts(settings.capacity_language, alert_channel=bool(settings.capacity_alert_channel))
    deps = Deps(
        service=service,
        texts=texts,
        api_url=settings.slack_api_url,
        stale_days=settings.capacity_stale_days,
    )
    client = MeteredAsyncWebClient(
        metrics=deps.metrics, base_url=settings.slack_api_url, timeout=int(SLACK_TIMEOUT)
    )
    token = settings.slack_bot_token or None

    app = CapacityApp(
        deps,
        name="capacity-bot",  # without a name, Bolt reads the call stack (inspect.stack())
        client=client,
        signing_secret=settings.slack_signing_secret or LOCAL_SECRET,
        authorize=SingleTokenAuthorize(token),
        process_before_response=True,
        logger=log,
    )
    # The Home tabs: published with the bot token outside requests too, refreshed after
    # a change (`Capacity.on_change`) and when another process changed the data
    api = MeteredAsyncWebClient(
        metrics=deps.metrics, token=token, base_url=settings.slack_api_url, timeout=5
    )
    deps.home = HomeRefresher(
        listeners.home.HomePublisher(deps, api).publish, generation=service.generation
    )
    service.on_change = deps.home.changed
    service.on_solved = deps.metrics.solved  # the planner's solves, timed by the core
    # the listeners' `client` (Bolt's per request is not counted in the metrics)
    deps.client = MeteredAsyncWebClient(
        metrics=deps.metrics,
        token=token,
        base_url=settings.slack_api_url,
        timeout=int(SLACK_TIMEOUT),
    )
    listeners.register(app, deps)
    return app


def follow_user_locales(app: CapacityApp, settings: Settings) -> None:
    """Answer each user in their own Slack locale's language (`users.info`, kept for a
    while): the served app does. The terminal (`capacity-bot ask`) and in-process tests
    answer in CAPACITY_LANGUAGE and ask Slack nothing."""
    deps = app.deps
    api = MeteredAsyncWebClient(
        metrics=deps.metrics,
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=5,
    )
    deps.languages = UserLanguages(api, settings.capacity_language)


def know_the_workspace(app: CapacityApp, settings: Settings) -> UserDirectory:
    """The workspace's users' languages from `users.list`, at start and every hour, in a
    thread (never delaying the start or an answer): call after `follow_user_locales`."""
    deps = app.deps
    assert deps.languages is not None
    client = MeteredWebClient(
        metrics=deps.metrics,
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],  # Tier 2: waits
    )
    return UserDirectory(client, deps.languages).start()


def web_client(settings: Settings, metrics: Metrics | None = None) -> MeteredWebClient:
    """The Web API client of the outbox and the tracker (worker threads), its calls
    counted in `metrics` (the app's, for GET /metrics)."""
    return MeteredWebClient(
        metrics=metrics or Metrics(),
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=5,
        retry_handlers=[],  # retries are the outbox's, with backoff, across restarts
    )


def make_pace(settings: Settings) -> Pace:
    """Slack's rate limits for what the bot sends by itself (`bot.pace`)."""
    rate = settings.capacity_post_rate
    return Pace({"chat.postMessage": rate, "conversations.open": rate, "chat.update": 50 / 60})


def make_notifier(
    settings: Settings,
    texts: Texts,
    service: Capacity | None = None,
    pace: Pace | None = None,
    metrics: Metrics | None = None,
    texts_for: Callable[[str], Texts | None] | None = None,
) -> SlackNotifier:
    """Alerts to the channel; with `service`, a round's direct messages too (each in its
    recipient's language where `texts_for` knows it, else in the channel's)."""
    client = web_client(settings, metrics)
    pace = pace or make_pace(settings)
    persons = (
        PersonDelivery(client, service, texts, pace, texts_for) if service is not None else None
    )
    return SlackNotifier(
        client,
        settings.capacity_alert_channel,
        texts,
        persons=persons,
        pace=pace,
        stale_days=settings.capacity_stale_days,
    )


def every(*jobs: Callable[[], object] | None) -> Callable[[], None]:
    """Run each job at each poll; one failing does not hold up the others."""

    def run() -> None:
        failed: list[Exception] = []
        for job in jobs:
            if job is None:
                continue
            try:
                job()
            except Exception as error:
                failed.append(error)
        if failed:
            raise failed[0]

    return run


def weekly_summaries(service: Capacity, settings: Settings) -> WeeklySummaries | None:
    """The week's summary queued when CAPACITY_SUMMARY_AT comes (None when it is off)."""
    at = settings.summary_at
    if at is None:
        return None
    return WeeklySummaries(lambda now: service.queue_summary(now), at, service.clock)


def start_alerts(app: CapacityApp, settings: Settings) -> OutboxWorker | None:
    """Deliver the outbox from this process: woken right after a change queues an
    alert, and polling for alerts queued elsewhere (the CLI) or due for a retry; at each
    poll it queues the week's summary once CAPACITY_SUMMARY_AT has come.
    Without CAPACITY_ALERT_CHANNEL nothing is delivered: alerts wait in the outbox."""
    if not settings.capacity_alert_channel:
        log.warning("CAPACITY_ALERT_CHANNEL is not set: alerts wait in the outbox")
        return None
    deps = app.deps
    pace = make_pace(settings)
    worker = OutboxWorker(
        deps.service.outbox,
        make_notifier(
            settings, deps.channel_texts, deps.service, pace, deps.metrics, deps.recipient_texts
        ),
        poll_seconds=settings.capacity_alert_poll,
        lease_seconds=settings.capacity_alert_lease,
        backoff_max=settings.capacity_alert_retry_max,
        schedule=every(
            weekly_summaries(deps.service, settings),
            deps.service.round_reminders(settings.reminders),
        ),
    )
    deps.service.on_alert_queued = worker.wake
    # each round's tracker message in the channel, from this process's thread
    app.round_tracker = TrackerWorker(
        deps.service,
        web_client(settings, deps.metrics),
        settings.capacity_alert_channel,
        deps.channel_texts,
        pace,
        interval=settings.capacity_tracker_interval,
        poll=settings.capacity_alert_poll,
    ).start()
    return worker.start()


def settle_garbage_collector() -> None:
    """Call once, when the app is built and before it serves. What is built at start
    (the catalogues, the geography, Bolt, slack_sdk, pydantic's schemas: about 87,000
    tracked objects) lives as long as the process, yet a full collection would walk it
    again: 30-56 ms with the event loop stopped (bench/RESULTS.md). Frozen, those objects
    are left out of every collection; what requests make is collected as before."""
    gc.collect()
    gc.freeze()
