"""The words a spreadsheet may hold for a status, read by the CSV import (``status_word``)."""

import re

from app.core.text import fold
from app.models.tracking import Status

#: Other words a spreadsheet may hold for a status: the phase statuses of the national schema
#: (app.opendata.national: "Terminé"…), its phase "Idée" (what the export writes for `planned`),
#: and the usual vocabulary of the platform and its users, feminine forms included ("une action
#: réalisée"). Keys and labels (``Status.label``) are accepted too; see ``status_word``.
STATUS_ALIASES: dict[str, Status] = {
    "Idée": Status.planned,
    "Prévu": Status.planned,
    "Prévue": Status.planned,
    "Planifié": Status.planned,
    "Planifiée": Status.planned,
    "Non démarré": Status.planned,
    "Non démarrée": Status.planned,
    "Pas commencé": Status.planned,
    "Démarré": Status.in_progress,
    "Démarrée": Status.in_progress,
    "Commencé": Status.in_progress,
    "Engagé": Status.in_progress,
    "Engagée": Status.in_progress,
    "En cours de réalisation": Status.in_progress,
    "Terminé": Status.completed,
    "Terminée": Status.completed,
    "Réalisée": Status.completed,
    "Achevé": Status.completed,
    "Achevée": Status.completed,
    "Fait": Status.completed,
    "Faite": Status.completed,
    "Suspendu": Status.paused,
    "Suspendue": Status.paused,
    "Retard": Status.delayed,
    "Retardé": Status.delayed,
    "Retardée": Status.delayed,
    "Bloquée": Status.blocked,
    "Abandonnée": Status.abandoned,
    "Annulé": Status.abandoned,
    "Annulée": Status.abandoned,
    "À arbitrer": Status.to_discuss,
    "À débattre": Status.to_discuss,
}


def _status_key(text: str) -> str:
    """Case, accents, spaces, hyphens and underscores aside: "in_progress", "In progress",
    "EN-COURS" and "en  cours" compare equal to their kind."""
    return " ".join(re.split(r"[\s_\-]+", fold(text))).strip()


#: Status keys ("in_progress"), their French labels ("En cours") and the aliases above.
STATUS_WORDS = (
    {_status_key(word): s for word, s in STATUS_ALIASES.items()}
    | {_status_key(s.label): s for s in Status}
    | {_status_key(s.value): s for s in Status}
)


def status_word(text: str) -> Status | None:
    """The status a cell names, whatever its case, accents or separators; None if none."""
    return STATUS_WORDS.get(_status_key(text))
