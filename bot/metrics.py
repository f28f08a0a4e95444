"""The bot's metrics for `GET /metrics`, in Prometheus' text format (`prometheus_client`).

Counted in this process (they start at zero at each start, as Prometheus expects of a
counter): the requests from Slack by kind (command, action, view, event) and outcome,
the time to each answer, the calls to Slack's Web API (and to `response_url`s) by
method and result, the planner's solves (timed at the core's solver port,
`Capacity.on_solved`). Read when scraped: the outbox's backlog and the
last backup (from the database, one cheap snapshot: `Capacity.monitoring`) and the
users whose Home tab this process keeps published.

Nothing here holds a token, a user's text or a municipality's figures: only counts,
durations and the names of Slack's methods. Each app has its own registry, so two apps
in one process (tests) count apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from capacity.usecases.monitoring import Monitoring

log = logging.getLogger("bot.metrics")

KINDS = ("command", "action", "view", "event", "other", "unknown")
ANSWER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5)
SOLVE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class _AtScrape:
    """A collector whose figures are read when scraped (prometheus_client's custom
    collector: any object with `collect`)."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self.collect = collect


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "capacity_requests",
            "Requests from Slack, by kind (command, action, view, event) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self._answers = Histogram(
            "capacity_answer_seconds",
            "Time from a request's arrival to its answer, by kind",
            ["kind"],
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self._calls = Counter(
            "capacity_slack_calls",
            "Calls to Slack's Web API and to response_urls, by method and result "
            "(ok, ratelimited, error)",
            ["method", "result"],
            registry=self.registry,
        )
        self._solves = Histogram(
            "capacity_planner_solve_seconds",
            "Time the planner's solves take, by solve (plan: a batch's plan; choose: the "
            "households picked for an assignment)",
            ["solve"],
            buckets=SOLVE_BUCKETS,
            registry=self.registry,
        )
        self._by_outcome: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
        self._database: Callable[[], Monitoring] | None = None
        self._homes: Callable[[], tuple[int, int]] | None = None
        self._database_failed = False
        self.registry.register(_AtScrape(self._scraped))  # type: ignore[arg-type]

    # -- counted as it happens -----------------------------------------------------------

    def request(self, kind: str, outcome: str, seconds: float) -> None:
        counted = self._by_outcome.get((kind, outcome))
        if counted is None:  # a few pairs: their series are looked up once
            counted = (self._requests.labels(kind, outcome), self._answers.labels(kind))
            self._by_outcome[(kind, outcome)] = counted
        counted[0].inc()
        counted[1].observe(seconds)

    def slack_call(self, method: str, result: str) -> None:
        self._calls.labels(method, result).inc()

    def solved(self, which: str, seconds: float) -> None:
        """A solve of the planner (`Capacity.on_solved`: on the thread that solved)."""
        self._solves.labels(which).observe(seconds)

    # -- read when scraped ---------------------------------------------------------------

    def read_when_scraped(
        self,
        database: Callable[[], Monitoring],
        homes: Callable[[], tuple[int, int]],
    ) -> None:
        """`database`: the outbox's backlog and the last backup; `homes`: the users whose
        Home tab this process keeps published, and the publishes so far."""
        self._database, self._homes = database, homes

    def _scraped(self) -> Iterator[Metric]:
        if self._homes is not None:
            users, published = self._homes()
            yield GaugeMetricFamily(
                "capacity_home_users",
                "Users whose Home tab this process keeps published (opened in the last 8 hours)",
                value=users,
            )
            yield CounterMetricFamily(
                "capacity_home_publishes", "Home tabs published (views.publish)", value=published
            )
        if self._database is not None:
            yield from self._from_database(self._database)

    def _from_database(self, read: Callable[[], Monitoring]) -> Iterator[Metric]:
        readable = GaugeMetricFamily(
            "capacity_database_readable", "Whether this scrape could read the database (1 or 0)"
        )
        try:
            found = read()
        except Exception:  # the scrape still answers; /healthz says what is wrong
            if not self._database_failed:
                log.warning("Metrics: the database could not be read", exc_info=True)
            self._database_failed = True
            readable.add_metric([], 0)
            yield readable
            return
        self._database_failed = False
        readable.add_metric([], 1)
        yield readable
        messages = GaugeMetricFamily(
            "capacity_outbox_messages",
            "Unsent messages in the outbox, by status",
            labels=["status"],
        )
        oldest = GaugeMetricFamily(
            "capacity_outbox_oldest_age_seconds",
            "How long the oldest unsent message of a status has waited",
            labels=["status"],
        )
        for status, backlog in found.outbox.items():
            messages.add_metric([status], backlog.count)
            if backlog.oldest_seconds is not None:
                oldest.add_metric([status], backlog.oldest_seconds)
        yield messages
        yield oldest
        if found.last_backup is not None:
            backup = found.last_backup
            yield GaugeMetricFamily(
                "capacity_backup_last_age_seconds",
                "Seconds since the newest backup was taken",
                value=backup.age_seconds,
            )
            yield GaugeMetricFamily(
                "capacity_backup_last_ok",
                "Whether the newest backup passed its check (1 or 0)",
                value=1 if backup.ok else 0,
            )

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """Every metric, and its content type: Prometheus' text format, or OpenMetrics when
        the scraper's `Accept` asks for it (prometheus_client's own choice). It reads the
        database: call it off the event loop."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
