"""Relocation benchmark: assignments under 16 concurrent users, and alert delivery delay.

    .venv/bin/python bench/bench_relocation.py            # full run (about a minute)
    .venv/bin/python bench/bench_relocation.py --quick    # smoke run

In one run, on 127.0.0.1 only, bounded in count and time:

* the bot's HTTP server (`python -m bot serve --http`, a real process) on a temporary
  copy of a seeded database, with the Slack stand-in of the tests (`tests/stand_in.py`)
  as its Web API and response_url;
* the floor: a bare async Bolt app under uvicorn (the bot's own set-up, the fastest
  bare one in `bench_http.py`) whose button listener does `ack()` and one `respond()`
  to the same stand-in, which is the least any assignment answered in Slack costs.

Assignments: each is a click on Confirm (a signed `block_actions` payload) that reserves
one person of a batch in Trondheim, answered through `response_url`, as coordinators do
it; 16 client threads with keep-alive connections. Printed: median and p99 latency and
assignments per second, for the bot and the floor, and the ratios. Target: an assignment
answers within 2x the floor's latency.

Alerts: batches that exceed the network's remaining capacity are registered one at a
time with `/relocation ny`; the delay is from the outbox row's creation (in the
transaction that registered the batch) to the stand-in receiving `chat.postMessage`.
Target: within one second when Slack is up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.pace import PER_CHANNEL  # noqa: E402
from bot.terminal import command_body, signed_headers  # noqa: E402
from capacity import Actor, Capacity  # noqa: E402
from capacity.storage.store import Store  # noqa: E402
from tests.bot_server import SECRET, BotServer, free_port  # noqa: E402
from tests.stand_in import StandIn  # noqa: E402

ADMIN = Actor(id="U_ADMIN", name="bench", trusted=True)
CONCURRENCY = 16
LATENCY_MAX_RATIO = 2.0
ALERT_MAX_SECONDS = 1.0

BARE = """
import sys
import uvicorn
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_sdk.web.async_client import AsyncWebClient

secret, api, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


async def authorize(enterprise_id, team_id, **_):
    return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-bare")


app = AsyncApp(client=AsyncWebClient(base_url=api, timeout=5), signing_secret=secret,
               authorize=authorize, process_before_response=True)


@app.action("relocation_confirm")
async def confirm(ack, respond):
    await ack()
    await respond(replace_original=True, text="constant text")


handler = AsyncSlackRequestHandler(app)


