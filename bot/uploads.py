"""Posting a file in Slack with the current upload flow (`files.upload` is retired).

The flow is three calls: `files.getUploadURLExternal` (filename, length, alt_txt) → POST the
bytes to the `upload_url` it returned → `files.completeUploadExternal` (the file's id and
title, `channel_id`, `thread_ts`, `initial_comment`). slack_sdk's
`AsyncWebClient.files_upload_v2` makes exactly these calls, posting the bytes to whatever
`upload_url` the API returned, so this module leans on it and adds a time limit on the
whole flow and one error type.

Alt text: Slack takes `alt_txt` on `files.getUploadURLExternal` (at most 1000 characters,
else `alt_txt_too_large`); `files_upload_v2` sends it there. The `files` list of
`files.completeUploadExternal` is documented with `id` and `title` only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

ALT_TEXT_LIMIT = 1000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class UploadFailed(Exception):
    """The file was not posted: Slack refused it, the upload failed, or time ran out.

    `error` is Slack's error code when Slack gave one ("not_in_channel", "ratelimited", …),
    else "timeout" or "upload_failed"."""

    def __init__(self, error: str, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error = error


async def upload_png(
    client: AsyncWebClient,
    *,
    channel: str,
    thread_ts: str | None,
    filename: str,
    title: str,
    png: bytes,
    alt_text: str,
    comment: str | None = None,
    timeout: float = 30.0,
) -> str:
    """Post `png` in `channel` (in the thread of `thread_ts` when given) and return its file id.

    `timeout` bounds the three calls together (each is also bounded by the client's own
    timeout). Raises UploadFailed."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    if not filename.lower().endswith(".png"):
        filename += ".png"
    upload = Upload(filename=filename, title=title, data=png, alt_text=alt_text)
    [file_id] = await upload_files(
        client, channel=channel, thread_ts=thread_ts, files=[upload], comment=comment,
        timeout=timeout,
    )  # fmt: skip
    return file_id


@dataclass(frozen=True)
class Upload:
    filename: str
    title: str
    data: bytes = field(repr=False)
    alt_text: str | None = None  # images only


async def upload_files(
    client: AsyncWebClient,
    *,
    channel: str,
    thread_ts: str | None,
    files: list[Upload],
    comment: str | None = None,
    timeout: float = 30.0,
) -> list[str]:
    """Post files together in one message of `channel` (in the thread of `thread_ts`
    when given) and return their ids: each file's URL asked for and its bytes sent, then
    one `files.completeUploadExternal` for them all. Raises UploadFailed."""
    if not files:
        raise ValueError("no files")
    uploads = []
    for item in files:
        upload: dict[str, Any] = {"file": item.data, "filename": item.filename, "title": item.title}
        if item.alt_text:
            upload["alt_txt"] = _clip(item.alt_text)
        uploads.append(upload)
    name = ", ".join(item.filename for item in files)
    try:
        async with asyncio.timeout(timeout):
            response = await client.files_upload_v2(
                channel=channel,
                thread_ts=thread_ts,
                file_uploads=uploads,
                initial_comment=comment,
            )
    except TimeoutError as error:
        raise UploadFailed("timeout", f"{name} not posted within {timeout:g} s") from error
    except SlackApiError as error:
        raise UploadFailed(str(error.response.get("error") or "slack_error")) from error
    except (SlackClientError, aiohttp.ClientError, OSError) as error:
        raise UploadFailed("upload_failed", str(error)) from error
    found = response.get("files") or ([response.get("file")] if response.get("file") else [])
    ids = [str(f.get("id")) for f in found if isinstance(f, dict) and f.get("id")]
    if len(ids) != len(files):
        raise UploadFailed("upload_failed", "no file id in Slack's answer")
    return ids


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"
