"""The HTTP benchmark's check of the bot's answers (`bench/bench_http.py`): its users ask
in Bokmål, Nynorsk and English, so each language's answer must pass it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.app import LOCAL_SECRET, create_app
from bot.settings import load_settings
from bot.terminal import ask

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_http.py"


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_http_checked", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("query", ["Trondheim", "tempo"])
def test_the_benchmarks_check_takes_the_bots_answer_in_each_language_its_users_ask_in(
    seeded, query
):
    bench = benchmark()
    bench.use_query(query, None)
    assert set(bench.LOCALES.values()) == {"nb-NO", "nn-NO", "en-US"}
    for language in ("nb", "nn", "en"):
        settings = load_settings(slack_signing_secret=LOCAL_SECRET, capacity_language=language)
        answer = ask(create_app(settings, seeded), LOCAL_SECRET, query)
        assert bench.validate_bot(200, json.dumps(answer).encode()) is None, (language, answer)
    assert bench.validate_bot(200, json.dumps({"text": "Oslo (0301)"}).encode()) is not None
