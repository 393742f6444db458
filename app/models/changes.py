"""Read models of the change feed."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.audit import AuditAction


class Change(SQLModel):
    cursor: int = Field(description="Position in the feed; pass the last one seen as `since`")
    at: datetime
    entity: str = Field(description="action, flagship_project, progress_report, milestone, …")
    code: str = Field(description="What changed: a code, or code/year, code/milestone id…")
    change: AuditAction


class ChangePage(SQLModel):
    items: list[Change]
    next: int = Field(description="The `since` of the next request")
    has_more: bool = Field(description="Whether more changes wait after this page")
