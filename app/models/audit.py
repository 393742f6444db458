"""The audit trail: every write, append-only, written in the same transaction as the change."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from app.models.base import StrEnumType, UtcDateTime, utcnow


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    #: The token's name, or the e-mail of the account that signed in.
    actor_name: str = Field(max_length=254)
    actor_role: str = Field(max_length=10)
    actor_directorates: list[str] = Field(default_factory=list, sa_type=JSON)
    #: What was written: "action", "flagship_project", "progress_report", "milestone", "axis"…
    entity: str = Field(sa_type=String(30))
    #: A readable key of what was written: "E1.1.1", "E1.1.1/2025", "milestone 12", "DGS"…
    entity_key: str = Field(max_length=100)
    #: The trackable the change belongs to, so that its history is one indexed query.
    trackable_id: int | None = Field(default=None, foreign_key="trackable.id", index=True)
    action: AuditAction = Field(sa_type=StrEnumType(AuditAction, 10))
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
