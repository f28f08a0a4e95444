"""The domain's data, one import away: `from capacity.models import Batch, Measure`.

Plain pydantic models, immutable, with no knowledge of storage or of Slack, kept by
topic in `figure_models` (municipalities, figures, history, capacity lines and
overviews), `batch_models` (batches, allocations, previews) and `event_models` (the
events and alerts of the outbox).
"""

from __future__ import annotations

from capacity.domain.batches import BATCH_TRANSITIONS, Allocation, Batch, BatchStatus, Preview
from capacity.domain.events import (
    Alert,
    CapacityExceeded,
    Kind,
    Room,
    SummaryChange,
    SummaryLine,
    WeeklySummary,
)
from capacity.domain.figures import (
    IMDI_MEASURES,
    Actor,
    CapacityLine,
    Change,
    County,
    Figure,
    Group,
    Measure,
    Model,
    Municipality,
    Overview,
    Role,
    Total,
    YearFigures,
    partial_date,
)

__all__ = [
    "BATCH_TRANSITIONS",
    "IMDI_MEASURES",
    "Actor",
    "Alert",
    "Allocation",
    "Batch",
    "BatchStatus",
    "CapacityExceeded",
    "CapacityLine",
    "Change",
    "County",
    "Figure",
    "Group",
    "Kind",
    "Measure",
    "Model",
    "Municipality",
    "Overview",
    "Preview",
    "Role",
    "Room",
    "SummaryChange",
    "SummaryLine",
    "Total",
    "WeeklySummary",
    "YearFigures",
    "partial_date",
]
