"""Passwords: Argon2id hashes (pwdlib, its recommended parameters), the rules a new password
follows, and a dummy hash that refusals of unknown e-mails verify against, so that they take as
long as a wrong password.

The commonest passwords are Django's list (``data/common-passwords.txt.gz``, 20,000 passwords,
BSD-3-Clause: ``data/LICENSE-django.txt``), compared lower-cased as Django does. A password is
never logged, stored or shown: only its hash is kept.
"""

import gzip
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.errors import InvalidInputError

#: The default of ``BOUSSOLE_PASSWORD_MIN_LENGTH``.
DEFAULT_MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
#: Parts of an e-mail's local part shorter than this are not looked for in a password.
_SHORTEST_PART = 4

_hasher = PasswordHash((Argon2Hasher(),))


def _bytes(password: str) -> bytes:
    # Whatever a form sent, even an unpaired surrogate, is hashed rather than failing.
    return password.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    return _hasher.hash(_bytes(password))


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a hash that is not Argon2)."""
    try:
        return _hasher.verify(_bytes(password), password_hash)
    except PwdlibError:
        return False


#: A hash of a password no account has, made with the hasher's parameters (m, t, p: checked by
#: tests/auth/test_accounts.py), written out so that the first refusal costs no extra hashing.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$YM/r96UuEQ09VPdZj6EoTA"
    "$YwVp/JXY0G62X9kFKIu6poZf2biWL3DpvGM5x1u83cc"
)


def verify_nothing(password: str) -> bool:
    """Verify ``password`` against a hash no account has: the same work as a real verification,
    for a refusal that must not be told apart from a wrong password. Always False."""
    _hasher.verify(_bytes(password), DUMMY_HASH)
    return False


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def _email_parts(email: str) -> Iterator[str]:
    local = email.partition("@")[0].lower()
    yield local
    for separator in ".-_+":
        local = local.replace(separator, " ")
    yield from local.split()


def password_problems(
    password: str, *, email: str, min_length: int = DEFAULT_MIN_LENGTH
) -> list[str]:
    """What is wrong with ``password`` as a new password of the account ``email``, in French; an
    empty list when nothing is."""
    problems = []
    if len(password) < min_length:
        problems.append(f"Le mot de passe doit compter au moins {min_length} caractères.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Le mot de passe ne peut pas dépasser {MAX_LENGTH} caractères.")
    folded = password.lower()
    if any(len(part) >= _SHORTEST_PART and part in folded for part in _email_parts(email)):
        problems.append("Le mot de passe ne doit pas reprendre votre adresse électronique.")
    if folded.strip() in _common_passwords():
        problems.append(
            "Ce mot de passe fait partie des plus courants, que l'on devine en premier : "
            "choisissez-en un autre."
        )
    return problems


def check_new_password(password: str, *, email: str, min_length: int = DEFAULT_MIN_LENGTH) -> None:
    """Refuse (422, field ``password``) a new password that breaks a rule of
    ``password_problems``."""
    problems = password_problems(password, email=email, min_length=min_length)
    if problems:
        raise InvalidInputError(("password",), " ".join(problems))
