"""Read models of the import of yearly progress (CSV, XLSX or ODS)."""

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
    message: str = Field(description="What is wrong, in French")
    type: str = Field(
        default="invalid-row",
        description="`invalid-row`; `out-of-scope` for a row about what the token's "
        "directorates do not lead; `campaign-closed` for an editor's row of a year without an "
        "open campaign; `invalid-file` for a problem of the whole file (its format, a sheet, "
        "a column of the header, too many rows)",
    )


class ImportReport(SQLModel):
    dry_run: bool
    rows: int = Field(description="Data rows read")
    created: int
    updated: int
    unchanged: int
    published: bool = Field(
        default=True,
        description="True: the reports are published (an admin's import); false: filed as "
        "pending reports, submitted for an admin to validate (an editor's import)",
    )
    errors: list[RowError] = Field(
        description="Always empty here: a file with a bad row is refused (422) and nothing is "
        "written"
    )
