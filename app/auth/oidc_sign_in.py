"""A browser's OpenID Connect sign-in, from the redirect to the provider to the account.

``begin`` draws the sign-in's secrets: ``state`` (sent to the provider and back), ``nonce``
(which the ID token must carry), the PKCE verifier, and a browser key, set as a cookie on the
browser that started. The row kept (``oidc_sign_in``) holds only the SHA-256 of the state and of
the browser key, for ``SIGN_IN_LIFETIME``. On the way back ``take`` deletes the row of the state
presented, whatever follows (single use), and ``check`` refuses an unknown, replayed, expired
sign-in or one that another browser started. ``account_for`` decides who signs in: the account
with the ID token's e-mail, verified, and active — never a new account.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.auth import accounts
from app.core.errors import BadRequestError, ForbiddenError, ServiceUnavailableError
from app.core.security import hash_token, same_hash
from app.models.accounts import EMAIL_MAX_LENGTH, Account, OidcSignIn
from app.models.base import utcnow

#: How long a person has to sign in at the provider and come back.
SIGN_IN_LIFETIME = timedelta(minutes=10)
#: The cookie binding a sign-in to the browser that started it (its path: the return only).
BROWSER_COOKIE = "boussole_oidc"
#: Longest ``state`` looked up (ours are 43 characters).
MAX_STATE_LENGTH = 128

RESTART = "Recommencez depuis la page de connexion."


@dataclass(frozen=True)
class Begun:
    """The secrets of a sign-in just begun: ``state``, ``nonce`` and ``code_verifier`` go to the
    provider, ``browser_key`` to the browser's cookie."""

    state: str
    nonce: str
    code_verifier: str
    browser_key: str


def begin(*, session: Session, next_path: str | None, max_pending: int) -> Begun:
    """A new sign-in, kept for ``SIGN_IN_LIFETIME``; the expired ones are deleted. ``next_path``
    (where to go after) is a path of this site, already checked by the caller. Refused (503,
    nothing written) while ``max_pending`` sign-ins are under way, until the oldest expires: the
    table stays bounded whoever begins them (each client is braked too: app.web.oidc_routes)."""
    now = utcnow()
    session.execute(delete(OidcSignIn).where(col(OidcSignIn.expires_at) < now))
    pending = session.scalar(select(func.count()).select_from(OidcSignIn)) or 0
    if pending >= max_pending:
        oldest = session.scalar(select(func.min(col(OidcSignIn.expires_at))))
        wait = (oldest - now).total_seconds() if oldest is not None else 0
        raise ServiceUnavailableError(
            "Trop de connexions sont en cours en ce moment : réessayez dans quelques minutes.",
            max(1, math.ceil(wait)),
        )
    begun = Begun(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters (RFC 7636: 43 to 128)
        browser_key=secrets.token_urlsafe(32),
    )
    session.add(
        OidcSignIn(
            state_hash=hash_token(begun.state),
            nonce=begun.nonce,
            code_verifier=begun.code_verifier,
            browser_hash=hash_token(begun.browser_key),
            next_path=next_path,
            created_at=now,
            expires_at=now + SIGN_IN_LIFETIME,
        )
    )
    session.flush()
    return begun


@dataclass(frozen=True)
class Pending:
    """A sign-in taken back from the table (and deleted from it)."""

    nonce: str
    code_verifier: str
    next_path: str | None
    browser_hash: str
    expires_at: datetime


def take(*, session: Session, state: str | None) -> Pending | None:
    """The sign-in of ``state``, deleted so that it serves once (one ``DELETE … RETURNING``:
    of two returns racing with the same state, one gets it); None when there is none."""
    if not state or len(state) > MAX_STATE_LENGTH:
        return None
    row = session.execute(
        delete(OidcSignIn)
        .where(col(OidcSignIn.state_hash) == hash_token(state))
        .returning(
            col(OidcSignIn.nonce),
            col(OidcSignIn.code_verifier),
            col(OidcSignIn.next_path),
            col(OidcSignIn.browser_hash),
            col(OidcSignIn.expires_at),
        )
    ).first()
    if row is None:
        return None
    nonce, code_verifier, next_path, browser_hash, expires_at = row
    return Pending(
        nonce=nonce,
        code_verifier=code_verifier,
        next_path=next_path,
        browser_hash=browser_hash,
        expires_at=expires_at,
    )


def check(pending: Pending | None, *, browser_key: str | None) -> Pending:
    """``pending`` if this browser began it and it has not expired; 400 otherwise."""
    if pending is None:
        raise BadRequestError("Cette demande de connexion est inconnue ou a déjà servi. " + RESTART)
    if not browser_key or not same_hash(browser_key[:MAX_STATE_LENGTH], pending.browser_hash):
        raise BadRequestError(
            "Cette demande de connexion n'a pas été commencée dans ce navigateur. " + RESTART
        )
    if pending.expires_at <= utcnow():
        raise BadRequestError("Cette demande de connexion a expiré. " + RESTART)
    return pending


def account_for(
    *, session: Session, claims: dict[str, Any], require_email_verified: bool
) -> Account:
    """The account the verified ID token's e-mail names: 403 when the e-mail is missing or not
    verified, when no account has it (no account is ever created here), or when it is
    deactivated."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip() or len(email) > EMAIL_MAX_LENGTH:
        raise ForbiddenError(
            "Le fournisseur d'identité n'a pas transmis votre adresse e-mail : Boussole ne peut "
            "pas savoir qui vous êtes. Connectez-vous avec votre mot de passe."
        )
    verified = claims.get("email_verified")
    if verified is False or (verified is not True and require_email_verified):
        raise ForbiddenError(
            "Le fournisseur d'identité n'atteste pas que votre adresse e-mail est vérifiée : la "
            "connexion est refusée. Vérifiez-la auprès de lui, ou connectez-vous avec votre mot "
            "de passe."
        )
    account = accounts.get_by_email(session=session, email=email.strip())
    if account is None:
        raise ForbiddenError(
            "Aucun compte Boussole n'existe pour cette adresse e-mail. Demandez à l'équipe qui "
            "administre Boussole de vous inviter."
        )
    if not account.active:
        raise ForbiddenError(
            "Ce compte Boussole est désactivé. Adressez-vous à l'équipe qui administre Boussole."
        )
    return account