async def asgi(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await handler(scope, receive, send)


uvicorn.run(asgi, host="127.0.0.1", port=port, loop="uvloop", http="httptools",
            log_level="warning", access_log=False, lifespan="off")
"""


def action_body(value: str, response_url: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "ks"},
        "user": {"id": "U_ADMIN", "username": "bench", "name": "bench", "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1"},
        "trigger_id": "1.2.3",
        "channel": {"id": "C1", "name": "bosetting"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": "relocation_confirm",
                "block_id": "confirm",
                "type": "button",
                "value": value,
                "action_ts": "1.3",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def load(port: int, bodies: list[str], deadline: float) -> tuple[list[float], float, int]:
    """Send the bodies from CONCURRENCY threads; latencies (ms), seconds taken, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            headers = signed_headers(SECRET, body)
            start = time.perf_counter()
            conn.request("POST", "/slack/events", body.encode(), headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors += response.status != 200
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start, errors


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def wait_health(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--assignments", type=int, default=3000)
    parser.add_argument("--alerts", type=int, default=20)
    args = parser.parse_args()
    if args.quick:
        args.assignments, args.alerts = 400, 5
    wall_limit = time.monotonic() + 300
    tmp = Path(tempfile.mkdtemp(prefix="bench-relocation-"))
    bare: subprocess.Popen[bytes] | None = None
    try:
        db = tmp / "bench.db"
        service = Capacity.open(str(db))
        service.grant("U_ADMIN", "admin", ADMIN)
        service.report_spare("Trondheim", 100_000, ADMIN, year=2020, source="bench")
        batch = service.create_batch("Bench", 10_000, ADMIN, year=2020, scope="Trondheim").batch
        service.store.close()
        with (
            StandIn() as slack,
            BotServer(
                db, slack.api_url, env={"CAPACITY_ALERT_POLL": "0.5"}, log=tmp / "bot.log"
            ) as bot,
        ):
            port = free_port()
            bare = subprocess.Popen(
                [sys.executable, "-c", BARE, SECRET, slack.api_url, str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_health(port)
            url = slack.response_url("bench")

            def bodies(n: int, offset: int) -> list[str]:
                return [
                    action_body(
                        json.dumps(
                            {
                                "b": batch.id,
                                "n": "5001",
                                "p": 1,
                                "h": [],
                                "k": f"bench-{offset + i}",
                            }
                        ),
                        url,
                    )
                    for i in range(n)
                ]

            # warm-up, then interleaved rounds so drift on a busy machine is shared
            load(bot.port, bodies(100, 10**7), wall_limit)
            load(port, bodies(100, 0), wall_limit)
            rounds = 3
            per = args.assignments // rounds
            bot_lat: list[float] = []
            bare_lat: list[float] = []
            bot_time = bare_time = 0.0
            bot_err = bare_err = 0
            for r in range(rounds):
                lat, took, err = load(bot.port, bodies(per, r * per), wall_limit)
                bot_lat += lat
                bot_time += took
                bot_err += err
                lat, took, err = load(port, bodies(per, 0), wall_limit)
                bare_lat += lat
                bare_time += took
                bare_err += err
            # A click is acknowledged first and answered at its response_url after the
            # reservation: wait (bounded) for every answer before counting what was kept
            clicks = 100 + rounds * per
            drained = time.monotonic()

            def granted() -> list:
                return [
                    c
                    for c in slack.calls_to("response")
                    if c.body.get("text", "").startswith("Tildelt")
                ]

            while len(granted()) < clicks and time.monotonic() < drained + 30:
                time.sleep(0.05)
            drain = time.monotonic() - drained
            answers = granted()
            check = Capacity(Store(db))
            reserved = check.capacity("Trondheim", 2020).reserved

            # alerts: one exceeding batch at a time, delay from outbox row to the stand-in.
            # One a little over a second apart: the bot keeps Slack's limit of one message
            # a second to a channel (`bot.pace`), so a faster burst measures that limit
            for i in range(args.alerts):
                body = command_body(
                    f'ny "Over {i}" 9999 år 2020 omfang Oslo',
                    command="/relocation",
                    user_id="U_ADMIN",
                )
                bot.post_signed(body)
                time.sleep(PER_CHANNEL + 0.05)
            deadline = time.monotonic() + 15
            while (
                time.monotonic() < deadline
                and len(slack.calls_to("chat.postMessage")) < args.alerts
            ):
                time.sleep(0.05)
            posted = {
                c.body["metadata"]["event_payload"]["alert_key"]: c.wall
                for c in slack.calls_to("chat.postMessage")
                if isinstance(c.body.get("metadata"), dict)
            }
            with sqlite3.connect(db) as conn:
                rows = conn.execute("SELECT id, dedupe_key, created_at FROM outbox").fetchall()
            delays = [
                (posted[f"{i}:{key}"] - datetime.fromisoformat(created).timestamp()) * 1000
                for i, key, created in rows
                if f"{i}:{key}" in posted
            ]
        bot_rate = len(bot_lat) / bot_time
        bare_rate = len(bare_lat) / bare_time
        print(
            f"assignments: {len(bot_lat)} to the bot, {len(bare_lat)} to the floor, "
            f"{CONCURRENCY} concurrent users, 127.0.0.1"
        )
        print(f"{'':10}{'p50 ms':>10}{'p99 ms':>10}{'per s':>10}")
        print(
            f"{'bot':10}{statistics.median(bot_lat):>10.2f}{p99(bot_lat):>10.2f}{bot_rate:>10.0f}"
        )
        print(
            f"{'floor':10}{statistics.median(bare_lat):>10.2f}{p99(bare_lat):>10.2f}{bare_rate:>10.0f}"
        )
        p50_ratio = statistics.median(bot_lat) / statistics.median(bare_lat)
        p99_ratio = p99(bot_lat) / p99(bare_lat)
        print(f"{'bot/floor':10}{p50_ratio:>10.2f}{p99_ratio:>10.2f}{bot_rate / bare_rate:>10.2f}")
        print(
            f"errors: bot {bot_err}, floor {bare_err}; reserved in Trondheim {reserved}, "
            f"granted answers {len(answers)} (the last {drain:.2f} s after the last "
            "acknowledgement)"
        )
        ok_assign = (
            p50_ratio <= LATENCY_MAX_RATIO and p99_ratio <= LATENCY_MAX_RATIO and not bot_err
        )
        print(
            ("PASS" if ok_assign else "MISS")
            + f": assignment latency within {LATENCY_MAX_RATIO}x the floor"
        )
        if delays:
            print(
                f"alerts: {len(delays)} of {args.alerts} delivered; delay from commit to Slack: "
                f"median {statistics.median(delays):.0f} ms, p99 {p99(delays):.0f} ms, "
                f"max {max(delays):.0f} ms"
            )
            ok_alert = p99(delays) <= ALERT_MAX_SECONDS * 1000 and len(delays) == args.alerts
            print(
                ("PASS" if ok_alert else "MISS")
                + f": alerts within {ALERT_MAX_SECONDS:.0f} s of the commit"
            )
        else:
            print("MISS: no alert delivered")
        return 0
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
