"""Finding the account a person signs in as, for every way of signing in (a password,
app.auth.credentials; OpenID Connect, app.auth.oidc_sign_in).

Reads only. Creating and changing accounts, which the audit trail records, is the domain package
``app.accounts`` (above ``app.audit`` in the layers, where ``app.auth`` cannot reach)."""

from sqlmodel import Session, col, select

from app.models import Account, AccountDirectorate, Directorate


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
