"""The served bot's log: one line per request, as text or as JSON (`CAPACITY_LOG_FORMAT`).

Each request Slack sends gets one line when it is answered (`request_line`): its kind
(command, action, view, event), the user's and the channel's ids, what was asked in the
bot's own words (`/capacity capacity`, an action's id: never the text a user typed), the
time to the answer and the outcome. Requests refused as not Slack's (unsigned, too
large, malformed, an unmarked copy) are logged the first time and then at the 10th,
100th, … of each outcome: anyone can send them, and they must not fill the log (the
metrics count every one). With `CAPACITY_LOG_FORMAT=json` every line is one
JSON object (`time`, `level`, `logger`, `message`, and a request's fields).

No line carries a secret: the bot never logs a token, the signing secret or a
`response_url`, and every line passes `Redactor` on its way out, which replaces the
configured secrets and anything shaped like a Slack token, and cuts every URL to its
host except the bot's own endpoints and the Web API's methods (a `response_url`, a
Socket Mode ticket, an upload URL are credentials).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

REQUESTS = logging.getLogger("bot.requests")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")

_TOKEN = re.compile(r"\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+")
_URL = re.compile(r"\b(https?|wss?)://([^/\s'\"<>]+)([^\s'\"<>]*)")
_KEPT_PATHS = re.compile(r"/(?:slack/events|healthz|metrics|api/[A-Za-z.]+)/?$")
REDACTED = "[redacted]"


def request_line(
    kind: str,
    user: str,
    channel: str,
    asked: str,
    seconds: float,
    outcome: str,
    count: int = 1,
) -> None:
    """One request, answered; `count`: the how-manieth of its outcome this line stands
    for (refused requests are logged at the 1st, 10th, 100th, …: `front.REFUSED`)."""
    if not REQUESTS.isEnabledFor(logging.INFO):
        return
    ms = round(seconds * 1000, 2)
    fields = {
        "kind": kind,
        "user": user,
        "channel": channel,
        "asked": asked,
        "ms": ms,
        "outcome": outcome,
    }
    if count > 1:
        fields["count"] = count
    REQUESTS.info(
        "%s from %s in %s: %s, %s in %.2f ms%s",
        kind,
        user or "-",
        channel or "-",
        asked or "-",
        outcome,
        ms,
        f" ({count:,} so far)" if count > 1 else "",
        extra={"request": fields},
    )


class Redactor:
    """Takes secrets out of a log line (see the module)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if "xox" in text or "xapp-" in text:
            text = _TOKEN.sub(REDACTED, text)
        if "://" in text:
            text = _URL.sub(_cut, text)
        return text


def _cut(match: re.Match[str]) -> str:
    scheme, host, rest = match.groups()
    path = rest.split("?", 1)[0].split("#", 1)[0]
    if not rest or (path == rest and _KEPT_PATHS.search(path)):
        return match.group(0)
    return f"{scheme}://{host}/…"


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact
        self._second, self._stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """logging's own time (`2026-12-09 14:02:11,204`), its date and second made once
        a second rather than once a line (called under the handler's lock)."""
        second = int(record.created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
            self._second = second
        return f"{self._stamp},{int(record.msecs):03d}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        request = getattr(record, "request", None)  # `extra` of request_line
        if isinstance(request, dict):
            line.update(request)
        if record.exc_info:
            line["error"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["error"] = self.redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False)


def configure(form: str = "text", secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """The process's log: to stderr, in `form` (text or json), every line redacted."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if form == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # What the formats never show is not gathered for each line (the logging HOWTO's
    # "Optimization": the caller's file and line, the process, the thread's name)
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logProcesses = logging.logMultiprocessing = logging.logThreads = False
