"""API tokens. Only a SHA-256 hash of each token is stored; the token itself is shown once."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.base import StrEnumType, UtcDateTime, utcnow

#: The audit trail's ``entity`` of a change to an API token (kept out of the public change feed).
API_TOKEN_ENTITY = "api_token"  # noqa: S105 (a name, not a secret)
#: The longest name of a token (its column's length).
TOKEN_NAME_MAX_LENGTH = 100


class Role(StrEnum):
    admin = "admin"
    editor = "editor"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=TOKEN_NAME_MAX_LENGTH, unique=True)
    role: Role = Field(sa_type=StrEnumType(Role, 10))
    token_hash: str = Field(max_length=64, unique=True)
    #: The first characters of the token, so that people can tell their tokens apart.
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ApiTokenDirectorate(SQLModel, table=True):
    """A directorate whose trackables an editor token may write."""

    __tablename__ = "api_token_directorate"

    token_id: int = Field(foreign_key="api_token.id", primary_key=True)
    directorate_id: int = Field(foreign_key="directorate.id", primary_key=True)
