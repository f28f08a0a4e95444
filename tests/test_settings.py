"""Settings: a missing or malformed one is a clear start-up error naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_need_no_slack_account(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.capacity_language == "nb"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"CAPACITY_LANGUAGE": "sv"}, "CAPACITY_LANGUAGE"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"CAPACITY_LOW_RATIO": "lots"}, "CAPACITY_LOW_RATIO"),
    ],
)
def test_a_malformed_setting_is_named(monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_settings_come_from_dot_env_under_the_environment_and_what_the_code_passes(
    monkeypatch, tmp_path
):
    (tmp_path / ".env").write_text(
        "CAPACITY_ALERT_CHANNEL=C_FROM_FILE\nCAPACITY_STALE_DAYS=30\ncapacity_low_ratio=0.25\n"
        "CAPACITY_POST_RATE=2\nNOT_A_SETTING=ignored\n"
    )
    monkeypatch.chdir(tmp_path)
    for name in ("CAPACITY_ALERT_CHANNEL", "CAPACITY_STALE_DAYS", "CAPACITY_LOW_RATIO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAPACITY_STALE_DAYS", "45")
    monkeypatch.setenv("capacity_post_rate", "3")
    settings = load_settings(capacity_post_rate=5)
    assert settings.capacity_alert_channel == "C_FROM_FILE"
    assert settings.capacity_low_ratio == 0.25  # a name in any case
    assert settings.capacity_stale_days == 45  # the environment's over the file's
    assert settings.capacity_post_rate == 5  # what the code passes over both


def test_a_malformed_setting_in_dot_env_is_named(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CAPACITY_BUSY_TIMEOUT_MS=1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_BUSY_TIMEOUT_MS", raising=False)
    with pytest.raises(SettingsError, match="CAPACITY_BUSY_TIMEOUT_MS"):
        load_settings()


@pytest.mark.slow
def test_serve_without_tokens_names_what_is_missing(tmp_path):
    env = {"PATH": "", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ask_answers_offline_in_a_terminal(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "Tromso", "--db", str(tmp_path / "c.db")],
        env={"PATH": "", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Tromsø (5401), 2020: 50 ledige plasser nå")
    assert "Vedtak: 82" in result.stdout
