"""HTTP benchmark: the bot's real server against bare Bolt apps, on 127.0.0.1.

    .venv/bin/python bench/bench_http.py              # full run (about 2 minutes)
    .venv/bin/python bench/bench_http.py --quick      # smoke-test run (about 20 s)
    .venv/bin/python bench/bench_http.py --requests 4000 --setups waitress,uvicorn-async

In one run it starts, each as a subprocess on 127.0.0.1:

* the bot: `python -m bot serve --http` (async Bolt app under uvicorn) over a
  temporary copy of a seeded database, with SLACK_API_URL at a Slack stand-in on
  127.0.0.1 (`tests/stand_in.py`) whose workspace holds the 97 users who ask, with
  their locales (`users.info`, `users.list`), and an alert channel, so that the outbox
  worker runs beside it as it does deployed. Half the users ask in the warm-up, all of
  them in the measured requests: about half are first seen by the bot while measured;
* bare Bolt apps (`bench/bare_app.py`) whose `/capacity` listener only does
  `ack("constant text")`, one per set-up: Bolt's built-in `app.start()` server, waitress
  with the same WSGI adapter and thread count as the bot, and, when their packages are
  in the venv, gunicorn (gthread) and uvicorn (async and sync Bolt). None calls
  `auth.test` (each has an `authorize` function).

Then it sends the same signed `/capacity Trondheim` slash command (form-encoded, signed
per request with a fresh timestamp) to each server at concurrency 1 and 16: client
threads with one keep-alive `http.client.HTTPConnection` each. Servers are measured in
interleaved rounds (the order rotates) so drift on a busy machine is shared. Every bot
answer is checked (200, JSON whose text starts "Trondheim (5001)"), every bare one too
(200, "constant text").

It prints, per server and concurrency, the median and p99 latency and the throughput;
the bot / fastest-bare ratios; and the bot's RSS (VmRSS) after --rss-requests requests,
with PASS/MISS against the targets: p50 and p99 within 1.3x of the fastest bare
single-process set-up, throughput at least 0.75x of it, at both concurrencies, and RSS
under 150 MB. The fastest bare set-up is the single-process one with the highest
geometric mean of its two throughputs; multi-process set-ups are shown for information
(the bot serves from one process).

With `--scrape SECONDS`, a thread GETs the bot's `/metrics` every SECONDS throughout
the run (warm-up and measured phases), as Prometheus would (more often: its default is
every 15-60 s), so that the bot's ratios with and without scraping can be compared;
each scrape is checked (200, the request counter there) and the scrapes are reported.

Everything is bounded: a request count and a wall-clock limit per server and
concurrency, and a watchdog for the whole run (exit status 3). All subprocesses are
stopped on exit, Ctrl-C or error. The exit status is 0 whether the targets pass or miss,
1 if a bot answer was wrong.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import importlib.util
import itertools
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bare_app import ANSWER, MULTI_PROCESS, NEEDS, SETUPS  # noqa: E402

from bot.terminal import command_body, signed_headers  # noqa: E402
from tests.bot_server import free_port  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

SECRET = "bench-http-signing-secret"
BOT_TOKEN = "xoxb-bench-http"
QUERY = "Trondheim"
EXPECT: str | tuple[str, ...] = "Trondheim (5001)"  # a start of the text, or any of several
CONCURRENCIES = (1, 16)

P50_MAX_RATIO = 1.3
P99_MAX_RATIO = 1.3
THROUGHPUT_MIN_RATIO = 0.75
RSS_MAX_MB = 150.0  # decimal megabytes (1 MB = 10^6 bytes)

DEFAULT_SETUPS = (
    "builtin",
    "waitress",
    "waitress-default",
    "gunicorn-gthread",
    "uvicorn-async",
    "uvicorn-sync",
    "gunicorn-gthread-2w",
)


class Timeout(Exception):
    pass


# -- servers ---------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    description: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    validate: Callable[[int, bytes], str | None]
    cap: int | None = None  # most requests per concurrency (the slow reference)
    multi_process: bool = False
    is_bot: bool = False
    process: subprocess.Popen[bytes] | None = None
    sent: int = 0  # every request sent, warm-up included
    users_seen: set[str] = field(default_factory=set)  # users who have asked it
    phases: dict[int, list[Phase]] = field(default_factory=dict)

    def start(self, cwd: Path, timeout: float = 30.0) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 - kept open for the process's life
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one, spared Ctrl-C
        )
        _started.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            try:
                status, body = post_once(self.port)
                self.sent += 1
                problem = self.validate(status, body)
                if problem:
                    raise RuntimeError(f"{self.name} answered wrongly: {problem}")
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s: {self.tail()}")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the group this run started
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM of the server process, in KiB."""
        assert self.process is not None
        out = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
        return out


