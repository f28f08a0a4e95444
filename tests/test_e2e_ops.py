"""What an operator sees of `capacity-bot serve` run as a real process, in both run modes:
`GET /healthz` and `GET /metrics` (HTTP mode on a port of their own, `--health-port`;
Socket Mode on CAPACITY_HEALTH_PORT, over the real WebSocket stand-in: 503 with the
reason while the socket is down), and the log: one line per request (JSON with
CAPACITY_LOG_FORMAT=json), and not one line, of the whole run, with a token, the signing
secret or a response_url in it."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from capacity import Actor, Capacity
from capacity.storage.store import Store
from tests.bot_server import SECRET, BotServer, free_port
from tests.prometheus import by_label, value
from tests.socket_stand_in import SocketStandIn
from tests.stand_in import StandIn
from tests.test_socket_mode import BUTTON_PAYLOAD, SLASH_COMMAND, bot_process, link_or_exit
from tests.waiting import wait_until

pytestmark = pytest.mark.slow

BOT_TOKEN = "xoxb-e2e"  # BotServer's and bot_process's
APP_TOKEN = "xapp-1-A1-e2e-ops-app-token"
ADMIN = Actor(id="U_ADMIN", name="ada")
CLI = Actor(id="cli:test", name="test", trusted=True)


def get(url: str, **headers: str) -> tuple[int, bytes, str]:
    """GET without Slack's signature: (status, body, content type)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read(), answer.headers.get("Content-Type", "")


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


def request_lines(log: Path) -> list[dict]:
    return [
        parsed for parsed in map(json.loads, lines(log)) if parsed.get("logger") == "bot.requests"
    ]


# -- HTTP mode --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_bot(_seeded_template, tmp_path_factory):
    """(the bot, its stand-in for Slack): HTTP mode, health and metrics on their own
    port, the log as JSON; an app token in its environment too (never to be logged)."""
    tmp = tmp_path_factory.mktemp("ops-http")
    db = tmp / "bot.db"
    shutil.copy(_seeded_template, db)
    service = Capacity(Store(db))
    service.grant(ADMIN.id, "admin", CLI)
    service.store.close()
    with StandIn() as slack:
        env = {"CAPACITY_LOG_FORMAT": "json", "SLACK_APP_TOKEN": APP_TOKEN}
        server = BotServer(db, slack.api_url, env=env, health_port=free_port(), log=tmp / "log")
        with server:
            yield server, slack


