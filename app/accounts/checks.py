"""The checks an account and a machine token share, with French refusals that write nothing: a
name people read, and the directorates an editor acts for."""

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core.errors import InvalidInputError
from app.models import Directorate, Role
from app.models.inputs import unstorable_text

#: A control character (refused in a name or an e-mail).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ActingDirectorate:
    """A directorate an editor (an account, a token) acts for."""

    id: int
    code: str


def checked_name(name: str, *, field: str, max_length: int, label: str) -> str:
    """``name`` (already trimmed) when it is not blank, at most ``max_length`` characters, free
    of control characters and storable; else a 422 on ``field`` that names it by ``label``
    ("Le nom affiché")."""
    if not name or len(name) > max_length or CONTROL.search(name):
        raise InvalidInputError(
            (field,), f"{label} est obligatoire, en {max_length} caractères au plus."
        )
    if unstorable_text(name):
        raise InvalidInputError((field,), f"{label} contient un caractère invalide.")
    return name


def checked_directorates(
    session: Session,
    role: Role,
    codes: list[str] | tuple[str, ...],
    *,
    holder: str,
    kept: set[str] | frozenset[str] = frozenset(),
) -> list[ActingDirectorate]:
    """The directorates of ``codes`` for a ``holder`` ("compte", "jeton") of ``role``, by code:
    none for an admin (it writes everything), at least one for an editor, each known and not
    archived (unless the holder ``kept`` it already)."""
    if role == Role.admin:
        return []
    wanted = sorted({code.strip() for code in codes if code.strip()})
    if not wanted:
        raise InvalidInputError(
            ("directorates",), f"Un {holder} de rédacteur agit pour au moins une direction."
        )
    rows = session.execute(
        select(col(Directorate.id), col(Directorate.code), col(Directorate.archived_at)).where(
            col(Directorate.code).in_(wanted)
        )
    ).all()
    unknown = sorted(set(wanted) - {code for _, code, _ in rows})
    if unknown:
        raise InvalidInputError(("directorates",), f"Direction inconnue : {', '.join(unknown)}.")
    archived = sorted(
        code for _, code, archived_at in rows if archived_at is not None and code not in kept
    )
    if archived:
        raise InvalidInputError(("directorates",), f"Direction archivée : {', '.join(archived)}.")
    return sorted((ActingDirectorate(d_id, code) for d_id, code, _ in rows), key=lambda d: d.code)
