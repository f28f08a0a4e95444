"""The files one `/capacity Trondheim` passes through the HTTP edge, in process.

    .venv/bin/python bench/request_path.py            # the project's files
    .venv/bin/python bench/request_path.py --all      # and the libraries' (Bolt, slack_sdk, …)

A signed slash command goes through the real edge (`bot.http.SlackAsgi`) of the app
`capacity-bot serve --http` builds, with the user's language known (as it is after the
first request): first a question not kept yet, then the same question again (its answer
kept). A profiler hook records each Python file a call enters, in the order first
entered; the standard library is left out. Prints both lists and their lengths, and how
often the request's decisions were made on the way: its text parsed (`parse`; a
text found in the memo of parsed texts is not parsed again), its shape checked, a kept answer looked for, its
user's language looked up.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.app import LOCAL_SECRET, create_app  # noqa: E402
from bot.http import SlackAsgi  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.terminal import signed_headers  # noqa: E402
from bot.user_language import UserLanguages  # noqa: E402
from capacity import Capacity  # noqa: E402
from tests.asgi import call, signed  # noqa: E402


class Locales:
    async def users_info(self, *, user: str, include_locale: bool) -> dict[str, Any]:
        return {"ok": True, "user": {"id": user, "locale": "nb-NO"}}


def body(text: str) -> str:
    return urlencode(
        {
            "command": "/capacity",
            "text": text,
            "user_id": "U_PATH",
            "user_name": "kari",
            "channel_id": "C1",
            "team_id": "T1",
            "response_url": "https://hooks.slack.com/commands/T1/1/x",
            "trigger_id": f"t.{time.monotonic_ns()}",
        }
    )


DECISIONS = {  # (file, function) → the decision it makes
    ("bot/parse.py", "parse"): "text parsed",
    ("bot/parse_relocation.py", "parse_relocation"): "text parsed",
    ("bot/listeners/shape.py", "problem"): "shape checked",
    ("bot/listeners/shape.py", "event_problem"): "shape checked (event)",
    ("bot/answer_cache.py", "_valid"): "kept answer looked for",
    ("bot/listeners/deps.py", "texts_for"): "language looked up",
    ("bot/listeners/deps.py", "known_texts_for"): "language looked up",
    ("bot/listeners/front.py", "texts"): "language looked up",
}


def decision(frame: Any) -> str | None:
    name = frame.f_code.co_filename
    if not name.startswith(str(REPO)):
        return None
    return DECISIONS.get((name[len(str(REPO)) + 1 :], frame.f_code.co_name))


def callers(frame: Any, depth: int = 4) -> list[Any]:
    found = []
    while (frame := frame.f_back) is not None and len(found) < depth:
        found.append(frame)
    return found


def traced(asgi: SlackAsgi, text: str, everything: bool) -> tuple[int, list[str], dict[str, int]]:
    seen: dict[str, None] = {}
    made: dict[str, int] = {}

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            code = frame.f_code
            seen.setdefault(code.co_filename, None)
            label = decision(frame)
            if label and not any(decision(f) == label for f in callers(frame)):
                made[label] = made.get(label, 0) + 1  # not counted again inside itself

    raw = body(text)
    headers = signed_headers(LOCAL_SECRET, raw)  # signed as Slack does, before the trace
    sys.setprofile(hook)
    try:
        answer = asyncio.run(call(asgi, "/slack/events", raw.encode(), headers))
    finally:
        sys.setprofile(None)
    files = []
    for name in seen:
        path = Path(name)
        if "site-packages" in name:
            if everything:
                files.append(name.split("site-packages/", 1)[1])
        elif path.is_relative_to(REPO) and path.parts[len(REPO.parts)] in ("bot", "capacity"):
            files.append(str(path.relative_to(REPO)))
    return answer.status, files, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="the libraries' files too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "path.db"
        Capacity.open(str(seed)).store.close()
        shutil.copy(seed, Path(tmp) / "bot.db")
        settings = load_settings(
            slack_signing_secret=LOCAL_SECRET,
            slack_bot_token="xoxb-path",
            capacity_db=str(Path(tmp) / "bot.db"),
        )
        app = create_app(settings)
        app.deps.languages = UserLanguages(Locales(), "nb")
        asgi = SlackAsgi(app, LOCAL_SECRET)
        asyncio.run(signed(asgi, LOCAL_SECRET, body("Oslo")))  # imports, the user's language
        for what, text in (("not kept yet", "Trondheim"), ("kept", "Trondheim")):
            status, files, made = traced(asgi, text, args.all)
            print(f"/capacity Trondheim, {what}: {status}, {len(files)} files")
            for name in files:
                print(f"  {name}")
            print("  decisions: " + ", ".join(f"{k} {v}x" for k, v in sorted(made.items())))


if __name__ == "__main__":
    main()
