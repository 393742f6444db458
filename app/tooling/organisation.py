"""The organisation an installer describes: CAPH directorates and who leads or contributes to
each action and flagship project (``boussole directorate``, ``boussole assign``, and
``seed/organisation.yaml`` applied by ``boussole seed``).

Files are CSV or YAML (by their suffix). Everything is checked before anything is written and every
problem is reported, one line each (``OrganisationError.problems``); the caller's transaction is
rolled back on refusal, so a file is applied whole or not at all. Writes go through the domains'
services (``app.reference.writes``; ``app.trackables.writes.assign`` for the assignments, all
rows at once in a fixed number of queries): audited under the caller's actor, revision taken. A
row that changes nothing writes nothing, so applying the same file twice changes nothing the
second time.

Assignments: a row names a trackable by ``code``; a ``lead`` or ``contributing`` column (CSV) or
key (YAML) that is present states the whole truth for that field (empty: no lead, no
contributors); one that is absent leaves the field as it is. Contributing directorates are
separated by ``;`` or ``|`` in a cell (a YAML list is accepted too).
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from app.auth.tokens import Actor
from app.core.config import PROJECT_ROOT
from app.core.validation_messages import french_message
from app.models import Directorate, Role, Trackable, TrackableDirectorate
from app.models.structure import DirectorateCreate, DirectorateUpdate
from app.models.tracking import TrackingInput
from app.reference import reference
from app.reference import writes as reference_writes

#: The installer's file, shipped empty; ``boussole seed`` applies it when it has content.
ORGANISATION_FILE = PROJECT_ROOT / "seed" / "organisation.yaml"
#: Who the command line writes as, in the audit trail (as ``boussole import-progress``).
CLI_ACTOR = Actor(name="cli", role=Role.admin)

_DIRECTORATE_FIELDS = ("code", "name")
_ASSIGNMENT_FIELDS = ("code", "lead", "contributing")
_SEPARATORS = re.compile(r"[;|]")


class OrganisationError(Exception):
    """A file refused: ``problems`` holds one line per problem, nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class DirectorateRow:
    where: str  # "ligne 3", "entrée 2": where the row is in its file
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    where: str
    code: str
    #: Only the fields the row states: ``lead_directorate`` (a code or None),
    #: ``contributing_directorates`` (a list of codes).
    changes: dict[str, Any]


@dataclass(slots=True)
class Organisation:
    directorates: list[DirectorateRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)
    #: The rows' problems; ``apply_organisation`` refuses them with those of the database.
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.directorates and not self.assignments and not self.problems


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


# --- Reading files -------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise OrganisationError([f"{path} : lecture impossible ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise OrganisationError([f"{path} : le fichier n'est pas en UTF-8"]) from exc


