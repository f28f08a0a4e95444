"""A person named by e-mail on the command line: looked up in Slack.

The core knows no Slack, so the lookup is a plugin: the Slack side (`capacity-bot`,
installed with this package) registers a function in the entry-point group
`capacity.user_directory` that takes an address and returns the Slack user id, raises a
refusal when Slack knows no such person, or a LookupError when Slack cannot be asked. It needs SLACK_BOT_TOKEN (and SLACK_API_URL, as the bot does);
without it the command says so and changes nothing.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from capacity.domain.rounds import email_address

DIRECTORY_GROUP = "capacity.user_directory"


def slack_user(text: str) -> str:
    """A Slack user id as typed, or the id of the person with this e-mail address."""
    email = email_address(text)
    if email is None:
        return text
    found = list(entry_points(group=DIRECTORY_GROUP))
    if not found:
        raise click.ClickException(
            f"{email} is an e-mail address, and looking one up needs Slack: install "
            "capacity-bot's Slack side, or give the Slack user id (U…). Nothing was changed."
        )
    try:
        return str(found[0].load()(email))
    except LookupError as error:
        raise click.ClickException(str(error)) from None
