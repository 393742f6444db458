"""All tables, imported here so that ``SQLModel.metadata`` knows them (Alembic reads it)."""

from app.models import base, events
from app.models.audit import AuditAction, AuditEntry
from app.models.auth import ApiToken, ApiTokenDirectorate, Role
from app.models.plan import (
    Ambition,
    ChronologyStep,
    KeyPoint,
    KeyPointKind,
    Plan,
    PlanValue,
)
from app.models.reference import Commune, Directorate
from app.models.tracking import (
    Milestone,
    Partner,
    Priority,
    ProgressReport,
    Status,
    TrackableCommune,
    TrackableDirectorate,
    TrackablePartner,
    TrackableValue,
)
from app.models.tree import Axis, Engagement, FlagshipAction, Trackable, TrackableKind

__all__ = [
    "Ambition",
    "ApiToken",
    "ApiTokenDirectorate",
    "AuditAction",
    "AuditEntry",
    "Axis",
    "ChronologyStep",
    "Commune",
    "Directorate",
    "Engagement",
    "FlagshipAction",
    "KeyPoint",
    "KeyPointKind",
    "Milestone",
    "Partner",
    "Plan",
    "PlanValue",
    "Priority",
    "ProgressReport",
    "Role",
    "Status",
    "Trackable",
    "TrackableCommune",
    "TrackableDirectorate",
    "TrackableKind",
    "TrackablePartner",
    "TrackableValue",
    "base",
    "events",
]
