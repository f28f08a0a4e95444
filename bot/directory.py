"""People by e-mail address: Slack's `users.lookupByEmail` (scope `users:read.email`).

`/capacity grant kari.nordmann@trondheim.kommune.no editor Trondheim` looks the person up
before the grant (`lookup`, async, within Slack's time limit); `capacity grant …` on the
command line does the same through `lookup_email`, registered as the entry point
`capacity.user_directory` (the core's CLI knows no Slack). An address Slack does not know
is a refusal (`round_email_unknown`), and nothing changes.
"""

from __future__ import annotations

import asyncio

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import load_settings
from capacity.domain.rounds import RoundRefused

UNKNOWN = {"users_not_found", "user_not_found"}
LOOKUP_SECONDS = 1.5  # inside a slash command's answer, which Slack waits 3 s for
CLI_TIMEOUT = 5  # seconds, from the command line


class DirectoryProblem(LookupError):
    """Slack could not be asked (no token, Slack down): nothing was changed."""


def _user_id(response: object, email: str) -> str:
    user = (getattr(response, "data", None) or {}).get("user") or {}
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise RoundRefused("round_email_unknown", email=email)
    return user_id


async def lookup(client: AsyncWebClient, email: str) -> str:
    """The Slack user id of the person with this address (refused when unknown)."""
    try:
        response = await asyncio.wait_for(client.users_lookupByEmail(email=email), LOOKUP_SECONDS)
    except SlackApiError as error:
        if (error.response.data or {}).get("error") in UNKNOWN:
            raise RoundRefused("round_email_unknown", email=email) from None
        raise DirectoryProblem(str((error.response.data or {}).get("error"))) from None
    except (TimeoutError, OSError) as error:
        raise DirectoryProblem(f"{type(error).__name__}: {error}") from None
    return _user_id(response, email)


def lookup_email(email: str) -> str:
    """For `capacity grant EMAIL …`: the user id, with the bot's token and API URL."""
    settings = load_settings()
    if not settings.slack_bot_token:
        raise DirectoryProblem(
            f"Looking up {email} needs Slack: set SLACK_BOT_TOKEN (xoxb-…) or give the "
            "Slack user id (U…). Nothing was changed."
        )
    client = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=CLI_TIMEOUT
    )
    try:
        response = client.users_lookupByEmail(email=email)
    except SlackApiError as error:
        if (error.response.data or {}).get("error") in UNKNOWN:
            raise RoundRefused("round_email_unknown", email=email) from None
        raise DirectoryProblem(
            f"Slack did not answer the lookup of {email} "
            f"({(error.response.data or {}).get('error')}); nothing was changed"
        ) from None
    return _user_id(response, email)
