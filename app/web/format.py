"""French wording and number, date and time formats of the public dashboard.

Only presentation lives here: labels for the machine keys of the API (statuses come with their own
French labels in app.models.tracking) and French typography (decimal comma, narrow no-break spaces
before % and between thousands, dates as "16 octobre 2023").

Numbers are formatted whatever the database holds (see ``number``): from 10¹⁵ on in scientific
notation, infinities as ∞, NaN in words, and never more than ``MAX_DECIMALS`` decimals.
"""

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime

from app.core.dates import PARIS, french_day
from app.models.audit import AuditAction
from app.models.indicators import Direction, Trajectory, ValueStatus
from app.models.tracking import Priority, Status

#: Narrow no-break space: before "%" and between groups of thousands, as French typography wants.
NNBSP = "\u202f"
NOT_KNOWN = "non renseigné"
#: What a stored NaN (possible on PostgreSQL, never through the API) is shown as.
NOT_A_NUMBER = "valeur non numérique"
#: From this magnitude on, "1,7 × 10³⁰⁸": a double holds 15 to 17 significant digits, so the
#: further digits of a longer integer part would be noise (and 1e308 would take 400 characters).
SCIENTIFIC_FROM = 1e15
#: Significant digits of the scientific notation.
SCIENTIFIC_DIGITS = 6
#: The most decimals shown, as the API accepts for an indicator (``IndicatorInput.decimals``);
#: a stored value outside 0 to 6 is brought back into it.
MAX_DECIMALS = 6
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

#: The trajectories' French labels are declared with them (app.models.indicators).
TRAJECTORY_LABELS: dict[Trajectory, str] = {t: t.label for t in Trajectory}

DIRECTION_LABELS: dict[Direction, str] = {
    Direction.increase: "à la hausse",
    Direction.decrease: "à la baisse",
    Direction.maintain: "à maintenir",
}

VALUE_STATUS_LABELS: dict[ValueStatus, str] = {
    ValueStatus.provisional: "provisoire",
    ValueStatus.final: "définitive",
}

#: What the audit trail calls the things written (the domains' writes: audit.record, the seed).
ENTITY_LABELS: dict[str, str] = {
    "plan": "Plan",
    "ambition": "Ambition",
    "value": "Valeur partagée",
    "diagnostic_point": "Point du diagnostic",
    "prospective_point": "Point de la prospective",
    "chronology_step": "Étape de la chronologie",
    "engagement": "Engagement",
    "axis": "Axe",
    "action": "Action",
    "flagship_project": "Projet phare",
    "flagship_link": "Lien projet phare – action",
    "directorate": "Direction",
    "indicator": "Indicateur",
    "indicator_value": "Valeur d'indicateur",
    "progress_report": "Bilan annuel",
    "milestone": "Jalon",
}

CHANGE_LABELS: dict[AuditAction, str] = {
    AuditAction.create: "création",
    AuditAction.update: "modification",
    AuditAction.delete: "suppression",
}

ROLE_LABELS: dict[str, str] = {
    "admin": "administration",
    "editor": "direction pilote",
    "system": "chargement du plan",
}


def number(value: float | None, decimals: int = 0) -> str:
    """``1234.5`` → ``"1 234,5"`` (narrow no-break space between thousands).

    Total, for anything a float column holds: ``1.7e308`` → ``"1,7 × 10³⁰⁸"`` (from
    ``SCIENTIFIC_FROM`` on), ``inf`` → ``"∞"``, NaN → ``NOT_A_NUMBER``, ``-1e-300`` → ``"0"``
    (no "-0"); ``decimals`` is brought into 0–``MAX_DECIMALS``."""
    if value is None:
        return NOT_KNOWN
    if math.isnan(value):
        return NOT_A_NUMBER
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= SCIENTIFIC_FROM:
        return _scientific(value)
    decimals = min(max(int(decimals), 0), MAX_DECIMALS)
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # a tiny negative value rounded to zero
    return text.replace(",", NNBSP).replace(".", ",")


