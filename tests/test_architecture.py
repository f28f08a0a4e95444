"""The core stays free of Slack and of the bot."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_importing_the_core_loads_nothing_from_slack_or_the_bot():
    code = (
        "import sys, capacity, capacity.service, capacity.cli, capacity.transfer.imports, capacity.transfer.exports\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'bot')]\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
