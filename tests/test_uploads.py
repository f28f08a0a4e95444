"""Posting a chart through Slack's current upload flow, against the stand-in on 127.0.0.1:
files.getUploadURLExternal → the bytes to the upload URL it gave → files.completeUploadExternal."""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.uploads import UploadFailed, upload_png
from capacity.charts import Labels, NetworkChart, NetworkRow, render
from tests.stand_in import StandIn


@pytest.fixture(scope="module")
def chart():
    rows = [NetworkRow("Oslo", 73, 0, 73), NetworkRow("Trondheim", 115, 20, 95)]
    return render(NetworkChart("KS storbynettverk 2020", rows, Labels.nb()))


def client(slack: StandIn) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=slack.api_url, timeout=5)


def upload(slack: StandIn, chart, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "channel": "C0123456789",
        "thread_ts": "1600000001.000100",
        "filename": "ks-2020.png",
        "title": "KS storbynettverk 2020",
        "png": chart.png,
        "alt_text": chart.alt_text,
        "comment": "Ledige plasser i storbynettverket",
        "timeout": 10,
    }
    arguments.update(overrides)
    return asyncio.run(upload_png(client(slack), **arguments))


def test_upload_png_makes_the_three_calls_in_order_and_sends_the_exact_bytes(chart):
    with StandIn() as slack:
        file_id = upload(slack, chart)
        methods = [c.method for c in slack.calls]
        assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
        asked, sent, completed = slack.calls

    assert asked.body["filename"] == "ks-2020.png"
    assert int(asked.body["length"]) == len(chart.png)
    assert asked.body["alt_txt"] == chart.alt_text
    assert asked.headers["Authorization"] == "Bearer xoxb-test"

    assert sent.path == f"/upload/{file_id}"
    received = slack.files[file_id]["data"]
    assert received == chart.png  # byte for byte: not decoded, not re-encoded
    assert received[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", received[16:24]) == (chart.width, chart.height) == (1200, 700)

    assert completed.body["files"] == [{"id": file_id, "title": "KS storbynettverk 2020"}]
    assert completed.body["channel_id"] == "C0123456789"
    assert completed.body["thread_ts"] == "1600000001.000100"
    assert completed.body["initial_comment"] == "Ledige plasser i storbynettverket"
    assert slack.files[file_id]["completed"]


def test_without_a_thread_the_file_goes_to_the_channel(chart):
    with StandIn() as slack:
        file_id = upload(slack, chart, thread_ts=None, comment=None)
        (completed,) = slack.calls_to("files.completeUploadExternal")
    assert completed.body["channel_id"] == "C0123456789"
    assert "thread_ts" not in completed.body
    assert "initial_comment" not in completed.body
    assert slack.files[file_id]["thread_ts"] is None


def test_the_bytes_go_to_whatever_upload_url_the_api_returned(chart):
    class Elsewhere(StandIn):
        def upload_url(self, file_id: str) -> str:
            return f"http://127.0.0.1:{self.port}/upload/v1/{file_id}?sig=AbC-123_x&v=1"

    with Elsewhere() as slack:
        file_id = upload(slack, chart)
        (sent,) = slack.calls_to("upload")
    assert sent.path == f"/upload/v1/{file_id}?sig=AbC-123_x&v=1"
    assert slack.files[file_id]["data"] == chart.png


def test_the_stand_in_takes_a_multipart_upload_too(chart):
    """Slack accepts the bytes raw (as slack_sdk sends them) or as a form's file field."""
    import aiohttp

    async def post_form(url: str) -> int:
        form = aiohttp.FormData()
        form.add_field("filename", "x.png")
        form.add_field("file", chart.png, filename="x.png", content_type="image/png")
        async with aiohttp.ClientSession() as session, session.post(url, data=form) as answer:
            return answer.status

    with StandIn() as slack:
        asked = asyncio.run(client(slack).files_getUploadURLExternal(filename="x.png", length=9))
        assert asyncio.run(post_form(asked["upload_url"])) == 200
        assert slack.files[asked["file_id"]]["data"] == chart.png
        assert asyncio.run(post_form(slack.upload_url("F404"))) == 404


def test_a_long_alt_text_is_cut_to_slacks_limit(chart):
    with StandIn() as slack:
        file_id = upload(slack, chart, alt_text="Oslo 73. " * 300)
    alt = slack.files[file_id]["alt_txt"]
    assert len(alt) == 1000 and alt.endswith("…")


@pytest.mark.slow
def test_upload_png_gives_up_after_its_time_limit(chart):
    with StandIn() as slack:
        slack.upload_script.append(("stall", 3))
        started = time.monotonic()
        with pytest.raises(UploadFailed) as failed:
            upload(slack, chart, timeout=0.2)
        assert time.monotonic() - started < 2.5
        assert failed.value.error == "timeout"
        assert slack.calls_to("files.completeUploadExternal") == []


def test_a_failed_upload_is_reported_and_nothing_is_shared(chart):
    with StandIn() as slack:
        slack.upload_script.append(("status", 500))
        with pytest.raises(UploadFailed) as failed:
            upload(slack, chart)
        assert failed.value.error == "upload_failed"
        assert slack.calls_to("files.completeUploadExternal") == []


def test_slacks_refusal_is_reported_with_its_error_code(chart):
    class NotInChannel(StandIn):
        def _complete_upload(self, body: dict[str, Any]) -> dict[str, Any]:
            return {"ok": False, "error": "not_in_channel"}

    with NotInChannel() as slack, pytest.raises(UploadFailed) as failed:
        upload(slack, chart)
    assert failed.value.error == "not_in_channel"


def test_only_a_png_is_uploaded(chart):
    with StandIn() as slack:
        with pytest.raises(ValueError):
            upload(slack, chart, png=b"GIF89a")
        assert slack.calls == []
