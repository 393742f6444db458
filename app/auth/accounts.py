"""Finding the account a person signs in as, for every way of signing in (a password,
app.auth.credentials; OpenID Connect, app.auth.oidc_sign_in).

Reads only. Creating and changing accounts, which the audit trail records, is the domain package
``app.accounts`` (above ``app.audit`` in the layers, where ``app.auth`` cannot reach)."""

from typing import TypeVar

from sqlmodel import Session, col, select

from app.core.security import hash_token, same_hash
from app.models import Account, AccountDirectorate, Directorate, Invitation, WebSession

#: Longer than any token this application makes (a session's cookie, an invitation link's last
#: part): refused without a look-up.
MAX_TOKEN_LENGTH = 128

#: A row found by the hash of a token given to a person, with the account it is for.
Hashed = TypeVar("Hashed", Invitation, WebSession)


def normalise_email(email: str) -> str:
    """An e-mail as accounts store it: trimmed, lower-cased."""
    return email.strip().lower()


def get_by_email(*, session: Session, email: str) -> Account | None:
    """The account of ``email`` (any case, surrounding blanks ignored), active or not."""
    return session.exec(select(Account).where(col(Account.email) == normalise_email(email))).first()


def directorates_of(*, session: Session, account_id: int) -> list[tuple[int, str]]:
    """The (id, code) of the directorates the account acts for, by code."""
    rows = session.execute(
        select(col(Directorate.id), col(Directorate.code))
        .join(AccountDirectorate, col(AccountDirectorate.directorate_id) == col(Directorate.id))
        .where(col(AccountDirectorate.account_id) == account_id)
        .order_by(col(Directorate.code))
    ).all()
    return [(directorate_id, code) for directorate_id, code in rows]


def by_token(*, session: Session, table: type[Hashed], raw: str) -> tuple[Hashed, Account] | None:
    """The row of ``table`` whose hash is that of the token ``raw``, with its account; None for
    an unknown token, or a blank or over-long one (no look-up). Whether the row is still valid
    (used, expired, the account deactivated) is the caller's rule."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    found = session.exec(
        select(table, Account)
        .join(Account, col(Account.id) == col(table.account_id))
        .where(col(table.token_hash) == hash_token(raw))
    ).first()
    if found is None or not same_hash(raw, found[0].token_hash):
        return None
    return found[0], found[1]