def _scientific(value: float) -> str:
    """``1.7e308`` → ``"1,7 × 10³⁰⁸"``, to ``SCIENTIFIC_DIGITS`` significant digits."""
    mantissa, exponent = f"{value:.{SCIENTIFIC_DIGITS - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".").replace(".", ",")
    return f"{mantissa}{NNBSP}×{NNBSP}10{str(int(exponent)).translate(SUPERSCRIPTS)}"


def percent(value: float | None) -> str:
    """``42.0`` → ``"42 %"``, ``42.5`` → ``"42,5 %"``."""
    if value is None:
        return NOT_KNOWN
    if math.isnan(value):
        return NOT_A_NUMBER
    decimals = 0 if float(value).is_integer() else 1
    return f"{number(value, decimals)}{NNBSP}%"


def points(change: float | None) -> str:
    """A change of progress in percentage points: ``3.24`` → ``"+3,2 pts"``, ``-1.0`` →
    ``"−1 pt"``, ``0`` → ``"0 pt"`` (one decimal at most; "pt" below 2, as French counts)."""
    if change is None:
        return NOT_KNOWN
    if math.isnan(change):
        return NOT_A_NUMBER
    rounded = round(change, 1)
    if rounded == 0:
        return f"0{NNBSP}pt"
    size = abs(rounded)
    sign = "+" if rounded > 0 else "\u2212"
    unit = "pt" if size < 2 else "pts"
    return f"{sign}{number(size, 0 if size.is_integer() else 1)}{NNBSP}{unit}"


def quantity(value: float | None, unit: str = "", decimals: int = 0) -> str:
    """A value with its unit: ``"50 %"``, ``"1 200 tCO2e"``."""
    if value is None:
        return NOT_KNOWN
    if math.isnan(value):
        return NOT_A_NUMBER
    text = number(value, decimals)
    return f"{text}{NNBSP}{unit}" if unit else text


def day(value: date | None) -> str:
    """``date(2023, 10, 16)`` → ``"16 octobre 2023"``; the first of a month is "1er"."""
    return NOT_KNOWN if value is None else french_day(value)


def moment(value: datetime | None) -> str:
    """A UTC time as Paris reads it: ``"12 mai 2025 à 16 h 30"``."""
    if value is None:
        return NOT_KNOWN
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    local = aware.astimezone(PARIS)
    return f"{day(local.date())} à {local.hour} h {local.minute:02d}"


def iso(value: datetime | date | None) -> str:
    """For the ``datetime`` attribute of ``<time>``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def status_label(value: Status | str) -> str:
    return Status(value).label


def status_items(counts: Mapping[Status, int] | Mapping[str, int]) -> list[tuple[Status, int]]:
    """Counts by status in the order of the vocabulary (À venir, En cours, Réalisé…)."""
    by_key = {str(key): count for key, count in counts.items()}
    return [(status, by_key[status.value]) for status in Status if by_key.get(status.value)]


def priority_label(value: Priority | str | None) -> str:
    return Priority(value).label if value else NOT_KNOWN


def trajectory_label(value: Trajectory | str) -> str:
    return TRAJECTORY_LABELS[Trajectory(value)]


def direction_label(value: Direction | str) -> str:
    return DIRECTION_LABELS[Direction(value)]


def value_status_label(value: ValueStatus | str) -> str:
    return VALUE_STATUS_LABELS[ValueStatus(value)]


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity.replace("_", " ").capitalize())


def change_label(change: AuditAction | str) -> str:
    return CHANGE_LABELS.get(AuditAction(change), str(change))


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(2, "action")`` → ``"2 actions"``; French puts 0 and 1 in the singular."""
    word = singular if count < 2 else (plural_form or f"{singular}s")
    return f"{number(count)} {word}"
