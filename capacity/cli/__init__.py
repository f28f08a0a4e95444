"""`capacity`: the admin command line, a thin adapter over the capacity core.

Every command's docstring is its --help and ends with an example. The core's refusals
are printed as one line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

from capacity.cli import (  # noqa: F401 - they register
    admin,
    backups,
    batches,
    charts,
    figures,
    pace,
    rounds,
    scores,
)
from capacity.cli.common import cli


def main() -> None:
    try:
        cli(obj={})
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["cli", "main"]