_started: list[Server] = []
_stand_ins: list[StandIn] = []


def stop_all() -> None:
    for server in reversed(_started):
        try:
            server.stop()
        except Exception as error:  # keep stopping the others
            print(f"warning: could not stop {server.name}: {error}", file=sys.stderr)
    _started.clear()
    for slack in _stand_ins:
        slack.__exit__(None, None, None)
    _stand_ins.clear()


atexit.register(stop_all)


def validate_bot(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    try:
        text = json.loads(body).get("text", "")
    except (ValueError, AttributeError):
        return f"not a JSON object: {body[:200]!r}"
    if not text.startswith(EXPECT):
        return f"text {text[:80]!r} does not start with {EXPECT!r}"
    return None


def validate_bare(status: int, body: bytes) -> str | None:
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    if body != ANSWER.encode():
        return f"body {body[:200]!r}"
    return None


# -- load ------------------------------------------------------------------------------


class Scraper(threading.Thread):
    """GET /metrics every `every` seconds until told to finish (as Prometheus does)."""

    def __init__(self, port: int, every: float, stop: threading.Event) -> None:
        super().__init__(daemon=True, name="scraper")
        self.port, self.every, self.stop = port, every, stop
        self.done = threading.Event()
        self.times_ms: list[float] = []
        self.failures: list[str] = []
        self.size = 0

    def run(self) -> None:
        while not (self.done.wait(self.every) or self.stop.is_set()):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            t0 = time.perf_counter()
            try:
                conn.request("GET", "/metrics")
                response = conn.getresponse()
                body = response.read()
                if response.status != 200 or b"capacity_requests_total" not in body:
                    self.failures.append(f"status {response.status}")
                self.size = len(body)
            except (OSError, http.client.HTTPException) as error:
                self.failures.append(f"{type(error).__name__}: {error}")
            finally:
                conn.close()
            self.times_ms.append((time.perf_counter() - t0) * 1000)

    def finish(self) -> None:
        self.done.set()
        self.join(10)

    def summary(self) -> str:
        times = sorted(self.times_ms)
        median = times[len(times) // 2] if times else math.nan
        return (
            f"scraped the bot's /metrics {len(times)} times, every {self.every:g} s: "
            f"{len(self.failures)} failed, median {median:.1f} ms, the last {self.size:,} bytes"
            + (f" ({self.failures[0]})" if self.failures else "")
        )


# The workspace's users who ask: the warm-up's requests come from the first half, the
# measured ones from all of them (shuffled), so that about half the users are first seen
# by the bot during the measured requests, as after a start or in a new hour of the day.
USERS = [f"U_BENCH{i:03d}" for i in range(97)]
WARM_USERS = USERS[: len(USERS) // 2]
MEASURED_USERS = random.Random(97).sample(USERS, len(USERS))
LOCALES = {
    u: "en-US" if i % 5 == 0 else "nn-NO" if i % 7 == 0 else "nb-NO" for i, u in enumerate(USERS)
}

BODY = command_body(QUERY, user_id=USERS[0], user_name="bench")
BODY_BYTES = BODY.encode()
# The users ask in nb, nn and en (LOCALES): the pace is "Tempo" in Norwegian, "Pace" in English
EXPECTED = {
    QUERY: EXPECT,
    "tempo": ("Tempo 2020: KS storbynettverk:", "Pace 2020: KS storbynettverk:"),
}


def use_query(query: str, expect: str | None) -> None:
    """Send `query` instead of `/capacity Trondheim` (`--query tempo`: the pace)."""
    global QUERY, EXPECT, BODY, BODY_BYTES
    QUERY, EXPECT = query, expect or EXPECTED.get(query, query)
    BODY = command_body(QUERY, user_id="U_BENCH", user_name="bench")
    BODY_BYTES = BODY.encode()


def bodies(count: int, users: list[str]) -> list[tuple[str, bytes]]:
    """Distinct bodies, as Slack sends them (each has its own trigger_id): the bot
    refuses a signed request sent twice as a replay. The users take turns."""
    made = [
        command_body(QUERY, user_id=users[i % len(users)], user_name="bench") for i in range(count)
    ]
    return [(body, body.encode()) for body in made]


def post_once(port: int, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/slack/events", BODY_BYTES, signed_headers(SECRET, BODY))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Phase:
    latencies_ns: list[int]
    first_ns: list[int]  # the requests that were a user's first to this server
    elapsed: float
    errors: int  # connection errors
    bad: int  # wrong answers
    problem: str | None
    timed_out: bool


def run_load(
    server: Server,
    requests: int,
    concurrency: int,
    time_limit: float,
    stop: threading.Event,
    users: list[str] = MEASURED_USERS,
) -> Phase:
    """`requests` signed POSTs from `concurrency` threads, each on its own keep-alive
    connection, or fewer if `time_limit` seconds pass first. The answers are checked
    after the phase, so that parsing them does not load the machine during it."""
    ticket = itertools.count()
    barrier = threading.Barrier(concurrency + 1)
    per_thread: list[list[int]] = [[] for _ in range(concurrency)]
    numbers: list[list[int]] = [[] for _ in range(concurrency)]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in range(concurrency)]
    errors_per_thread = [0] * concurrency
    problems: list[str] = []
    deadline = [0.0]
    timed_out = threading.Event()
    port = server.port
    sign = signed_headers
    clock = time.perf_counter_ns
    prepared = bodies(requests, users)
    socket_timeout = max(1.0, min(10.0, time_limit))

    def client(index: int) -> None:
        latencies, sent = per_thread[index], numbers[index]
        got = answers[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=socket_timeout)
        barrier.wait()
        try:
            while (number := next(ticket)) < requests:
                if stop.is_set():
                    return
                if time.monotonic() > deadline[0]:
                    timed_out.set()
                    return
                body, body_bytes = prepared[number]
                headers = sign(SECRET, body)
                t0 = clock()
                try:
                    conn.request("POST", "/slack/events", body_bytes, headers)
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as error:
                    errors_per_thread[index] += 1
                    if len(problems) < 3:
                        problems.append(f"{type(error).__name__}: {error}")
                    conn.close()
                    continue
                latencies.append(clock() - t0)
                sent.append(number)
                got.append((response.status, data))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + time_limit
    began = time.perf_counter()
    barrier.wait()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # short joins keep Ctrl-C and the watchdog responsive
    elapsed = time.perf_counter() - began
    latencies = [x for part in per_thread for x in part]
    errors = sum(errors_per_thread)
    bad = 0
    seen: dict[tuple[int, bytes], str | None] = {}  # identical answers are checked once
    for part in answers:
        for answer in part:
            if answer not in seen:
                seen[answer] = server.validate(*answer)
            if seen[answer]:
                bad += 1
                if len(problems) < 3:
                    problems.append(seen[answer])  # type: ignore[arg-type]
    server.sent += len(latencies) + errors
    first = []
    for number, latency in sorted(
        (n, x)
        for ns, xs in zip(numbers, per_thread, strict=True)
        for n, x in zip(ns, xs, strict=True)
    ):
        user = users[number % len(users)]
        if user not in server.users_seen:
            server.users_seen.add(user)
            first.append(latency)
    return Phase(
        latencies, first, elapsed, errors, bad, problems[0] if problems else None,
        timed_out.is_set(),
    )  # fmt: skip


@dataclass
class Stats:
    n: int
    p50: float  # ms
    p99: float  # ms
    rps: float
    errors: int
    bad: int
    timed_out: bool
    problem: str | None


def percentile(ordered: list[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanoseconds, in milliseconds."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1] / 1e6


def stats(phases: list[Phase]) -> Stats:
    ordered = sorted(x for p in phases for x in p.latencies_ns)
    elapsed = sum(p.elapsed for p in phases)
    n = len(ordered)
    median = (
        math.nan
        if not n
        else (ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2) / 1e6
    )
    return Stats(
        n=n,
        p50=median,
        p99=percentile(ordered, 99),
        rps=n / elapsed if elapsed > 0 else math.nan,
        errors=sum(p.errors for p in phases),
        bad=sum(p.bad for p in phases),
        timed_out=any(p.timed_out for p in phases),
        problem=next((p.problem for p in phases if p.problem), None),
    )


# -- the run ---------------------------------------------------------------------------


def available(setup: str) -> str | None:
    """Why a set-up cannot run here, or None."""
    missing = [m for m in NEEDS[setup] if importlib.util.find_spec(m) is None]
    if missing:
        return (
            "not installed: "
            + ", ".join(missing)
            + " (.venv/bin/pip install "
            + (" ".join(missing) + ")")
        )
    return None


def package_versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("slack_bolt", "slack_sdk", "waitress", "gunicorn", "uvicorn", "pydantic"):
        with contextlib.suppress(PackageNotFoundError):
            out.append(f"{name} {version(name)}")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke-test run")
    parser.add_argument(
        "--requests", type=int, help="requests per server and concurrency (default 2000)"
    )
    parser.add_argument(
        "--rss-requests", type=int, help="bot requests before reading its RSS (default 10000)"
    )
    parser.add_argument(
        "--builtin-requests",
        type=int,
        help="cap for the slow built-in server per concurrency (default 300)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("CAPACITY_HTTP_THREADS", 8)),
        help="server threads, the bot's and the bare ones' (default CAPACITY_HTTP_THREADS or 8)",
    )
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 4, quick 1)")
    parser.add_argument(
        "--setups",
        default=",".join(DEFAULT_SETUPS),
        help="comma-separated bare set-ups: " + ", ".join(SETUPS),
    )
    parser.add_argument(
        "--phase-limit", type=float, help="seconds per server and concurrency (default 60)"
    )
    parser.add_argument("--time-limit", type=float, help="stop the whole run after this (s)")
    parser.add_argument("--keep", type=Path, help="keep the database and server logs here")
    parser.add_argument(
        "--scrape",
        type=float,
        default=0.0,
        help="GET the bot's /metrics every this many seconds during the run (default: never)",
    )
    parser.add_argument(
        "--query",
        default=QUERY,
        help="the /capacity text sent (default Trondheim; `tempo` is the network's pace)",
    )
    parser.add_argument(
        "--expect", help="how every bot answer's text starts (default: the query's answer)"
    )
    args = parser.parse_args(argv)
    use_query(args.query, args.expect)
    quick = args.quick
    args.requests = args.requests or (300 if quick else 2000)
    args.rss_requests = args.rss_requests or (1500 if quick else 10_000)
    args.builtin_requests = args.builtin_requests or (60 if quick else 300)
    args.rounds = max(1, args.rounds or (1 if quick else 4))
    args.phase_limit = args.phase_limit or (10.0 if quick else 60.0)
    limit = args.time_limit or (180.0 if quick else 900.0)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = [s for s in setups if s not in SETUPS]
    if unknown:
        parser.error(f"unknown set-up(s): {', '.join(unknown)}")

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Timeout

    def on_term(signum, frame):  # noqa: ARG001
        raise SystemExit(143)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.alarm(int(limit))
    began = time.perf_counter()
    stop = threading.Event()
    try:
        return run(args, setups, stop)
    except Timeout:
        print(f"\nTIMEOUT: stopped after {time.perf_counter() - began:.0f} s (--time-limit)")
        return 3
    except KeyboardInterrupt:
        print("\ninterrupted")
        return 130
    finally:
        stop.set()
        signal.alarm(0)
        stop_all()


def run(args: argparse.Namespace, setups: list[str], stop: threading.Event) -> int:
    from capacity import Capacity

    print(
        f"capacity-bot HTTP benchmark ({'quick' if args.quick else 'full'}): python "
        f"{platform.python_version()}, {os.cpu_count()} cpu(s), {platform.machine()}; "
        f"{package_versions()}"
    )
    print(
        f"{args.requests} requests per server and concurrency {CONCURRENCIES} in "
        f"{args.rounds} interleaved round(s) (built-in server: at most "
        f"{args.builtin_requests}); server threads {args.threads}; phase limit "
        f"{args.phase_limit:.0f} s"
    )
    with tempfile.TemporaryDirectory(prefix="capacity-bench-http-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        seed = directory / "seed.db"
        for p in (seed, Path(f"{seed}-wal"), Path(f"{seed}-shm")):
            p.unlink(missing_ok=True)
        service = Capacity.open(str(seed))
        service.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        service.store.db.close()
        bot_db = directory / "bot.db"
        shutil.copyfile(seed, bot_db)

        taken: set[int] = set()

        def unused_port() -> int:
            """A free port not handed out already in this run (the servers start after
            all are chosen, so two could otherwise be given the same one)."""
            while (port := free_port()) in taken:
                pass
            taken.add(port)
            return port

        api_url = f"http://127.0.0.1:{unused_port()}/api/"  # nothing listens there
        # The bot's Web API: a stand-in whose workspace holds the users who ask (users.info
        # and users.list answer for them, with their locales), on loopback (~1 ms a call).
        slack = StandIn().__enter__()
        _stand_ins.append(slack)
        slack.workspace = list(USERS)
        slack.locales.update(LOCALES)
        base_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CAPACITY_"))
        }
        servers: list[Server] = []
        port = unused_port()
        servers.append(
            Server(
                name="bot",
                description="capacity-bot serve --http (async Bolt app, uvicorn)",
                argv=[
                    sys.executable,
                    "-m",
                    "bot",
                    "serve",
                    "--http",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],  # fmt: skip
                env={
                    **base_env,
                    "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": slack.api_url,
                    "CAPACITY_DB": str(bot_db),
                    "CAPACITY_LANGUAGE": "nb",
                    # as deployed: the outbox worker runs (and polls) beside the answers
                    "CAPACITY_ALERT_CHANNEL": "C_BENCH",
                    "CAPACITY_HTTP_THREADS": str(args.threads),
                    "PYTHONPATH": str(REPO),
                },
                port=port,
                log=directory / "bot.log",
                validate=validate_bot,
                is_bot=True,
            )
        )
        skipped: list[str] = []
        for setup in setups:
            why = available(setup)
            if why:
                skipped.append(f"{setup}: {why}")
                continue
            port = unused_port()
            servers.append(
                Server(
                    name=setup,
                    description=SETUPS[setup],
                    argv=[
                        sys.executable,
                        str(REPO / "bench" / "bare_app.py"),
                        "--setup",
                        setup,
                        "--port",
                        str(port),
                        "--threads",
                        str(args.threads),
                        "--secret",
                        SECRET,
                        "--api-url",
                        api_url,
                    ],  # fmt: skip
                    env=base_env,
                    port=port,
                    log=directory / f"{setup}.log",
                    validate=validate_bare,
                    cap=args.builtin_requests if setup == "builtin" else None,
                    multi_process=setup in MULTI_PROCESS,
                )
            )
        for line in skipped:
            print(f"skipped {line}")

        t0 = time.perf_counter()
        for server in servers:
            server.start(cwd=directory)
        print(f"{len(servers)} servers started in {time.perf_counter() - t0:.1f} s")
        scraper = Scraper(servers[0].port, args.scrape, stop) if args.scrape > 0 else None
        if scraper is not None:
            scraper.start()

        warm = 30 if args.quick else 150
        for server in servers:
            for concurrency in CONCURRENCIES:
                n = min(warm, server.cap or warm)
                phase = run_load(server, n, concurrency, args.phase_limit, stop, WARM_USERS)
                if phase.bad or phase.errors:
                    print(f"warning: {server.name} warm-up: {phase.problem}")
        bot = servers[0]
        rss_warm = bot.memory()
        looked_up = {m: len(slack.calls_to(m)) for m in ("users.list", "users.info")}

        for concurrency in CONCURRENCIES:
            for r in range(args.rounds):
                order = servers[r % len(servers) :] + servers[: r % len(servers)]
                for server in order:
                    total = min(args.requests, server.cap or args.requests)
                    n = total // args.rounds + (1 if r < total % args.rounds else 0)
                    phase = run_load(server, n, concurrency, args.phase_limit / args.rounds, stop)
                    server.phases.setdefault(concurrency, []).append(phase)
            print(f"concurrency {concurrency} done")

        # The bot's RSS after --rss-requests requests (warm-up and the phases above count).
        extra = max(0, args.rss_requests - bot.sent)
        t0 = time.perf_counter()
        while extra > 0 and time.perf_counter() - t0 < args.phase_limit:
            phase = run_load(bot, min(extra, 5000), 16, args.phase_limit, stop)
            extra -= len(phase.latencies_ns) + phase.errors
            if phase.bad or phase.errors:
                bot.phases.setdefault(0, []).append(phase)  # counted in the answer check
        rss = bot.memory()
        if scraper is not None:
            scraper.finish()
            print(scraper.summary())
        print(
            f"{len(USERS)} users ask ({len(WARM_USERS)} in the warm-up, the others first in "
            f"the measured requests); the bot's Web API calls to the stand-in: in the start "
            f"and warm-up {looked_up}, in all "
            f"{ {m: len(slack.calls_to(m)) for m in ('users.list', 'users.info')} }"
        )

        return report(args, servers, rss_warm, rss)


def report(
    args: argparse.Namespace,
    servers: list[Server],
    rss_warm: dict[str, int],
    rss: dict[str, int],
) -> int:
    table: dict[str, dict[int, Stats]] = {
        s.name: {c: stats(s.phases.get(c, [])) for c in CONCURRENCIES} for s in servers
    }
    print()
    print(
        f"{'server':<22}{'conc':>5}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}"
        f"{'errors':>8}{'bad':>6}  notes"
    )
    for server in servers:
        for c in CONCURRENCIES:
            st = table[server.name][c]
            notes = []
            if st.timed_out:
                notes.append("phase time limit reached")
            if server.multi_process:
                notes.append("multi-process, not a target")
            if st.problem:
                notes.append(st.problem[:70])
            print(
                f"{server.name:<22}{c:>5}{st.n:>7}{st.p50:>9.2f}{st.p99:>9.2f}{st.rps:>9.0f}"
                f"{st.errors:>8}{st.bad:>6}  {'; '.join(notes)}"
            )
    print()
    for server in servers:
        print(f"  {server.name:<22}{server.description}")

    bot = servers[0]
    bare = [s for s in servers[1:] if not s.multi_process and table[s.name][1].n]

    def score(server: Server) -> float:
        rates = [table[server.name][c].rps for c in CONCURRENCIES]
        if any(not r or math.isnan(r) for r in rates):
            return 0.0
        return math.prod(rates) ** (1 / len(rates))

    print()
    ok = True
    if bare:
        ranked = sorted(bare, key=score, reverse=True)
        print(
            "bare single-process set-ups by throughput (geometric mean of c=1 and c=16): "
            + ", ".join(f"{s.name} {score(s):.0f}" for s in ranked)
        )
        best = ranked[0]
        print(f"fastest bare set-up: {best.name} ({best.description})")
        print()
        print(f"{'bot / ' + best.name:<28}{'conc':>5}{'p50':>8}{'p99':>8}{'req/s':>8}  targets")
        for c in CONCURRENCIES:
            b, f = table[bot.name][c], table[best.name][c]
            r50, r99, rrps = b.p50 / f.p50, b.p99 / f.p99, b.rps / f.rps
            verdicts = [
                f"p50 {'PASS' if r50 <= P50_MAX_RATIO else 'MISS'} (<= {P50_MAX_RATIO})",
                f"p99 {'PASS' if r99 <= P99_MAX_RATIO else 'MISS'} (<= {P99_MAX_RATIO})",
                f"throughput {'PASS' if rrps >= THROUGHPUT_MIN_RATIO else 'MISS'} "
                f"(>= {THROUGHPUT_MIN_RATIO})",
            ]
            print(f"{'':<28}{c:>5}{r50:>7.2f}x{r99:>7.2f}x{rrps:>7.2f}x  " + ", ".join(verdicts))
        same = next((s for s in bare if s.name == "waitress"), None)
        if same is not None and same is not best:
            print(
                f"{'bot / waitress (same server)':<28}{'':>5}{'p50':>8}{'p99':>8}{'req/s':>8}  info"
            )
            for c in CONCURRENCIES:
                b, f = table[bot.name][c], table[same.name][c]
                print(
                    f"{'':<28}{c:>5}{b.p50 / f.p50:>7.2f}x{b.p99 / f.p99:>7.2f}x"
                    f"{b.rps / f.rps:>7.2f}x"
                )
    else:
        print("no bare set-up measured: no ratios")

    print()
    for server in [bot, *sorted(bare, key=score, reverse=True)[:1]]:
        firsts = sorted(
            x for c in CONCURRENCIES for p in server.phases.get(c, []) for x in p.first_ns
        )
        others = sorted(
            x for c in CONCURRENCIES[:1] for p in server.phases.get(c, []) for x in p.latencies_ns
        )
        if firsts:
            print(
                f"{server.name}: the {len(firsts)} measured requests that were a user's first: "
                f"median {percentile(firsts, 50):.2f} ms, max {firsts[-1] / 1e6:.2f} ms "
                f"(all at concurrency 1: median {percentile(others, 50):.2f} ms)"
            )

    rss_mib = rss["VmRSS"] / 1024
    rss_mb = rss["VmRSS"] * 1024 / 1e6
    print()
    print(
        f"bot RSS after {bot.sent:,} requests: VmRSS {rss_mib:.1f} MiB ({rss_mb:.1f} MB), "
        f"VmHWM {rss['VmHWM'] / 1024:.1f} MiB; after warm-up {rss_warm['VmRSS'] / 1024:.1f} MiB"
        f" -> RSS {'PASS' if rss_mb < RSS_MAX_MB else 'MISS'} (< {RSS_MAX_MB:.0f} MB)"
        + ("" if bot.sent >= 10_000 else f" [only {bot.sent:,} requests: --rss-requests]")
    )

    wrong = sum(st.bad + st.errors for st in table[bot.name].values()) + sum(
        p.bad + p.errors for p in bot.phases.get(0, [])
    )
    if wrong:
        ok = False
        print(f"FAIL: {wrong} bot request(s) failed or answered wrongly")
    else:
        print(f"every bot answer was 200 with text starting {EXPECT!r}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