def _yaml(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (ligne {mark.line + 1})" if mark is not None else ""
        raise OrganisationError([f"{path} : YAML illisible{line}"]) from exc


def _entries(path: Path, fields: tuple[str, ...], key: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The file's rows as (where, mapping); raises on a file that cannot be read at all."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise OrganisationError(
            [f"{path} : format inconnu '{suffix or '(aucune extension)'}' (.csv, .yaml ou .yml)"]
        )
    text = _read_text(path)
    if suffix == ".csv":
        yield from _csv_entries(path, text, fields)
        return
    data = _yaml(path, text)
    if isinstance(data, dict) and set(data) == {key}:
        data = data[key]
    if data is None:
        return
    if not isinstance(data, list):
        raise OrganisationError(
            [f"{path} : une liste est attendue (ou « {key}: » suivi d'une liste)"]
        )
    for index, entry in enumerate(data, start=1):
        yield f"entrée {index}", entry


def _csv_entries(
    path: Path, text: str, fields: tuple[str, ...]
) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if not header:
            raise OrganisationError(
                [f"{path} : fichier vide (en-tête attendu : {','.join(fields)})"]
            )
        problems = [f"{path} : colonne inconnue '{n}'" for n in header if n not in fields]
        problems += [
            f"{path} : colonne en double '{n}'" for n in set(header) if header.count(n) > 1
        ]
        if "code" not in header:
            problems.append(f"{path} : colonne 'code' manquante")
        if problems:
            raise OrganisationError(problems)
        for cells in reader:
            where = f"ligne {reader.line_num}"
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                yield where, {"__width__": len(cells), "__expected__": len(header)}
                continue
            yield where, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        raise OrganisationError(
            [f"{path} : CSV illisible ligne {reader.line_num} ({exc})"]
        ) from exc


def _shape_problem(where: str, entry: Any, fields: tuple[str, ...]) -> str | None:
    if not isinstance(entry, dict):
        return f"{where} : un objet est attendu ({', '.join(fields)})"
    if "__width__" in entry:
        return f"{where} : {entry['__width__']} cellules au lieu de {entry['__expected__']}"
    unknown = [str(k) for k in entry if k not in fields]
    if unknown:
        return f"{where} : champ inconnu '{unknown[0]}' (attendus : {', '.join(fields)})"
    if not isinstance(entry.get("code"), str) or not entry["code"].strip():
        return f"{where} : code manquant"
    return None


def _validation_problems(where: str, exc: ValidationError, names: dict[str, str]) -> list[str]:
    problems = []
    for error in exc.errors():
        name = names.get(str(error["loc"][0]), str(error["loc"][0])) if error["loc"] else ""
        value = error.get("input")
        if error["type"] == "string_pattern_mismatch":
            message = f"code invalide '{value}' (lettres, chiffres, « . _ - », 30 au plus)"
        elif error["type"] == "string_too_short":
            message = "ne peut pas être vide"
        elif error["type"] == "string_too_long":
            message = f"trop long ({error.get('ctx', {}).get('max_length')} caractères au plus)"
        else:
            message = french_message(error)
        text = f"{name} : {message}" if name else message
        problems.append(f"{where} : {text}" if where else text)
    return problems


def _duplicates(rows: Iterable[DirectorateRow | AssignmentRow], label: str) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for row in rows:
        if row.code in seen:
            problems.append(f"{row.where} : {label} {row.code} figure déjà en {seen[row.code]}")
        else:
            seen[row.code] = row.where
    return problems


_Row = TypeVar("_Row", DirectorateRow, AssignmentRow)


@dataclass(frozen=True)
class _Rows(Generic[_Row]):
    """How the rows of a section (directorates, assignments) are read: an entry has the shape
    of ``fields``; ``read`` checks its values with a model, whose field names ``names`` words as
    the file does; ``label``: what a code names."""

    fields: tuple[str, ...]
    read: Callable[[str, Any], _Row]
    names: dict[str, str]
    label: str

    def __call__(self, entries: Iterable[tuple[str, Any]], problems: list[str]) -> list[_Row]:
        """The rows of the entries; the problems of the others, and the codes given twice,
        added to ``problems``."""
        rows = []
        for where, entry in entries:
            if (problem := _shape_problem(where, entry, self.fields)) is not None:
                problems.append(problem)
                continue
            try:
                rows.append(self.read(where, entry))
            except ValidationError as exc:
                problems += _validation_problems(where, exc, self.names)
        problems += _duplicates(rows, self.label)
        return rows


def _directorate_row(where: str, entry: Any) -> DirectorateRow:
    data = DirectorateCreate.model_validate(
        {"code": entry["code"], "name": entry.get("name") or ""}
    )
    return DirectorateRow(where=where, code=data.code, name=data.name)


_directorate_rows = _Rows(_DIRECTORATE_FIELDS, _directorate_row, {"name": "nom"}, "la direction")


def _codes(value: Any) -> Any:
    """A cell ``A; B | C`` or a YAML list as a list of codes (a non-string is left to the
    validation, which names it)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [code.strip() for code in _SEPARATORS.split(value) if code.strip()]
    return value


def _assignment_row(where: str, entry: Any) -> AssignmentRow:
    changes: dict[str, Any] = {}
    if "lead" in entry:
        lead = entry["lead"]
        changes["lead_directorate"] = (lead.strip() or None) if isinstance(lead, str) else lead
    if "contributing" in entry:
        changes["contributing_directorates"] = _codes(entry["contributing"])
    data = TrackingInput.model_validate(changes)
    code = entry["code"].strip()
    return AssignmentRow(where=where, code=code, changes=data.model_dump(include=set(changes)))


_ASSIGNMENT_NAMES = {"lead_directorate": "lead", "contributing_directorates": "contributing"}
_assignment_rows = _Rows(_ASSIGNMENT_FIELDS, _assignment_row, _ASSIGNMENT_NAMES, "le code")


def directorate_row(code: str, name: str) -> DirectorateRow:
    """One directorate given on the command line, checked as the API checks it."""
    try:
        data = DirectorateCreate.model_validate({"code": code, "name": name})
    except ValidationError as exc:
        raise OrganisationError(_validation_problems("", exc, {"name": "nom"})) from exc
    return DirectorateRow(where="", code=data.code, name=data.name)


def parse_directorates(path: Path) -> list[DirectorateRow]:
    """Directorates from a CSV (``code,name``) or YAML file (a list of ``{code, name}``)."""
    problems: list[str] = []
    rows = _directorate_rows(_entries(path, _DIRECTORATE_FIELDS, "directorates"), problems)
    if problems:
        raise OrganisationError(problems)
    return rows


def read_assignments(path: Path) -> tuple[list[AssignmentRow], list[str]]:
    """Assignments from a CSV (``code,lead,contributing``) or YAML file (a list of
    ``{code, lead, contributing}``), with the problems of its rows: ``apply_assignments`` adds
    those it finds in the database and refuses them all at once. Raises on a file that cannot be
    read at all."""
    problems: list[str] = []
    rows = _assignment_rows(_entries(path, _ASSIGNMENT_FIELDS, "assignments"), problems)
    return rows, problems


def parse_organisation(path: Path) -> Organisation:
    """``seed/organisation.yaml``: ``directorates`` and ``assignments``, both optional; a file
    with nothing but comments is an empty organisation. Raises on a file that cannot be read or
    is not shaped so; the rows' problems are kept for ``apply_organisation``."""
    data = _yaml(path, _read_text(path))
    if data is None:
        return Organisation()
    if not isinstance(data, dict):
        raise OrganisationError([f"{path} : « directorates: » et « assignments: » sont attendus"])
    problems = [
        f"{path} : clé inconnue '{k}' (attendues : directorates, assignments)"
        for k in data
        if k not in ("directorates", "assignments")
    ]
    sections: dict[str, list[tuple[str, Any]]] = {}
    for key in ("directorates", "assignments"):
        value = data.get(key)
        if value is not None and not isinstance(value, list):
            problems.append(f"{path} : « {key}: » doit être une liste")
            value = None
        sections[key] = [(f"{key}, entrée {i}", e) for i, e in enumerate(value or [], start=1)]
    if problems:
        raise OrganisationError(problems)
    return Organisation(
        directorates=_directorate_rows(sections["directorates"], problems),
        assignments=_assignment_rows(sections["assignments"], problems),
        problems=problems,
    )


# --- Writing -------------------------------------------------------------------------------------


def add_directorate(*, session: Session, actor: Actor, row: DirectorateRow) -> None:
    """Create one directorate; refused when its code is taken."""
    if session.exec(select(Directorate.id).where(col(Directorate.code) == row.code)).first():
        raise OrganisationError([f"la direction {row.code} existe déjà"])
    apply_directorates(session=session, actor=actor, rows=[row])


def apply_directorates(*, session: Session, actor: Actor, rows: Sequence[DirectorateRow]) -> Counts:
    """Create the directorates not yet known, rename those whose name changed."""
    known = {d.code: d for d in reference.get_all_directorates(session=session)}
    counts = Counts()
    for row in rows:
        current = known.get(row.code)
        if current is None:
            reference_writes.create_directorate(
                session=session, actor=actor, data=DirectorateCreate(code=row.code, name=row.name)
            )
            counts.created += 1
        elif current.name != row.name:
            reference_writes.update_directorate(
                session=session, actor=actor, code=row.code, data=DirectorateUpdate(name=row.name)
            )
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def apply_assignments(
    *,
    session: Session,
    actor: Actor,
    rows: Sequence[AssignmentRow],
    problems: Sequence[str] = (),
) -> Counts:
    """Set the lead and contributing directorates the rows state; refuse (nothing written) on
    ``problems`` (the file's), an unknown trackable or directorate, or an archived directorate
    given to a trackable it does not already lead or contribute to, listing them all."""
    codes = [row.code for row in rows]
    trackables = {
        t.code: t for t in session.exec(select(Trackable).where(col(Trackable.code).in_(codes)))
    }
    directorates = {d.code: d for d in reference.get_all_directorates(session=session)}
    by_id = {d.id: d.code for d in directorates.values()}
    ids = [t.id for t in trackables.values()]
    contributing: dict[int, set[str]] = {}
    for trackable_id, directorate_id in session.exec(
        select(TrackableDirectorate.trackable_id, TrackableDirectorate.directorate_id).where(
            col(TrackableDirectorate.trackable_id).in_(ids)
        )
    ):
        contributing.setdefault(trackable_id, set()).add(by_id[directorate_id])
    problems = list(problems)
    for row in rows:
        found = trackables.get(row.code)
        if found is None:
            problems.append(f"{row.where} : action ou projet phare inconnu '{row.code}'")
        lead = row.changes.get("lead_directorate")
        current_lead, current = None, set()
        if found is not None and found.id is not None:
            current_lead = by_id.get(found.lead_directorate_id)
            current = contributing.get(found.id, set())
        # Each directorate named, and whether the trackable already has it so (it may keep it).
        named = [(lead, lead == current_lead)] if lead else []
        named += [(c, c in current) for c in row.changes.get("contributing_directorates", [])]
        row_problems = [
            f"{row.where} : direction inconnue '{code}'"
            if code not in directorates
            else f"{row.where} : direction archivée '{code}'"
            for code, held in named
            if code not in directorates or (directorates[code].archived_at and not held)
        ]
        problems += dict.fromkeys(row_problems)
    if problems:
        raise OrganisationError(problems)

    counts = Counts()
    changed: list[tuple[Trackable, dict[str, Any]]] = []
    for row in rows:
        trackable = trackables[row.code]
        assert trackable.id is not None
        changes = dict(row.changes)
        if changes.get("lead_directorate", ...) == by_id.get(trackable.lead_directorate_id):
            del changes["lead_directorate"]
        wanted = changes.get("contributing_directorates")
        if wanted is not None and set(wanted) == contributing.get(trackable.id, set()):
            del changes["contributing_directorates"]
        if changes:
            # Checked as the API's update checks them (the page's rows are not read from a file).
            data = TrackingInput.model_validate(changes)
            changed.append((trackable, data.model_dump(include=set(changes))))
        else:
            counts.unchanged += 1
    # All the rows at once: a fixed number of queries, whatever their number. (The trackables'
    # writes are loaded here, not at the start-up of every command that reads the organisation.)
    from app.trackables import writes as trackable_writes

    trackable_writes.assign(session=session, actor=actor, changes=changed)
    counts.updated = len(changed)
    return counts


def apply_organisation(
    *, session: Session, actor: Actor, organisation: Organisation
) -> tuple[Counts, Counts]:
    """The directorates first, so the assignments may name them; the caller's transaction makes
    the two one."""
    created = apply_directorates(session=session, actor=actor, rows=organisation.directorates)
    assigned = apply_assignments(
        session=session,
        actor=actor,
        rows=organisation.assignments,
        problems=organisation.problems,
    )
    return created, assigned


# --- Reading back --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DirectorateLine:
    code: str
    name: str
    leads: int  # actions and flagship projects it leads (archived ones left out)
    contributes: int
    archived: bool = False


def list_directorates(*, session: Session) -> list[DirectorateLine]:
    leads = dict(
        session.exec(
            select(Trackable.lead_directorate_id, func.count())
            .where(col(Trackable.archived_at).is_(None))
            .group_by(col(Trackable.lead_directorate_id))
        ).all()
    )
    contributes: dict[int | None, int] = dict(
        session.exec(
            select(TrackableDirectorate.directorate_id, func.count())
            .join(Trackable, col(Trackable.id) == col(TrackableDirectorate.trackable_id))
            .where(col(Trackable.archived_at).is_(None))
            .group_by(col(TrackableDirectorate.directorate_id))
        ).all()
    )
    return [
        DirectorateLine(
            d.code,
            d.name,
            leads.get(d.id, 0),
            contributes.get(d.id, 0),
            archived=d.archived_at is not None,
        )
        for d in reference.get_all_directorates(session=session)
    ]
