"""The bot's settings, from the environment and `.env` (pydantic-settings).

A missing or malformed setting is a start-up error that names the variable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.rehearsal import FileClock
from capacity.domain.backups import DEFAULT_KEEP, parse_keep
from capacity.domain.clock import Clock, utc_now
from capacity.domain.rounds import DEFAULT_REMINDERS, Reminder, parse_reminders
from capacity.usecases import backups
from capacity.usecases.summary import DEFAULT_AT, SummaryTime, parse_summary_time

SLACK_API_URL = "https://slack.com/api/"
# the settings a parser of the core reads: checked at the start, kept as typed
PARSED: dict[str, Callable[[str], object]] = {
    "capacity_summary_at": parse_summary_time,
    "capacity_round_reminders": parse_reminders,
    "capacity_backup_at": backups.parse_backup_time,
    "capacity_backup_keep": parse_keep,
}


class SettingsError(Exception):
    """A setting is missing or malformed"""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str = Field(default="", description="SLACK_BOT_TOKEN, xoxb-…")
    slack_signing_secret: str = Field(default="", description="SLACK_SIGNING_SECRET (HTTP mode)")
    slack_app_token: str = Field(default="", description="SLACK_APP_TOKEN, xapp-… (Socket Mode)")
    slack_api_url: str = SLACK_API_URL
    capacity_db: str | None = None
    capacity_language: Literal["nb", "nn", "en"] = "nb"
    capacity_alert_channel: str = ""
    capacity_low_ratio: float = Field(default=0.10, ge=0, le=1)
    # a write that cannot get the lock this soon answers "busy, nothing changed"
    capacity_busy_timeout_ms: int = Field(default=2000, ge=50, le=60_000)
    capacity_alert_retry_max: float = Field(
        default=300.0, gt=0, description="longest wait between retries, s"
    )
    # longer than one delivery can take (3 history pages and a post, 5 s each)
    capacity_alert_lease: float = Field(
        default=60.0, gt=0, description="s an alert is held while delivered"
    )
    capacity_alert_poll: float = Field(default=0.5, gt=0, le=60)
    # the weekly summary to CAPACITY_ALERT_CHANNEL: a weekday and a time, Norwegian time
    capacity_summary_at: str = Field(default=DEFAULT_AT, description="'mon 08:00' or 'off'")
    # GET /healthz and /metrics on a port of their own (Socket Mode: the only way to get them)
    capacity_health_port: int | None = Field(default=None, ge=1, le=65535)
    # the log: one line per request; `json` writes each line as one JSON object
    capacity_log_format: Literal["text", "json"] = "text"

    # collection rounds: reminders before the deadline (days before its date, at a time,
    # Norwegian time), the tracker's least seconds between two updates, and how many
    # chat.postMessage a second the bot sends across the workspace (Slack: several
    # hundred a minute; one a second per channel is kept besides)
    capacity_round_reminders: str = Field(
        default=DEFAULT_REMINDERS, description="'7d 09:00, 2d 09:00, 0d 09:00' or 'off'"
    )
    capacity_tracker_interval: float = Field(default=5.0, ge=0.1, le=3600)
    capacity_post_rate: float = Field(default=4.0, gt=0, le=100)
    # a reported figure older than this many days is marked old
    capacity_stale_days: int = Field(default=60, ge=1, le=3650)
    # rehearsing a schedule: the bot's "now" from this file (bot/rehearsal.py)
    capacity_clock_file: str = ""
    # scheduled backups into this directory (off when unset), at a time (every day) or a
    # weekday and a time (once a week), Norwegian time; the retention after each
    capacity_backup_dir: str = ""
    capacity_backup_at: str = Field(default=backups.DEFAULT_AT, description="'03:00', 'søn 03:00'")
    capacity_backup_keep: str = Field(default=DEFAULT_KEEP, description="'7d 4w' or 'all'")

    @field_validator(*PARSED)
    @classmethod
    def _parsed(cls, value: str, info: ValidationInfo) -> str:
        PARSED[str(info.field_name)](value)  # a ValueError names what is accepted
        return value.strip()

    @property
    def backup_plan(self) -> backups.BackupPlan | None:
        """Where, when and how many scheduled backups; None when they are off."""
        at = backups.parse_backup_time(self.capacity_backup_at)
        if not self.capacity_backup_dir or at is None:
            return None
        directory = Path(self.capacity_backup_dir).expanduser()
        keep = parse_keep(self.capacity_backup_keep)
        return backups.BackupPlan(directory, at, keep, isolated=True)

    @property
    def reminders(self) -> tuple[Reminder, ...]:
        return parse_reminders(self.capacity_round_reminders)

    @property
    def clock(self) -> Clock:
        """The core's clock: real time, or CAPACITY_CLOCK_FILE's for a rehearsal."""
        return FileClock(self.capacity_clock_file) if self.capacity_clock_file else utc_now

    @property
    def summary_at(self) -> SummaryTime | None:
        """When the weekly summary is due; None when it is off."""
        return parse_summary_time(self.capacity_summary_at)

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        if value and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str) -> str:
        if value and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    def secrets(self) -> tuple[str, ...]:
        """What no log line may hold (`bot.logs`)."""
        return (self.slack_bot_token, self.slack_app_token, self.slack_signing_secret)

    def require(self, *names: str) -> None:
        """Fail with the names of the variables a run mode needs and lacks."""
        missing = [name.upper() for name in names if not getattr(self, name)]
        if missing:
            raise SettingsError(
                "Missing setting"
                + ("s " if len(missing) > 1 else " ")
                + ", ".join(missing)
                + " (set it in the environment or in .env)"
            )


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a malformed one raises SettingsError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise SettingsError(f"Invalid setting: {problems}") from None
