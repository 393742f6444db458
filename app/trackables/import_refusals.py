"""The refusals of the import (app.trackables.imports) as problems: every problem of the file in
``errors``, located in the file (``file``, line, column)."""

from collections.abc import Sequence
from typing import Any

from app.core.errors import BoussoleError, ConflictError, ForbiddenError
from app.models.imports import RowError

#: The ``type`` of a row's problem in the problem's ``errors``: a bad value, a row about what
#: the caller may not write, a row of a year whose campaign is not open (an editor's import);
#: a problem of the whole file is ``invalid-file`` (app.trackables.import_files).
INVALID_ROW = "invalid-row"
OUT_OF_SCOPE = "out-of-scope"
CAMPAIGN_CLOSED = "campaign-closed"


def row_problems(rows: Sequence[RowError]) -> list[dict[str, Any]]:
    """The rows' problems as a problem's ``errors``: located in the file (``file``, line,
    column), with ``line`` and ``column`` as members of their own."""
    return [
        {
            "loc": ["file", row.line, *([row.column] if row.column else [])],
            "detail": row.message,
            "type": row.type,
            "line": row.line,
            "column": row.column,
        }
        for row in rows
    ]


class ImportRefusedError(BoussoleError):
    """The file has bad rows: nothing was written. ``truncated``: it has more than are listed."""

    status_code = 422
    problem_type = "import-refused"
    title = "Fichier refusé"

    def __init__(self, errors: Sequence[RowError], *, truncated: bool = False) -> None:
        count = len(errors)
        if truncated:
            counted = f"Plus de {count} problèmes (les {count} premiers listés)"
        else:
            counted = f"{count} problème{'s' if count > 1 else ''}"
        super().__init__(
            f"{counted} dans le fichier : rien n'a été écrit.",
            truncated=truncated,
        )
        self.rows = list(errors)

    def field_problems(self) -> list[dict[str, Any]]:
        return row_problems(self.rows)


class ImportForbiddenError(ForbiddenError):
    """The file's only problems are rows out of the caller's scope (listed): 403."""

    def __init__(self, message: str, rows: Sequence[RowError]) -> None:
        super().__init__(message)
        self.rows = list(rows)

    def field_problems(self) -> list[dict[str, Any]]:
        return row_problems(self.rows)


class ImportConflictError(ConflictError):
    """The file's only problems are rows of years whose campaign is not open (listed): 409, as
    an editor's write of such a report."""

    def __init__(self, rows: Sequence[RowError]) -> None:
        super().__init__(
            "Aucune campagne de bilan n'est ouverte pour les années de ce fichier : rien n'a été "
            "écrit."
        )
        self.rows = list(rows)

    def field_problems(self) -> list[dict[str, Any]]:
        return row_problems(self.rows)
