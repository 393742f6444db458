"""Browser sessions: a row per signed-in browser, found by the SHA-256 of its cookie.

The cookie (``SESSION_COOKIE``, app.core.security) holds a random value of 256 bits
(``generate_token``) and nothing else; the database keeps its hash only, so a copy of the
database signs nobody in. A session ends at the first of: its idle timeout (no request for
``idle_minutes``), its absolute end (``lifetime_hours`` after sign-in), sign-out, the account's
deactivation or a change of its password (``end_all``). ``last_seen_at`` is written at most once
a minute (``TOUCH_EVERY``), so a busy page costs no write.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col

from app.auth.accounts import MAX_TOKEN_LENGTH, by_token, directorates_of
from app.auth.tokens import Actor
from app.core.security import generate_token, hash_token
from app.models import Account, Role, WebSession
from app.models.base import utcnow

#: The defaults of ``BOUSSOLE_SESSION_IDLE_MINUTES`` and ``BOUSSOLE_SESSION_LIFETIME_HOURS``.
IDLE_MINUTES = 120
LIFETIME_HOURS = 12
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True)
class SignedIn:
    """The person a request comes from, as its session found them."""

    account_id: int
    email: str
    display_name: str
    role: Role
    directorate_ids: frozenset[int]
    directorate_codes: tuple[str, ...]
    #: The synchronizer token the forms of this session carry.
    csrf_token: str
    session_id: int
    last_seen_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def actor(self) -> Actor:
        """Who the services record as the writer: the account's e-mail, role and directorates."""
        return Actor(
            name=self.email,
            role=self.role,
            directorate_ids=self.directorate_ids,
            directorate_codes=self.directorate_codes,
        )


def start(*, session: Session, account: Account, lifetime_hours: int = LIFETIME_HOURS) -> str:
    """Open a session for ``account`` and return the cookie's value (never stored). Sessions past
    their absolute end, anyone's, are deleted on the way."""
    assert account.id is not None
    raw = generate_token()
    now = utcnow()
    session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
    session.add(
        WebSession(
            token_hash=hash_token(raw),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=lifetime_hours),
        )
    )
    account.last_sign_in_at = now
    session.flush()
    return raw


def look_up(
    *, session: Session, raw: str, idle_minutes: int = IDLE_MINUTES, now: datetime | None = None
) -> SignedIn | None:
    """The person of a live session; None for an unknown, ended or expired one, or an inactive
    account. Reads only (see ``needs_touch`` and ``touch``)."""
    found = by_token(session=session, table=WebSession, raw=raw)
    if found is None:
        return None
    row, account = found
    now = now or utcnow()
    if (
        not account.active
        or now >= row.expires_at
        or now - row.last_seen_at >= timedelta(minutes=idle_minutes)
    ):
        return None
    assert row.id is not None and account.id is not None
    directorates = directorates_of(session=session, account_id=account.id)
    return SignedIn(
        account_id=account.id,
        email=account.email,
        display_name=account.display_name,
        role=account.role,
        directorate_ids=frozenset(d_id for d_id, _ in directorates),
        directorate_codes=tuple(code for _, code in directorates),
        csrf_token=row.csrf_token,
        session_id=row.id,
        last_seen_at=row.last_seen_at,
    )


def needs_touch(person: SignedIn, *, now: datetime | None = None) -> bool:
    """Whether the session's ``last_seen_at`` is old enough to be written again."""
    return (now or utcnow()) - person.last_seen_at >= TOUCH_EVERY


def touch(*, session: Session, session_id: int, now: datetime | None = None) -> None:
    session.execute(
        update(WebSession)
        .where(col(WebSession.id) == session_id)
        .values(last_seen_at=now or utcnow())
    )


def resolve(
    *, session: Session, raw: str, idle_minutes: int = IDLE_MINUTES, now: datetime | None = None
) -> SignedIn | None:
    """``look_up``, then ``touch`` when due: in a transaction that may write."""
    now = now or utcnow()
    person = look_up(session=session, raw=raw, idle_minutes=idle_minutes, now=now)
    if person is not None and needs_touch(person, now=now):
        touch(session=session, session_id=person.session_id, now=now)
    return person


def end(*, session: Session, raw: str) -> None:
    """Sign out: the session of this cookie value ends (nothing for an unknown one)."""
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        session.execute(delete(WebSession).where(col(WebSession.token_hash) == hash_token(raw)))


def end_all(*, session: Session, account_id: int) -> None:
    """Every session of the account ends (deactivation, a new password)."""
    session.execute(delete(WebSession).where(col(WebSession.account_id) == account_id))
