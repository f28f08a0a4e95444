"""The one helper that posts to a `response_url` (`bot.listeners.response_url`): only to
Slack's, within its time limit, each result logged without the URL and counted."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bot.listeners.response_url import ResponseUrls
from bot.metrics import Metrics
from tests.prometheus import by_label
from tests.stand_in import StandIn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def slack():
    with StandIn() as stand_in:
        yield stand_in


def calls(metrics: Metrics) -> dict[str, float]:
    """`response_url` results counted, by result."""
    text = metrics.exposition()[0].decode()
    return by_label(text, "capacity_slack_calls_total", "result", method="response_url")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T1/1/x", True),
        ("https://slack.com/x", True),
        ("http://hooks.slack.com/commands/T1/1/x", False),  # not https
        ("https://hooks.slack.com.evil.example/x", False),
        ("https://evil.example/hooks.slack.com", False),
        ("http://127.0.0.1:4000/response/x", True),  # the Web API's own origin (the stand-in)
        ("http://127.0.0.1:4001/response/x", False),  # another port
        ("http://[::1/x", False),  # not a URL
        ("", False),
    ],
)
def test_only_slacks_response_urls_are_allowed(url, allowed):
    assert ResponseUrls("http://127.0.0.1:4000/api/", Metrics()).allowed(url) is allowed


def test_a_post_reaches_the_response_url_and_is_counted(slack):
    metrics = Metrics()
    posted = asyncio.run(
        ResponseUrls(slack.api_url, metrics).post(slack.response_url("a"), {"text": "hei"}, "Test")
    )
    assert posted is True
    [call] = slack.responses("a")
    assert call.body["text"] == "hei"
    assert calls(metrics) == {"ok": 1.0}


@pytest.mark.parametrize("url", ["https://evil.example/x", None, 5, "http://127.0.0.1:9/x"])
def test_a_url_that_is_not_slacks_gets_nothing_and_the_log_does_not_name_it(slack, url, caplog):
    metrics = Metrics()
    with caplog.at_level(logging.INFO):
        posted = asyncio.run(ResponseUrls(slack.api_url, metrics).post(url, {"text": "x"}, "Test"))
    assert posted is False and slack.calls_to("response") == []
    assert calls(metrics) == {}
    assert "Test not sent" in caplog.text and "evil" not in caplog.text and "/x" not in caplog.text


@pytest.mark.parametrize(("status", "result"), [(500, "error"), (429, "ratelimited")])
def test_a_refused_post_is_logged_and_counted(slack, status, result, caplog):
    slack.faults["response"] = ("status", status)
    metrics = Metrics()
    url = slack.response_url("r")
    with caplog.at_level(logging.WARNING):
        posted = asyncio.run(ResponseUrls(slack.api_url, metrics).post(url, {}, "Test"))
    assert posted is False
    assert f"Test: the response_url answered {status}" in caplog.text and url not in caplog.text
    assert calls(metrics) == {result: 1.0}


def test_a_slow_response_url_is_given_up_at_the_time_limit(slack, caplog):
    slack.faults["response"] = ("delay", 2.0)
    metrics = Metrics()
    urls = ResponseUrls(slack.api_url, metrics, timeout=0.1)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING):
        posted = asyncio.run(urls.post(slack.response_url("slow"), {}, "Test"))
    assert posted is False and time.monotonic() - began < 1.0
    assert "took longer than 0.1 s" in caplog.text and "/response/" not in caplog.text
    assert calls(metrics) == {"error": 1.0}


def test_no_other_module_of_the_bot_posts_to_a_response_url_itself():
    """Every listener answers at a response_url through the one helper."""
    own = ROOT / "bot" / "listeners" / "response_url.py"
    others = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path != own and "WebhookClient" in path.read_text(encoding="utf-8")
    ]
    assert others == []
