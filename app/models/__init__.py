"""All tables, imported here so that ``SQLModel.metadata`` knows them (Alembic reads it)."""

from app.models import base, events
from app.models.plan import (
    Ambition,
    ChronologyStep,
    KeyPoint,
    KeyPointKind,
    Plan,
    PlanValue,
)
from app.models.reference import Commune, Directorate
from app.models.tree import Axis, Engagement, FlagshipAction, Trackable, TrackableKind

__all__ = [
    "Ambition",
    "Axis",
    "ChronologyStep",
    "Commune",
    "Directorate",
    "Engagement",
    "FlagshipAction",
    "KeyPoint",
    "KeyPointKind",
    "Plan",
    "PlanValue",
    "Trackable",
    "TrackableKind",
    "base",
    "events",
]
