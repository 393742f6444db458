"""API tokens and the actor a request acts as."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.errors import ConflictError, InvalidInputError, NotFoundError
from app.core.security import generate_token, hash_token, same_hash
from app.models import ApiToken, ApiTokenDirectorate, Directorate, Role
from app.models.base import utcnow


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who is writing: the token's name, role and the directorates it may write for."""

    name: str
    role: Role
    directorate_ids: frozenset[int] = field(default_factory=frozenset)
    directorate_codes: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def may_write(self, lead_directorate_id: int | None) -> bool:
        """The one scope rule of the data: admins write everything, editors what one of their
        directorates leads (a trackable, an indicator). Routes declare who may call them
        (``app.api.permissions``); this answers for the object they write."""
        return self.is_admin or lead_directorate_id in self.directorate_ids

    @property
    def directorates_label(self) -> str:
        """The token's directorates, as refusals name them (in French)."""
        return " ou ".join(self.directorate_codes) or "l'une de ses directions"


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: Role
    directorates: list[str]
    prefix: str
    created_at: str
    revoked: bool


def create(
    *, session: Session, name: str, role: Role, directorate_codes: Sequence[str]
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the token itself, which is never stored."""
    if not name.strip():
        raise InvalidInputError(("name",), "un jeton doit avoir un nom")
    if session.exec(select(ApiToken).where(col(ApiToken.name) == name)).first():
        raise ConflictError(f"un jeton nommé « {name} » existe déjà")
    if role == Role.editor and not directorate_codes:
        raise InvalidInputError(
            ("directorates",), "un jeton d'éditeur doit avoir au moins une direction"
        )
    directorates = session.exec(
        select(Directorate).where(col(Directorate.code).in_(directorate_codes))
    ).all()
    unknown = sorted(set(directorate_codes) - {d.code for d in directorates})
    if unknown:
        raise InvalidInputError(
            ("directorates",), f"direction(s) inconnue(s) : {', '.join(unknown)}"
        )
    token = generate_token()
    row = ApiToken(name=name, role=role, token_hash=hash_token(token), prefix=token[:10])
    session.add(row)
    session.flush()
    assert row.id is not None
    for directorate in directorates:
        assert directorate.id is not None
        session.add(ApiTokenDirectorate(token_id=row.id, directorate_id=directorate.id))
    session.flush()
    return row, token


def get_all(*, session: Session) -> list[TokenInfo]:
    tokens = session.exec(select(ApiToken).order_by(col(ApiToken.name))).all()
    links = session.execute(
        select(col(ApiTokenDirectorate.token_id), col(Directorate.code))
        .join(Directorate, col(Directorate.id) == col(ApiTokenDirectorate.directorate_id))
        .order_by(col(Directorate.code))
    ).all()
    codes: dict[int, list[str]] = {}
    for token_id, code in links:
        codes.setdefault(token_id, []).append(code)
    return [
        TokenInfo(
            name=t.name,
            role=t.role,
            directorates=codes.get(t.id, []) if t.id is not None else [],
            prefix=t.prefix,
            created_at=t.created_at.isoformat(timespec="seconds"),
            revoked=t.revoked_at is not None,
        )
        for t in tokens
    ]


def revoke(*, session: Session, name: str) -> None:
    token = session.exec(select(ApiToken).where(col(ApiToken.name) == name)).first()
    if token is None:
        raise NotFoundError("token", name)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()


def authenticate(*, session: Session, token: str) -> Actor | None:
    """The actor of a live token, or None for an unknown or revoked one. One query on every
    authenticated request: the token and its directorates as plain rows (one per directorate,
    none of the ORM's objects)."""
    rows = session.execute(
        sa_select(
            col(ApiToken.name),
            col(ApiToken.role),
            col(ApiToken.token_hash),
            col(ApiToken.revoked_at),
            col(Directorate.id),
            col(Directorate.code),
        )
        .select_from(ApiToken)
        .outerjoin(ApiTokenDirectorate, col(ApiTokenDirectorate.token_id) == col(ApiToken.id))
        .outerjoin(Directorate, col(Directorate.id) == col(ApiTokenDirectorate.directorate_id))
        .where(col(ApiToken.token_hash) == hash_token(token))
        .order_by(col(Directorate.code))
    ).all()
    if not rows:
        return None
    name, role, token_hash, revoked_at = rows[0][:4]
    if revoked_at is not None or not same_hash(token, token_hash):
        return None
    directorates = [(d_id, code) for *_, d_id, code in rows if d_id is not None]
    return Actor(
        name=name,
        role=Role(role),
        directorate_ids=frozenset(d_id for d_id, _ in directorates),
        directorate_codes=tuple(code for _, code in directorates),
    )
