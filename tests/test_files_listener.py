"""The file listeners in process: too many files at once are refused in the answer, a
failed upload is told through the response_url (never to a URL that is not Slack's), and
an export's DM that cannot be opened is told too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import Texts
from bot.listeners.deps import Deps
from bot.listeners.files import PENDING, Files
from bot.parse import parse
from capacity.charts.build import build
from tests.stand_in import StandIn


class Ack:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.answers.append(kwargs)


def files_for(fresh, slack: StandIn, language: str = "nb") -> Files:
    return Files(Deps(service=fresh, texts=Texts(language), api_url=slack.api_url))


def test_too_many_files_at_once_are_refused_in_the_answer(fresh):
    with StandIn() as slack:
        files = files_for(fresh, slack, "en")
        client = AsyncWebClient(token="xoxb-t", base_url=slack.api_url)

        async def run() -> list[dict[str, Any]]:
            busy = [asyncio.get_running_loop().create_future() for _ in range(PENDING)]
            files.later.tasks.update(busy)  # type: ignore[arg-type]
            ack = Ack()
            command = {"channel_id": "C1", "user_id": "U1", "response_url": slack.response_url()}
            await files.chart_command(ack, command, client, parse("Trondheim graf"))
            await files.export_command(ack, command, client, parse("export"))
            return ack.answers

        answers = asyncio.run(run())
        assert [a["text"] for a in answers] == [
            "Many charts and exports are being made right now. Try again in a moment."
        ] * 2
        assert slack.calls == []


@pytest.mark.slow
def test_a_failed_upload_is_told_through_the_response_url_in_the_users_language(fresh):
    with StandIn() as slack:
        slack.upload_script.extend([("status", 500), ("status", 500)])
        files = files_for(fresh, slack, "nn")
        client = AsyncWebClient(token="xoxb-t", base_url=slack.api_url)
        built = build(fresh, "Bergen", None, "nn")

        async def run() -> None:
            await files.post_chart(client, built, channel="C1", thread_ts=None, user="U1",
                                   response_url=slack.response_url("told"))  # fmt: skip
            await files.post_chart(client, built, channel="C1", thread_ts=None, user="U1",
                                   response_url="https://evil.example/x")  # fmt: skip

        asyncio.run(run())
        [told] = slack.calls_to("response")
        assert told.body["text"].startswith("Grafen for Bergen (4601) vart ikkje lagd ut (")
        assert len(slack.calls_to("upload")) == 2  # both tried; neither shared
        assert slack.calls_to("files.completeUploadExternal") == []
        assert len(slack.calls_to("response")) == 1  # not to a URL that is not Slack's


def test_an_export_whose_direct_message_cannot_be_opened_is_told(fresh):
    class NoDirect(StandIn):
        def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
            if method == "conversations.open":
                return {"ok": False, "error": "user_not_found"}
            return super()._answer(method, body)

    with NoDirect() as slack:
        files = files_for(fresh, slack, "en")
        client = AsyncWebClient(token="xoxb-t", base_url=slack.api_url)
        command = {"user_id": "U_ADMIN", "user_name": "ada", "response_url": slack.response_url()}
        asyncio.run(files.send_export(client, command, None))
        [told] = slack.calls_to("response")
        assert (
            told.body["text"] == "The export was not sent (user_not_found). Try again in a moment."
        )
        assert slack.calls_to("files.getUploadURLExternal") == []


@pytest.mark.slow
def test_in_socket_mode_the_chart_is_posted_after_the_answer_on_the_socket(on_disk):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_sdk.socket_mode.request import SocketModeRequest

    from bot.app import create_app
    from bot.settings import load_settings

    class Socket:
        def __init__(self) -> None:
            import logging

            self.sent: list[Any] = []
            self.logger = logging.getLogger("test.socket")

        async def send_socket_mode_response(self, response: Any) -> None:
            self.sent.append(response)

    with StandIn() as slack:
        settings = load_settings(
            slack_bot_token="xoxb-test", slack_app_token="xapp-1-test", slack_api_url=slack.api_url
        )
        app = create_app(settings, on_disk)
        payload = {
            "team_id": "T1", "channel_id": "C_SOCKET", "user_id": "U1", "user_name": "kari",
            "command": "/capacity", "text": "5001 chart", "api_app_id": "A1",
            "response_url": slack.response_url("s1"), "trigger_id": "1.2.3",
        }  # fmt: skip
        envelope = {"envelope_id": "e-1", "type": "slash_commands",
                    "accepts_response_payload": True, "payload": payload}  # fmt: skip
        socket = Socket()

        async def deliver() -> None:
            handler = AsyncSocketModeHandler(app, settings.slack_app_token)  # never connected
            await handler.handle(socket, SocketModeRequest.from_dict(envelope))
            answered = len(slack.calls)  # the answer went back before any upload began
            for _ in range(200):
                if any(f.get("completed") for f in slack.files.values()):
                    break
                await asyncio.sleep(0.05)
            await handler.client.aiohttp_client_session.close()
            assert answered == 0

        asyncio.run(deliver())
        [response] = socket.sent
        assert response.payload["text"] == "Lager grafen for Trondheim (5001) …"
        [posted] = slack.files.values()
        assert posted["channel"] == "C_SOCKET" and posted["data"][:8] == b"\x89PNG\r\n\x1a\n"
