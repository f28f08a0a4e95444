"""capacity: spare settlement capacity per Norwegian municipality (the domain core).

This package never imports Slack or the bot; adapters (the CLI, `bot/`) sit on top.
"""

from capacity import errors
from capacity.models import Actor, Batch, BatchStatus, CapacityExceeded, Measure, Role
from capacity.service import Capacity, open_capacity
from capacity.texts.i18n import english_refusal

errors.describe_with(english_refusal)

__all__ = [
    "Actor",
    "Batch",
    "BatchStatus",
    "Capacity",
    "CapacityExceeded",
    "Measure",
    "Role",
    "open_capacity",
]
__version__ = "0.1.0"
