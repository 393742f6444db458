"""Read models of the CSV import of yearly progress."""

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
        description="`invalid-row`, or `out-of-scope` for a row about what the token's "
        "directorates do not lead",
    )


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
