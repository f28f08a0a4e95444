"""The served bot's log (`bot.logs`): one line per request, as text or as one JSON object
a line, and never a token, the signing secret or a response_url in any line."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.logs import REDACTED, JsonFormatter, Redactor, TextFormatter, request_line

SECRETS = ("xoxb-1-2-abcdef", "xapp-1-A1-1-0123456789abcdef", "signing-secret-0123456789")


@pytest.fixture
def redact() -> Redactor:
    return Redactor(SECRETS)


def test_the_configured_secrets_and_anything_shaped_like_a_token_are_redacted(redact):
    line = redact(
        "token xoxb-1-2-abcdef, app xapp-1-A1-1-0123456789abcdef, secret "
        "signing-secret-0123456789, another xoxp-99-88-zz and xapp-2-B-3-ff"
    )
    assert not any(secret in line for secret in SECRETS)
    assert "xoxp-99" not in line and "xapp-2" not in line
    assert line.count(REDACTED) == 5


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T1/123/abcSECRET",
        "https://hooks.slack.com/actions/T1/456/defSECRET",
        "http://127.0.0.1:4321/response/r1",
        "wss://wss-primary.slack.com/link/?ticket=SECRET&app_id=A1",
        "https://files.slack.com/upload/v1/SECRET",
        "https://slack.com/api/chat.postMessage?token=SECRET",
    ],
)
def test_a_url_is_cut_to_its_host_unless_it_is_one_of_the_bots_endpoints(redact, url):
    line = redact(f"posting to {url} failed")
    assert url not in line and "SECRET" not in line and "/response/" not in line
    assert line.startswith("posting to ") and line.endswith("/… failed")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/slack/events",
        "http://0.0.0.0:8080/healthz",
        "http://0.0.0.0:8080/metrics",
        "https://slack.com/api/chat.postMessage",
        "http://127.0.0.1:9",
    ],
)
def test_the_bots_own_endpoints_and_the_web_apis_methods_are_kept(redact, url):
    assert redact(f"listening on {url}") == f"listening on {url}"


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.requests", logging.INFO, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_json_line_is_one_object_with_the_requests_fields(redact):
    fields = {"kind": "command", "user": "U1", "channel": "C1", "asked": "/capacity capacity"}
    fields.update(ms=0.42, outcome="kept")
    line = JsonFormatter(redact).format(record("command from U1", request=fields))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "INFO" and parsed["logger"] == "bot.requests"
    assert parsed["message"] == "command from U1"
    assert {k: parsed[k] for k in fields} == fields


def test_a_json_line_redacts_the_message_and_the_traceback(redact):
    try:
        raise RuntimeError("failed at https://hooks.slack.com/commands/T1/1/SECRET")
    except RuntimeError:
        made = record("posting with %s", "xoxb-1-2-abcdef")
        made.exc_info = sys.exc_info()
    parsed = json.loads(JsonFormatter(redact).format(made))
    assert "xoxb" not in parsed["message"] and "SECRET" not in parsed["error"]
    assert "RuntimeError" in parsed["error"]


def test_a_text_line_is_redacted_too(redact):
    line = TextFormatter(redact).format(record("token %s", "xoxb-1-2-abcdef"))
    assert "xoxb" not in line and line.endswith(f"bot.requests: token {REDACTED}")


def test_a_request_line_names_the_request_in_the_bots_words(caplog):
    with caplog.at_level(logging.INFO, logger="bot.requests"):
        request_line("action", "U1", "C1", "capacity_show", 0.0031, "ok")
    [line] = caplog.records
    assert line.getMessage() == "action from U1 in C1: capacity_show, ok in 3.10 ms"
    assert line.request == {  # type: ignore[attr-defined]
        "kind": "action",
        "user": "U1",
        "channel": "C1",
        "asked": "capacity_show",
        "ms": 3.1,
        "outcome": "ok",
    }
