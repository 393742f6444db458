"""Read models of the CSV import of yearly progress."""

from typing import Any

from sqlmodel import Field, SQLModel

#: The columns of the progress export, which the import reads back (others are ignored).
PROGRESS_COLUMNS = (
    "trackable_code",
    "year",
    "progress",
    "status",
    "comment",
    "budget_planned_investment",
    "budget_planned_operating",
    "budget_spent_investment",
    "budget_spent_operating",
    "reported_at",
)
REQUIRED_COLUMNS = ("trackable_code", "year", "progress")


class RowError(SQLModel):
    line: int = Field(description="Line in the file (the header is line 1)")
    column: str | None = Field(description="The column at fault, if one is")
    message: str


class ImportReport(SQLModel):
    dry_run: bool
    rows: int = Field(description="Data rows read")
    created: int
    updated: int
    unchanged: int
    errors: list[RowError] = Field(
        description="Always empty here: a file with a bad row is refused (422) and nothing is "
        "written"
    )


class ImportRefusal(SQLModel):
    """The answer of a refused import (422): nothing was written.

    A bad query parameter is answered 422 too, in FastAPI's own shape: ``detail`` is then the
    list of its validation errors, and the other fields are absent."""

    detail: str | list[dict[str, Any]] = Field(
        description="What went wrong, e.g. `3 problem(s) in the file: nothing was written`"
    )
    errors: list[RowError] = Field(
        default=[],
        description="The problems, in the order of the file: all of them, or the first "
        "`BOUSSOLE_IMPORT_MAX_PROBLEMS` (1,000) when `truncated` is true",
    )
    truncated: bool = Field(
        default=False,
        description="True when the file has more problems than `errors` lists: the import "
        "stopped reading there. Fix those and import again to see the next ones.",
    )
