"""The report form of "Mes actions" (app.web.reporting_routes): what its fields hold, drawn from
a pending report, a published one or the form as posted, and read back into a
``PendingReportInput`` — or the French message of each field at fault.

Fields, by name (the id of each input is its name, except the indicators' values):

- ``status``, ``progress``, ``comment``, the four budgets (``budget_planned_investment``…);
- ``jalons``: how many milestone rows the form has; row n: ``jalon-n-id`` (hidden, an existing
  milestone), ``jalon-n-titre``, ``jalon-n-prevu``, ``jalon-n-atteint`` (dates), ``jalon-n-fait``
  (a checkbox). A blank new row is ignored; an existing milestone goes into the report only when
  it was changed (validation writes the report's milestones over the stored ones);
- ``indicateur:<code>``: the year's value of each indicator linked to the trackable (id
  ``indicateur-n``);
- ``version``: the version of the pending report the form started from (0: none), sent as the
  service's If-Match, so that a second tab's older version is refused (412) rather than written.

Numbers are read as a person writes them in French: "12 500,50" (spaces, a decimal comma).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.core.errors import InvalidInputError
from app.core.validation_messages import french_message
from app.models import PendingReport, Status
from app.models.campaigns import PendingReportInput
from app.models.tracking import FIRST_YEAR, LAST_YEAR, MilestonePublic, ProgressReportPublic

#: Empty rows offered for new milestones, the most rows read, and the longest text read.
NEW_MILESTONE_ROWS = 3
MAX_ROWS = 220
MAX_TEXT = 20_001
MAX_FIELD = 1024
BUDGETS = (
    ("budget_planned_investment", "Budget prévu — investissement"),
    ("budget_planned_operating", "Budget prévu — fonctionnement"),
    ("budget_spent_investment", "Budget dépensé — investissement"),
    ("budget_spent_operating", "Budget dépensé — fonctionnement"),
)
STATUS_CHOICES = [(status.value, status.label) for status in Status]

_SPACES = str.maketrans("", "", " \u00a0\u202f")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class NotANumberError(ValueError):
    pass


def parse_number(text: str) -> float | None:
    """``"12 500,50"`` → 12500.5; blank → None; anything else: ``NotANumberError``."""
    cleaned = text.strip().translate(_SPACES).replace(",", ".")
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise NotANumberError(text)
    return float(cleaned)


def shown_number(value: float | None) -> str:
    """A stored number as the form shows it: ``12500.5`` → ``"12500,5"``, 40.0 → ``"40"``."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


# --- What the form shows --------------------------------------------------------------------------


@dataclass
class MilestoneRow:
    number: int
    id: int | None = None
    title: str = ""
    planned_on: str = ""
    achieved_on: str = ""
    done: bool = False

    @property
    def blank(self) -> bool:
        return self.id is None and not (
            self.title.strip() or self.planned_on or self.achieved_on or self.done
        )


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator linked to the trackable, and its latest published value (year, value)."""

    code: str
    name: str
    unit: str
    decimals: int
    latest: tuple[int, float] | None


@dataclass
class Entered:
    """What the form's fields hold."""

    status: str
    progress: str
    comment: str
    budgets: dict[str, str]
    milestones: list[MilestoneRow]
    values: dict[str, str]  # indicator code: value as typed
    version: int


@dataclass
class FieldErrors:
    """The French message of each field at fault (by name, for the field's own message) and the
    summary at the top of the page (id, label, message), in the order of the form."""

    by_name: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, label: str, message: str, element_id: str | None = None) -> None:
        if name in self.by_name:
            return
        self.by_name[name] = message
        self.summary.append((element_id or name, label, message))

    def __bool__(self) -> bool:
        return bool(self.by_name)


