"""People who sign in: their accounts, invitations, browser sessions and OpenID Connect sign-ins.

No reader of the public data sees these tables: their writes take no revision (``UNREVISED``,
app.revision.counter), so that signing in, or a session seen again, never changes an ETag or
makes the tree reload. A change to an account is still recorded in the audit trail, whose entry
takes the revision as any write. Only hashes of the secrets are stored (SHA-256 of the
invitation token and the session cookie; Argon2 of the password); the backup marks those
columns secret (``info={"secret": True}``).
"""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.auth import Role
from app.models.base import StrEnumType, UtcDateTime, utcnow

#: Table option: readers never see the table, its writes take no revision (app.revision.counter).
UNREVISED: dict[str, Any] = {"info": {"revision": False}}
#: Column option: a secret, never shown by a backup's messages (app.tooling.backup.schema).
SECRET: dict[str, Any] = {"info": {"secret": True}}

#: The audit trail's ``entity`` of a change to an account (kept out of the public change feed).
ACCOUNT_ENTITY = "account"
EMAIL_MAX_LENGTH = 254
DISPLAY_NAME_MAX_LENGTH = 200


class Account(SQLModel, table=True):
    """A person who signs in: an admin, or an editor acting for its directorates."""

    __tablename__ = "account"
    __table_args__ = UNREVISED

    id: int | None = Field(default=None, primary_key=True)
    #: Stored lower-cased, so that uniqueness ignores case.
    email: str = Field(max_length=EMAIL_MAX_LENGTH, unique=True)
    display_name: str = Field(max_length=DISPLAY_NAME_MAX_LENGTH)
    role: Role = Field(sa_type=StrEnumType(Role, 10))
    #: Argon2; None until the invitation is accepted (or for a person who signs in with OIDC).
    password_hash: str | None = Field(default=None, max_length=200, sa_column_kwargs=SECRET)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    password_changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class AccountDirectorate(SQLModel, table=True):
    """A directorate an editor's account acts for."""

    __tablename__ = "account_directorate"
    __table_args__ = UNREVISED

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    directorate_id: int = Field(foreign_key="directorate.id", primary_key=True)


class Invitation(SQLModel, table=True):
    """A one-time link to choose one's password: valid until ``expires_at``, once, and only while
    it is the account's latest (sending a new one marks the older ones used)."""

    __tablename__ = "invitation"
    __table_args__ = UNREVISED

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, sa_column_kwargs=SECRET)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class WebSession(SQLModel, table=True):
    """A browser signed in: the cookie holds a random value, of which only the SHA-256 is kept."""

    __tablename__ = "web_session"
    __table_args__ = UNREVISED

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, sa_column_kwargs=SECRET)
    account_id: int = Field(foreign_key="account.id", index=True)
    #: The synchronizer token every form of this session carries (app.web.signed_in).
    csrf_token: str = Field(max_length=64, sa_column_kwargs=SECRET)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    #: The absolute end, however active the session.
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class OidcSignIn(SQLModel, table=True):
    """An OpenID Connect sign-in under way, between the redirect to the provider and its return:
    the hashes of ``state`` and of the browser's binding cookie, the ``nonce``, the PKCE
    verifier and where to go after."""

    __tablename__ = "oidc_sign_in"
    __table_args__ = UNREVISED

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True, sa_column_kwargs=SECRET)
    nonce: str = Field(max_length=128, sa_column_kwargs=SECRET)
    code_verifier: str = Field(max_length=128, sa_column_kwargs=SECRET)
    browser_hash: str = Field(max_length=64, sa_column_kwargs=SECRET)
    next_path: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
