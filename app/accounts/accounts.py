"""Accounts: creation with a one-time invitation link, changes, deactivation, passwords.

Every change to an account is recorded in the audit trail (``entity`` "account", ``entity_key``
its id; the snapshots never hold a password or its hash), as the ``actor`` who made it: an admin
(``SignedIn.actor``), the ``cli`` admin, or the person themselves (``actor_of``) when they accept
an invitation or change their password. Deactivation and a new password end every session of the
account. Refusals are in French (people read them on the pages) and write nothing.

An invitation link is valid ``invitation_days`` days (``BOUSSOLE_INVITATION_DAYS``, 7), once,
and only while it is the account's latest: sending a new one marks the older ones used. Only its
SHA-256 is stored; the link is shown once, to whoever invited.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.checks import CONTROL, ActingDirectorate, checked_directorates, checked_name
from app.audit import audit
from app.auth import accounts as found
from app.auth import passwords, sessions
from app.auth.tokens import Actor
from app.core.errors import BadRequestError, ConflictError, InvalidInputError, NotFoundError
from app.core.security import hash_token
from app.models import Account, AccountDirectorate, Directorate, Invitation, Role
from app.models.accounts import ACCOUNT_ENTITY, DISPLAY_NAME_MAX_LENGTH, EMAIL_MAX_LENGTH
from app.models.base import utcnow
from app.models.inputs import unstorable_text

#: The default of ``BOUSSOLE_INVITATION_DAYS``.
INVITATION_DAYS = 7
#: The one answer to an invitation link that cannot be used, whatever the reason.
INVALID_INVITATION = (
    "Ce lien d'invitation n'est plus valable : il a expiré, a déjà servi ou a été remplacé par "
    "un lien plus récent. Demandez-en un nouveau à la personne qui administre Boussole."
)


@dataclass(frozen=True)
class AccountView:
    """An account as the lists show it."""

    id: int
    email: str
    display_name: str
    role: Role
    active: bool
    directorate_codes: tuple[str, ...]
    created_at: datetime
    last_sign_in_at: datetime | None
    #: Whether the person has chosen a password (else: invited, or OIDC only).
    password_set: bool
    #: When the account's pending invitation expires (None: none pending).
    invitation_expires_at: datetime | None


# --- Reads ----------------------------------------------------------------------------------------


def get(*, session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFoundError("account", account_id)
    return account


def get_by_email(*, session: Session, email: str) -> Account | None:
    return found.get_by_email(session=session, email=email)


def directorate_codes(*, session: Session, account: Account) -> tuple[str, ...]:
    return tuple(d.code for d in _directorates_of(session, account))


def actor_of(*, session: Session, account: Account) -> Actor:
    """The account as the writer the audit trail names: its e-mail, role and directorates."""
    return _actor(account, _directorates_of(session, account))


def get_all(*, session: Session) -> list[AccountView]:
    """Every account, by e-mail, with its directorates and pending invitation (three queries)."""
    accounts = session.exec(select(Account).order_by(col(Account.email))).all()
    codes: dict[int, list[str]] = {}
    for account_id, code in session.execute(
        select(col(AccountDirectorate.account_id), col(Directorate.code))
        .join(Directorate, col(Directorate.id) == col(AccountDirectorate.directorate_id))
        .order_by(col(Directorate.code))
    ).all():
        codes.setdefault(account_id, []).append(code)
    pending = dict(
        session.execute(
            select(col(Invitation.account_id), func.max(col(Invitation.expires_at)))
            .where(col(Invitation.used_at).is_(None), col(Invitation.expires_at) > utcnow())
            .group_by(col(Invitation.account_id))
        ).all()
    )
    views = []
    for account in accounts:
        assert account.id is not None
        view = AccountView(
            id=account.id,
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            active=account.active,
            directorate_codes=tuple(codes.get(account.id, [])),
            created_at=account.created_at,
            last_sign_in_at=account.last_sign_in_at,
            password_set=account.password_hash is not None,
            invitation_expires_at=pending.get(account.id),
        )
        views.append(view)
    return views


# --- Changes by an admin --------------------------------------------------------------------------


def create(
    *,
    session: Session,
    actor: Actor,
    email: str,
    display_name: str,
    role: Role,
    directorate_codes: list[str] | tuple[str, ...],
    invitation_days: int = INVITATION_DAYS,
) -> tuple[Account, str]:
    """Create an account and its invitation; returns the account and the invitation's token
    (the link's last part, shown once). An editor acts for at least one directorate; an admin
    acts for all, so the directorates given to one are not kept."""
    email = _checked_email(email)
    display_name = _checked_name(display_name)
    if get_by_email(session=session, email=email) is not None:
        raise ConflictError(f"Un compte existe déjà pour l'adresse {email}.")
    directorates = checked_directorates(session, role, directorate_codes, holder="compte")
    account = Account(email=email, display_name=display_name, role=role)
    session.add(account)
    session.flush()
    _set_directorates(session, account, directorates)
    token = _invite(session, account, invitation_days)
    _record(session, actor, account, None, _snapshot(account, directorates))
    return account, token


def update(
    *,
    session: Session,
    actor: Actor,
    account: Account,
    display_name: str | None = None,
    role: Role | None = None,
    directorate_codes: list[str] | tuple[str, ...] | None = None,
) -> Account:
    """Change what is given (None: unchanged). An editor keeps at least one directorate; the last
    active admin stays an admin. Recorded only if something changed."""
    current = _directorates_of(session, account)
    before = _snapshot(account, current)
    new_role = role or account.role
    if new_role != Role.admin and account.role == Role.admin:
        _keep_an_admin(session, account, "ne peut pas devenir rédacteur")
    codes = [d.code for d in current] if directorate_codes is None else directorate_codes
    directorates = checked_directorates(
        session, new_role, codes, holder="compte", kept={d.code for d in current}
    )
    if display_name is not None:
        account.display_name = _checked_name(display_name)
    account.role = new_role
    _set_directorates(session, account, directorates)
    session.flush()
    after = _snapshot(account, directorates)
    if after != before:
        _record(session, actor, account, before, after)
    return account


def deactivate(*, session: Session, actor: Actor, account: Account) -> Account:
    """The account can no longer sign in: its sessions end at once, its invitations too. Not the
    last active admin, and not one's own account."""
    if not account.active:
        return account
    if actor.name == account.email:
        raise ConflictError("Vous ne pouvez pas désactiver votre propre compte.")
    if account.role == Role.admin:
        _keep_an_admin(session, account, "ne peut pas être désactivé")
    before = _snapshot(account, _directorates_of(session, account))
    account.active = False
    assert account.id is not None
    sessions.end_all(session=session, account_id=account.id)
    _close_invitations(session, account)
    session.flush()
    _record(session, actor, account, before, {**before, "active": False})
    return account


def reactivate(*, session: Session, actor: Actor, account: Account) -> Account:
    if account.active:
        return account
    before = _snapshot(account, _directorates_of(session, account))
    account.active = True
    session.flush()
    _record(session, actor, account, before, {**before, "active": True})
    return account


def invite_again(
    *, session: Session, actor: Actor, account: Account, invitation_days: int = INVITATION_DAYS
) -> str:
    """A new invitation link (returned, shown once); the earlier ones stop working. For an
    account with a password too: the link lets its owner choose a new one."""
    if not account.active:
        raise ConflictError("Ce compte est désactivé : réactivez-le avant de l'inviter de nouveau.")
    previous = _pending_until(session, account)
    token = _invite(session, account, invitation_days)
    now_pending = _pending_until(session, account)
    _record(
        session,
        actor,
        account,
        {"email": account.email, "invitation_expires_at": _iso(previous)},
        {"email": account.email, "invitation_expires_at": _iso(now_pending)},
    )
    return token


# --- Changes by the person ------------------------------------------------------------------------


def invited_account(*, session: Session, token: str) -> Account:
    """The account an invitation link is for, if the link can be used (else 400)."""
    return _usable_invitation(session, token)[1]


def accept_invitation(
    *,
    session: Session,
    token: str,
    password: str,
    min_length: int = passwords.DEFAULT_MIN_LENGTH,
) -> Account:
    """Set the password chosen through an invitation link, which is then used up. An expired,
    used, superseded or unknown link: one 400 answer (``INVALID_INVITATION``), nothing
    written; a password breaking a rule: 422."""
    invitation, account = _usable_invitation(session, token)
    passwords.check_new_password(password, email=account.email, min_length=min_length)
    now = utcnow()
    invitation.used_at = now
    _set_password(session, account, password, now)
    return account


def change_password(
    *,
    session: Session,
    account: Account,
    current_password: str,
    new_password: str,
    min_length: int = passwords.DEFAULT_MIN_LENGTH,
) -> Account:
    """The person's new password, once the current one is given: every session of the account
    ends (the caller opens a new one for the browser that asked)."""
    if account.password_hash is None or not passwords.verify_password(
        current_password, account.password_hash
    ):
        raise InvalidInputError(("current_password",), "Le mot de passe actuel n'est pas le bon.")
    if new_password == current_password:
        raise InvalidInputError(
            ("password",), "Le nouveau mot de passe doit être différent de l'actuel."
        )
    passwords.check_new_password(new_password, email=account.email, min_length=min_length)
    _set_password(session, account, new_password, utcnow())
    return account


# --- Helpers --------------------------------------------------------------------------------------


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _checked_email(email: str) -> str:
    email = found.normalise_email(email)
    if (
        len(email) > EMAIL_MAX_LENGTH
        or not _EMAIL.fullmatch(email)
        or CONTROL.search(email)
        or unstorable_text(email)
    ):
        raise InvalidInputError(
            ("email",), "Adresse électronique invalide : elle s'écrit nom@domaine.fr."
        )
    return email


def _checked_name(name: str) -> str:
    return checked_name(
        " ".join(name.split()),
        field="display_name",
        max_length=DISPLAY_NAME_MAX_LENGTH,
        label="Le nom affiché",
    )


def _directorates_of(session: Session, account: Account) -> list[ActingDirectorate]:
    if account.id is None:
        return []
    return [
        ActingDirectorate(d_id, code)
        for d_id, code in found.directorates_of(session=session, account_id=account.id)
    ]


def _set_directorates(session: Session, account: Account, wanted: list[ActingDirectorate]) -> None:
    assert account.id is not None
    links = session.exec(
        select(AccountDirectorate).where(col(AccountDirectorate.account_id) == account.id)
    ).all()
    wanted_ids = {d.id for d in wanted}
    for link in links:
        if link.directorate_id not in wanted_ids:
            session.delete(link)
    present = {link.directorate_id for link in links}
    for directorate in wanted:
        if directorate.id not in present:
            session.add(AccountDirectorate(account_id=account.id, directorate_id=directorate.id))
    session.flush()


def _keep_an_admin(session: Session, account: Account, what: str) -> None:
    """Refuse a change that would leave no active admin."""
    if not account.active:
        return
    others = session.scalar(
        select(func.count(col(Account.id))).where(
            col(Account.role) == Role.admin,
            col(Account.active).is_(True),
            col(Account.id) != account.id,
        )
    )
    if not others:
        raise ConflictError(f"C'est le dernier compte administrateur actif : il {what}.")


def _invite(session: Session, account: Account, days: int) -> str:
    _close_invitations(session, account)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    assert account.id is not None
    session.add(
        Invitation(
            account_id=account.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    session.flush()
    return token


def _close_invitations(session: Session, account: Account) -> None:
    """The account's unused invitations can no longer be used."""
    session.execute(
        sa.update(Invitation)
        .where(col(Invitation.account_id) == account.id, col(Invitation.used_at).is_(None))
        .values(used_at=utcnow())
    )


def _pending_until(session: Session, account: Account) -> datetime | None:
    return session.scalar(
        select(func.max(col(Invitation.expires_at))).where(
            col(Invitation.account_id) == account.id,
            col(Invitation.used_at).is_(None),
            col(Invitation.expires_at) > utcnow(),
        )
    )


def _usable_invitation(session: Session, token: str) -> tuple[Invitation, Account]:
    found_row = found.by_token(session=session, table=Invitation, raw=token)
    if found_row is None:
        raise BadRequestError(INVALID_INVITATION)
    invitation, account = found_row
    if invitation.used_at is not None or invitation.expires_at <= utcnow() or not account.active:
        raise BadRequestError(INVALID_INVITATION)
    return invitation, account


def _set_password(session: Session, account: Account, password: str, now: datetime) -> None:
    """The new password's hash; every session ends; recorded as the person's own change."""
    directorates = _directorates_of(session, account)
    before = _snapshot(account, directorates)
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = now
    assert account.id is not None
    sessions.end_all(session=session, account_id=account.id)
    session.flush()
    _record(
        session, _actor(account, directorates), account, before, _snapshot(account, directorates)
    )


def _actor(account: Account, directorates: list[ActingDirectorate]) -> Actor:
    return Actor(
        name=account.email,
        role=account.role,
        directorate_ids=frozenset(d.id for d in directorates),
        directorate_codes=tuple(d.code for d in directorates),
    )


def _snapshot(account: Account, directorates: list[ActingDirectorate]) -> dict[str, Any]:
    """What the audit trail keeps of an account: never its password or hash."""
    return {
        "email": account.email,
        "display_name": account.display_name,
        "role": account.role.value,
        "directorates": [d.code for d in directorates],
        "active": account.active,
        "password_set": account.password_hash is not None,
        "password_changed_at": _iso(account.password_changed_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _record(
    session: Session,
    actor: Actor,
    account: Account,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    assert account.id is not None
    audit.record(session, actor, ACCOUNT_ENTITY, str(account.id), before, after)