def _iso(value: date | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.isoformat()


def _rows(
    stored: Sequence[MilestonePublic], drafts: Iterable[Mapping[str, Any]]
) -> list[MilestoneRow]:
    """The stored milestones, as a pending report changes them, then its new ones, then blank
    rows for more."""
    changed = {d["id"]: d for d in drafts if d.get("id") is not None}
    rows: list[MilestoneRow] = []
    for m in stored:
        d: Mapping[str, Any] = changed.get(m.id) or {
            "title": m.title,
            "planned_on": m.planned_on,
            "achieved_on": m.achieved_on,
            "done": m.done,
        }
        rows.append(
            MilestoneRow(
                len(rows) + 1,
                m.id,
                str(d.get("title") or ""),
                _iso(d.get("planned_on")),
                _iso(d.get("achieved_on")),
                bool(d.get("done")),
            )
        )
    known = {m.id for m in stored}
    for d in drafts:
        if d.get("id") is None or d["id"] not in known:  # new, or deleted since: a new one
            rows.append(
                MilestoneRow(
                    len(rows) + 1,
                    None,
                    str(d.get("title") or ""),
                    _iso(d.get("planned_on")),
                    _iso(d.get("achieved_on")),
                    bool(d.get("done")),
                )
            )
    return with_blank_rows(rows)


def with_blank_rows(rows: list[MilestoneRow]) -> list[MilestoneRow]:
    kept = [row for row in rows if not row.blank]
    for row in kept:
        row.number = kept.index(row) + 1
    return kept + [MilestoneRow(len(kept) + n) for n in range(1, NEW_MILESTONE_ROWS + 1)]


def from_pending(
    row: PendingReport, stored: Sequence[MilestonePublic], indicators: Sequence[IndicatorInfo]
) -> Entered:
    return Entered(
        status=Status(row.status).value,
        progress=shown_number(row.progress),
        comment=row.comment,
        budgets={name: shown_number(getattr(row, name)) for name, _ in BUDGETS},
        milestones=_rows(stored, row.milestones),
        values={
            i.code: shown_number(row.indicator_values[i.code])
            for i in indicators
            if i.code in row.indicator_values
        },
        version=row.version,
    )


def from_published(
    report: ProgressReportPublic | None,
    stored: Sequence[MilestonePublic],
    indicators: Sequence[IndicatorInfo],
    *,
    year: int,
    default_status: Status,
    whole: bool,
) -> Entered:
    """A form with no pending report: the year's published report (``whole``: every field), or
    the previous year's progress and status to start from (comment and budgets are the year's
    own), or nothing but the trackable's status."""
    budgets = {name: "" for name, _ in BUDGETS}
    if report is not None and whole:
        budgets = {name: shown_number(getattr(report, name)) for name, _ in BUDGETS}
    return Entered(
        status=Status(report.status).value if report else default_status.value,
        progress=shown_number(report.progress) if report else "",
        comment=report.comment if report is not None and whole else "",
        budgets=budgets,
        milestones=_rows(stored, []),
        values={
            i.code: shown_number(i.latest[1])
            for i in indicators
            if i.latest is not None and i.latest[0] == year
        },
        version=0,
    )


# --- Reading the form -----------------------------------------------------------------------------

_DATES = f"du 1er janvier {FIRST_YEAR} au 31 décembre {LAST_YEAR}"
_TOO_LARGE = "La valeur dépasse un million de milliards en valeur absolue : vérifiez l'unité."
#: The messages of each kind of field, by what went wrong ("default" for anything else).
_MESSAGES: dict[str, dict[str, str]] = {
    "progress": {
        "missing": "Indiquez l'avancement : un pourcentage de 0 à 100.",
        "number": "L'avancement s'écrit en chiffres, de 0 à 100 (par exemple 40 ou 42,5).",
        "too_low": "L'avancement ne peut pas être négatif : de 0 à 100.",
        "too_high": "L'avancement ne peut pas dépasser 100 %.",
        "default": "L'avancement est un pourcentage de 0 à 100.",
    },
    "status": {"default": "Choisissez un statut dans la liste."},
    "comment": {"default": "Le commentaire tient en 20 000 caractères au plus."},
    "budget": {
        "number": "Un montant s'écrit en chiffres, en euros (par exemple 12 500 ou 12 500,50).",
        "too_low": "Un budget ne peut pas être négatif.",
        "too_high": "Un budget ne peut pas dépasser 1 000 milliards d'euros.",
        "default": "Un budget est un montant en euros, positif ou nul.",
    },
    "title": {"default": "Donnez un titre au jalon, en 300 caractères au plus."},
    "date": {
        "number": "Une date s'écrit AAAA-MM-JJ, par exemple 2025-06-30.",
        "range": f"La date doit tomber dans la période du plan, {_DATES}.",
        "default": "Une date s'écrit AAAA-MM-JJ, par exemple 2025-06-30.",
    },
    "indicator": {
        "number": "La valeur s'écrit en chiffres (par exemple 12,5 ou -3).",
        "too_low": _TOO_LARGE,
        "too_high": _TOO_LARGE,
        "default": "La valeur s'écrit en chiffres (par exemple 12,5 ou -3).",
    },
}
_CATEGORIES = {
    "missing": "missing",
    "float_type": "number",
    "float_parsing": "number",
    "finite_number": "number",
    "date_format": "number",
    "date_from_datetime_parsing": "number",
    "date_parsing": "number",
    "greater_than": "too_low",
    "greater_than_equal": "too_low",
    "less_than": "too_high",
    "less_than_equal": "too_high",
    "date_range": "range",
}
_MILESTONE_FIELDS = {
    "title": ("titre", "title", "titre"),
    "planned_on": ("prevu", "date", "date prévue"),
    "achieved_on": ("atteint", "date", "date atteinte"),
    "id": ("titre", "title", "titre"),
    "done": ("fait", "title", "fait"),
}


def message(kind: str, error_type: str, error: Mapping[str, Any] | None = None) -> str:
    """The French message of a field of ``kind`` refused for ``error_type`` (pydantic's)."""
    if error_type == "string_unstorable" and error is not None:
        text = french_message(error)
        return f"{text[:1].upper()}{text[1:]}."
    messages = _MESSAGES[kind]
    return messages.get(_CATEGORIES.get(error_type, ""), messages["default"])


@dataclass
class Posted:
    """A posted form: what it holds (drawn again as typed if refused), and what it means."""

    entered: Entered
    data: dict[str, Any]
    errors: FieldErrors
    #: The form's milestone row of each milestone of ``data`` (its index there).
    milestone_rows: list[int]
    labels: dict[str, str]  # indicator code: its field's label


def _text(form: FormData, name: str, limit: int = MAX_FIELD) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _count(form: FormData) -> int:
    text = _text(form, "jalons", 10)
    return min(int(text), MAX_ROWS) if text.isdigit() else 0


def read(
    form: FormData,
    stored: Sequence[MilestonePublic],
    indicators: Sequence[IndicatorInfo],
) -> Posted:
    """The posted form, read; ``errors`` holds what cannot be a number or a date."""
    errors = FieldErrors()
    version_text = _text(form, "version", 20)
    entered = Entered(
        status=_text(form, "status"),
        progress=_text(form, "progress"),
        comment=_text(form, "comment", MAX_TEXT).replace("\r\n", "\n"),
        budgets={name: _text(form, name) for name, _ in BUDGETS},
        milestones=[],
        values={i.code: _text(form, f"indicateur:{i.code}") for i in indicators},
        version=int(version_text) if version_text.isdigit() else 0,
    )
    data: dict[str, Any] = {"status": entered.status, "comment": entered.comment}
    try:
        progress = parse_number(entered.progress)
        if progress is not None:
            data["progress"] = progress
    except NotANumberError:
        errors.add("progress", "Avancement", message("progress", "float_parsing"))
    for name, label in BUDGETS:
        try:
            data[name] = parse_number(entered.budgets[name])
        except NotANumberError:
            errors.add(name, label, message("budget", "float_parsing"))
    by_id = {m.id: m for m in stored}
    drafts: list[dict[str, Any]] = []
    rows: list[int] = []
    for number in range(1, _count(form) + 1):
        prefix = f"jalon-{number}"
        id_text = _text(form, f"{prefix}-id", 20)
        row = MilestoneRow(
            number,
            int(id_text) if id_text.isdigit() else None,
            _text(form, f"{prefix}-titre"),
            _text(form, f"{prefix}-prevu", 40).strip(),
            _text(form, f"{prefix}-atteint", 40).strip(),
            bool(_text(form, f"{prefix}-fait", 10)),
        )
        entered.milestones.append(row)
        if row.blank:
            continue
        draft: dict[str, Any] = {
            "title": row.title,
            "planned_on": row.planned_on or None,
            "achieved_on": row.achieved_on or None,
            "done": row.done,
        }
        before = by_id.get(row.id) if row.id is not None else None
        if before is not None and draft == {
            "title": before.title,
            "planned_on": _iso(before.planned_on) or None,
            "achieved_on": _iso(before.achieved_on) or None,
            "done": before.done,
        }:
            continue  # unchanged: nothing to publish for it
        if row.id is not None:
            draft["id"] = row.id
        drafts.append(draft)
        rows.append(number)
    data["milestones"] = drafts
    values: dict[str, float] = {}
    labels: dict[str, str] = {}
    for number, info in enumerate(indicators, start=1):
        name = f"indicateur:{info.code}"
        labels[info.code] = f"Indicateur {info.code}"
        try:
            value = parse_number(entered.values[info.code])
        except NotANumberError:
            problem = message("indicator", "float_parsing")
            errors.add(name, labels[info.code], problem, f"indicateur-{number}")
            continue
        if value is not None:
            values[info.code] = value
    data["indicator_values"] = values
    return Posted(entered, data, errors, rows, labels)


def validated(posted: Posted, indicators: Sequence[IndicatorInfo]) -> PendingReportInput | None:
    """The report the form holds, or None with every field at fault in ``posted.errors``."""
    try:
        data = PendingReportInput.model_validate(posted.data)
    except ValidationError as error:
        for item in error.errors():
            field_at_fault(posted, indicators, tuple(item["loc"]), item["type"], item)
        return None
    return None if posted.errors else data


_LABELS = {
    "progress": "Avancement",
    "status": "Statut",
    "comment": "Commentaire",
    **dict(BUDGETS),
}
_KINDS = {
    "progress": "progress",
    "status": "status",
    "comment": "comment",
    **{name: "budget" for name, _ in BUDGETS},
}


def field_at_fault(
    posted: Posted,
    indicators: Sequence[IndicatorInfo],
    loc: tuple[Any, ...],
    error_type: str,
    error: Mapping[str, Any] | None = None,
    text: str | None = None,
) -> None:
    """Add the message of the field ``loc`` names (a location of ``PendingReportInput``): the
    page's own wording for ``error_type``, or ``text``."""
    if loc and loc[0] == "body":
        loc = loc[1:]
    if not loc:
        posted.errors.add("form", "Formulaire", text or "Ce bilan n'est pas valable.")
        return
    head = str(loc[0])
    if head in _KINDS:
        posted.errors.add(head, _LABELS[head], text or message(_KINDS[head], error_type, error))
    elif head == "milestones" and len(loc) >= 2 and isinstance(loc[1], int):
        number = posted.milestone_rows[loc[1]] if loc[1] < len(posted.milestone_rows) else 1
        which = str(loc[2]) if len(loc) > 2 else "title"
        part, kind, label = _MILESTONE_FIELDS.get(which, _MILESTONE_FIELDS["title"])
        posted.errors.add(
            f"jalon-{number}-{part}",
            f"Jalon {number} — {label}",
            text or message(kind, error_type, error),
        )
    elif head == "indicator_values" and len(loc) >= 2:
        code = str(loc[1])
        number = next((n for n, i in enumerate(indicators, 1) if i.code == code), 0)
        posted.errors.add(
            f"indicateur:{code}",
            f"Indicateur {code}",
            text or message("indicator", error_type, error),
            f"indicateur-{number}",
        )
    else:
        posted.errors.add("form", "Formulaire", text or "Ce bilan n'est pas valable.")


def refused_by_service(
    posted: Posted, indicators: Sequence[IndicatorInfo], error: InvalidInputError
) -> None:
    """A refusal of the service (a milestone that is not the trackable's, an indicator not
    linked to it…), next to the field it names."""
    sentence = f"{error.message[:1].upper()}{error.message[1:]}."
    field_at_fault(posted, indicators, tuple(error.loc), "value_error", text=sentence)
