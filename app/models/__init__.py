"""All tables, imported here so that ``SQLModel.metadata`` knows them (Alembic reads it)."""

from app.models import base, events
from app.models.accounts import (
    Account,
    AccountDirectorate,
    Invitation,
    OidcSignIn,
    WebSession,
)
from app.models.audit import AuditAction, AuditEntry
from app.models.auth import ApiToken, ApiTokenDirectorate, Role
from app.models.campaigns import (
    Campaign,
    CampaignSnapshot,
    PendingReport,
    ReminderKind,
    ReportState,
    SentReminder,
)
from app.models.indicators import (
    Direction,
    Indicator,
    IndicatorLink,
    IndicatorTarget,
    IndicatorValue,
    Trajectory,
    ValueStatus,
)
from app.models.plan import (
    Ambition,
    ChronologyStep,
    KeyPoint,
    KeyPointKind,
    Plan,
    PlanValue,
)
from app.models.reference import Commune, Directorate
from app.models.revision import Revision
from app.models.tracking import (
    Milestone,
    Partner,
    Priority,
    ProgressReport,
    Status,
    TrackableCommune,
    TrackableCompetence,
    TrackableDirectorate,
    TrackableLever,
    TrackablePartner,
    TrackableValue,
)
from app.models.tree import Axis, Engagement, FlagshipAction, Trackable, TrackableKind

__all__ = [
    "Account",
    "AccountDirectorate",
    "Ambition",
    "ApiToken",
    "ApiTokenDirectorate",
    "AuditAction",
    "AuditEntry",
    "Axis",
    "Campaign",
    "CampaignSnapshot",
    "ChronologyStep",
    "Commune",
    "Direction",
    "Directorate",
    "Engagement",
    "FlagshipAction",
    "Indicator",
    "IndicatorLink",
    "IndicatorTarget",
    "IndicatorValue",
    "Invitation",
    "KeyPoint",
    "KeyPointKind",
    "Milestone",
    "OidcSignIn",
    "Partner",
    "PendingReport",
    "Plan",
    "PlanValue",
    "Priority",
    "ProgressReport",
    "ReminderKind",
    "ReportState",
    "Revision",
    "Role",
    "SentReminder",
    "Status",
    "Trackable",
    "TrackableCommune",
    "TrackableCompetence",
    "TrackableDirectorate",
    "TrackableKind",
    "TrackableLever",
    "TrackablePartner",
    "TrackableValue",
    "Trajectory",
    "ValueStatus",
    "WebSession",
    "base",
    "events",
]
