"""API tokens for machines, as the admin pages and ``boussole token`` make and revoke them.

``app.auth.tokens`` stores them (only a hash; the token is returned once); this module checks
what a person typed, with French refusals that write nothing, and records each change in the
audit trail as the ``actor`` who made it (``entity`` "api_token", ``entity_key`` the token's
name; never the token or its hash). Those entries stay out of the public change feed
(app.audit.changes), as the accounts' do. An editor token acts for at least one directorate, none
archived (an archived directorate keeps the tokens it had, but gets no new one).
"""

from typing import Any

from sqlmodel import Session, col, select

from app.accounts.checks import checked_directorates, checked_name
from app.audit import audit
from app.auth import tokens
from app.auth.tokens import Actor
from app.core.errors import ConflictError, NotFoundError
from app.models import ApiToken, ApiTokenDirectorate, Directorate, Role
from app.models.auth import API_TOKEN_ENTITY, TOKEN_NAME_MAX_LENGTH


def create(
    *,
    session: Session,
    actor: Actor,
    name: str,
    role: Role,
    directorate_codes: list[str] | tuple[str, ...],
) -> tuple[ApiToken, str]:
    """A new token named ``name``: the row and the token itself (shown once, never stored)."""
    name = checked_name(
        name.strip(), field="name", max_length=TOKEN_NAME_MAX_LENGTH, label="Le nom du jeton"
    )
    if session.exec(select(ApiToken.id).where(col(ApiToken.name) == name)).first() is not None:
        raise ConflictError(f"Un jeton nommé « {name} » existe déjà.")
    codes = [d.code for d in checked_directorates(session, role, directorate_codes, holder="jeton")]
    row, token = tokens.create(session=session, name=name, role=role, directorate_codes=codes)
    audit.record(session, actor, API_TOKEN_ENTITY, name, None, _snapshot(row, codes))
    return row, token


def revoke(*, session: Session, actor: Actor, name: str) -> None:
    """The token is refused from now on (401); revoking it again writes nothing."""
    row = session.exec(select(ApiToken).where(col(ApiToken.name) == name)).first()
    if row is None:
        raise NotFoundError("token", name)
    if row.revoked_at is not None:
        return
    codes = list(
        session.exec(
            select(Directorate.code)
            .join(
                ApiTokenDirectorate, col(ApiTokenDirectorate.directorate_id) == col(Directorate.id)
            )
            .where(col(ApiTokenDirectorate.token_id) == row.id)
            .order_by(col(Directorate.code))
        )
    )
    before = _snapshot(row, codes)
    tokens.revoke(session=session, name=name)
    audit.record(session, actor, API_TOKEN_ENTITY, name, before, _snapshot(row, codes))


def _snapshot(row: ApiToken, codes: list[str]) -> dict[str, Any]:
    """What the audit trail keeps of a token: never the token or its hash."""
    revoked_at = row.revoked_at
    return {
        "name": row.name,
        "role": row.role.value,
        "directorates": codes,
        "prefix": row.prefix,
        "revoked_at": revoked_at.isoformat(timespec="seconds") if revoked_at else None,
    }