def test_http_mode_serves_health_and_metrics_on_the_health_port_only(http_bot):
    bot, _ = http_bot
    assert get(bot.health_url + "/healthz")[:2] == (200, b'{"ok": true}')
    status, body, content_type = get(bot.health_url + "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    assert b"# TYPE capacity_requests_total counter" in body
    openmetrics = "application/openmetrics-text; version=1.0.0"
    status, body, content_type = get(bot.health_url + "/metrics", Accept=openmetrics)
    assert status == 200 and content_type.startswith(openmetrics) and body.endswith(b"# EOF\n")
    for path in ("/healthz", "/metrics"):
        assert get(bot.url + path)[0] == 404  # where Slack's requests come in


def test_http_mode_metrics_count_what_the_bot_did(http_bot):
    bot, slack = http_bot
    before = get(bot.health_url + "/metrics")[1].decode()
    assert bot.command("Trondheim", user_id="U_OPS1").status == 200
    assert bot.command("Trondheim", user_id="U_OPS1").status == 200  # the kept answer
    url = slack.response_url("ops-click")
    slack.answer_to(
        "ops-click", lambda: bot.action("capacity_show", '{"n": "0301"}', response_url=url)
    )

    def counted(text: str, name: str, **labels: str) -> float:
        return (value(text, name, **labels) or 0) - (value(before, name, **labels) or 0)

    # the click's answer is counted when Slack has answered its post, just after the
    # stand-in saw it: scraped until it is there
    text = wait_until(
        lambda: (
            (found := get(bot.health_url + "/metrics")[1].decode())
            and counted(found, "capacity_slack_calls_total", method="response_url", result="ok")
            and found
        ),
        "the click's answer to Slack counted in the metrics",
        timeout=10.0,
    )

    def grew(name: str, **labels: str) -> float:
        return counted(text, name, **labels)

    assert grew("capacity_requests_total", kind="command", outcome="ok") == 1
    assert grew("capacity_requests_total", kind="command", outcome="kept") == 1
    assert grew("capacity_requests_total", kind="action", outcome="ok") == 1
    # the language of each user (U_OPS1's and the clicker's): looked up once
    assert grew("capacity_slack_calls_total", method="users.info", result="ok") == 2
    assert grew("capacity_slack_calls_total", method="response_url", result="ok") == 1
    assert by_label(text, "capacity_outbox_messages", "status") == {"pending": 0, "failed": 0}


def test_each_request_is_one_json_line_and_no_line_holds_a_secret(http_bot):
    bot, slack = http_bot
    log = bot.log
    seen = len(request_lines(log))
    urls = [slack.response_url(f"secret-{n}") for n in range(4)]
    bot.command("Bergen Zqxprivate words", user_id="U_OPS2", response_url=urls[0])
    bot.command('ny "Zqx gruppe" 20 år 2020', command="/relocation", user_id=ADMIN.id)
    slack.faults["response"] = ("status", 500)  # a click's answer refused: logged
    bot.action("capacity_show", '{"n": "4601"}', response_url=urls[1], user_id="U_OPS2")
    slack.wait_responses("secret-1")
    del slack.faults["response"]
    number = {"actions": [{"action_id": "capacity_show", "block_id": "b", "value": 5}]}
    assert bot.action("x", "", response_url=urls[2], extra=number).status == 400
    assert bot.action("x", "{}", response_url="https://evil.example/r").status == 400
    assert bot.request("/slack/events", b"command=/capacity", {"x": "y"}).status == 401
    opened = {"type": "app_home_opened", "user": "U_OPS2", "tab": "home"}
    assert bot.event(opened, event_id="EvOps1").status == 200
    slack.wait_for("views.publish")
    assert bot.command("Oslo", user_id="U_OPS2", response_url=urls[3]).status == 200

    # the two malformed clicks: the first logged, the second only counted (anyone able to
    # send such requests must not fill the log: logged again at the 10th, 100th, …)
    new = wait_until(
        lambda: (found := request_lines(log)[seen:]) and len(found) >= 7 and found,
        "the seven requests' lines in the log",
        timeout=10.0,
    )
    assert sorted((r["kind"], r["outcome"]) for r in new) == sorted(
        [
            ("command", "ok"),
            ("command", "ok"),
            ("action", "ok"),
            ("action", "malformed"),
            ("unknown", "unverified"),
            ("event", "ok"),
            ("command", "ok"),
        ]
    )
    text = get(bot.health_url + "/metrics")[1].decode()
    assert value(text, "capacity_requests_total", kind="action", outcome="malformed") == 2
    asked = {r["asked"] for r in new}
    assert {"/capacity capacity", "/relocation new", "capacity_show", "app_home_opened"} <= asked
    first = next(r for r in new if r["asked"] == "/capacity capacity")
    assert (first["user"], first["channel"]) == ("U_OPS2", "CLOCAL") and first["ms"] > 0
    wait_until(
        lambda: any("response_url answered 500" in x for x in lines(log)),
        "the refused answer logged",
        timeout=10.0,
    )
    everything = lines(log)
    assert all(json.loads(line) for line in everything)  # every line is one JSON object
    for secret in (BOT_TOKEN, APP_TOKEN, SECRET, "Zqx", *urls, "/response/secret", "evil"):
        assert not [line for line in everything if secret in line], secret


# -- Socket Mode --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def socket_bot(_seeded_template, tmp_path_factory):
    """(the stand-in, the bot's first link, the health port's URL, the log): Socket Mode
    with CAPACITY_HEALTH_PORT, the log as text."""
    tmp = tmp_path_factory.mktemp("ops-socket")
    db, log = tmp / "bot.db", tmp / "bot.log"
    shutil.copy(_seeded_template, db)
    port = free_port()
    with (
        SocketStandIn() as slack,
        bot_process(
            db, slack.api_url, log, SLACK_APP_TOKEN=APP_TOKEN, CAPACITY_HEALTH_PORT=str(port)
        ) as process,
    ):
        link = link_or_exit(slack, process, log)
        link.hello()
        yield slack, link, f"http://127.0.0.1:{port}", log


def test_socket_mode_is_healthy_once_connected_and_counts_its_envelopes(socket_bot):
    slack, link, health, _ = socket_bot
    wait_until(lambda: get(health + "/healthz")[0] == 200, "/healthz to answer 200", timeout=10.0)
    assert get(health + "/healthz")[1] == b'{"ok": true}'
    command = {**SLASH_COMMAND, "response_url": slack.response_url("ops")}
    for n in range(2):  # the second: the kept answer (each its own command: no replay)
        asked = {**command, "trigger_id": f"t.ops.{n}"}
        ack = link.envelope("slash_commands", f"env-ops-{n}", asked)
        assert ack["payload"]["text"].startswith("Tromsø (5401)")
    button = {**BUTTON_PAYLOAD, "response_url": slack.response_url("ops-button")}
    link.envelope("interactive", "env-ops-button", button)
    slack.wait_for("/response/ops-button")
    text = wait_until(
        lambda: (
            (found := get(health + "/metrics")[1].decode())
            and value(found, "capacity_slack_calls_total", method="response_url", result="ok")
            and found
        ),
        "the button's answer to Slack counted in the metrics",
        timeout=10.0,
    )
    assert by_label(text, "capacity_requests_total", "outcome", kind="command") == {
        "ok": 1.0,
        "kept": 1.0,
    }
    assert value(text, "capacity_requests_total", kind="action", outcome="ok") == 1
    assert value(text, "capacity_slack_calls_total", method="apps.connections.open", result="ok")
    assert APP_TOKEN not in text and BOT_TOKEN not in text and "Tromsø" not in text


def test_socket_mode_log_has_a_line_per_envelope_and_no_secret(socket_bot):
    slack, link, _, log = socket_bot
    command = {**SLASH_COMMAND, "text": "Zqx hemmelig", "response_url": slack.response_url("x9")}
    link.envelope("slash_commands", "env-ops-secret", command)
    line = wait_until(
        lambda: next((x for x in lines(log) if "bot.requests" in x and "U1 in C1" in x), ""),
        "the command's line in the log",
        timeout=10.0,
    )
    assert "command from U1 in C1: /capacity capacity, ok in " in line
    text = log.read_text(encoding="utf-8")
    for secret in (APP_TOKEN, BOT_TOKEN, "Zqx", slack.response_url("x9"), "ticket="):
        assert secret not in text, secret


def test_socket_mode_healthz_is_503_with_the_reason_while_the_socket_is_down(socket_bot):
    slack, link, health, _ = socket_bot
    slack.refusing = True  # Slack cannot hand out a new socket
    link.close()
    wait_until(lambda: get(health + "/healthz")[0] == 503, "/healthz to answer 503", timeout=10.0)
    code, body, _ = get(health + "/healthz")
    assert code == 503
    answer = json.loads(body)
    assert answer["ok"] is False and "Socket Mode connection to Slack is down" in answer["reason"]
    assert answer["check"] == "socket"
    assert get(health + "/metrics")[0] == 200  # metrics still answer
