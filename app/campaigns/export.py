"""``campaign_{year}.csv``: a closed campaign's snapshot for a spreadsheet set to French, as the
directorates and the elected members open it (Excel, LibreOffice).

So that it opens in columns with its accents: UTF-8 with a byte order mark, semicolon separator,
CRLF line ends, decimal comma, no thousands separator; French headers and labels (the status
« En cours », the kind « Projet phare »); an empty cell for a missing value; date-times in UTC as
``YYYY-MM-DD HH:MM:SS``, which both read as a date. Text cells are made inert as the open data's
are (``app.core.cells.neutralise``: never read as a formula). Machines read the same rows as JSON
(``GET /api/v1/campaigns/{year}/snapshot``) or the open data."""

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from app.core.cells import format_number, neutralise
from app.models import CampaignSnapshot, Status, TrackableKind

#: The file's name for a year.
FILE_NAME = "campaign_{year}.csv"
MEDIA_TYPE = "text/csv; charset=utf-8"

HEADER = (
    "Code",
    "Type",
    "Intitulé",
    "Direction pilote",
    "Avancement (%)",
    "Statut",
    "Commentaire",
    "Budget prévu, investissement (€)",
    "Budget prévu, fonctionnement (€)",
    "Budget dépensé, investissement (€)",
    "Budget dépensé, fonctionnement (€)",
    "Bilan enregistré le (UTC)",
    "Figé le (UTC)",
)
KINDS = {TrackableKind.action.value: "Action", TrackableKind.flagship_project.value: "Projet phare"}


def _number(value: float | None) -> str:
    return "" if value is None else format_number(value).replace(".", ",")


def _moment(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite gives back naive values: they are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _line(row: CampaignSnapshot) -> list[str]:
    return [
        neutralise(row.trackable_code),
        KINDS.get(row.kind, row.kind),
        neutralise(row.title),
        neutralise(row.lead_directorate or ""),
        _number(row.progress),
        Status(row.status).label,
        neutralise(row.comment),
        _number(row.budget_planned_investment),
        _number(row.budget_planned_operating),
        _number(row.budget_spent_investment),
        _number(row.budget_spent_operating),
        _moment(row.reported_at),
        _moment(row.frozen_at),
    ]


def snapshot_csv(rows: Iterable[CampaignSnapshot]) -> bytes:
    """The rows as the file's bytes."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_line(row) for row in rows)
    return "\ufeff".encode() + text.getvalue().encode("utf-8")
