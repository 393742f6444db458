"""Open data: the tables a reuser needs, as CSV and JSON, and a Frictionless Data Package that
describes them.

Each resource is described once, declaratively (fields with their Table Schema type, description
and constraints, primary and foreign keys), beside the function that reads its rows; the
``datapackage.json``, the CSV header and the JSON items are all derived from that description,
so the schema and the data cannot drift apart. Every resource is read with a fixed number of
queries (bulk selects of whole tables, never a query per row).

Conventions (data.gouv.fr): UTF-8 without BOM, comma separator, one header row, fields quoted
only when needed, CRLF line ends (RFC 4180), decimal point, ISO 8601 dates (``YYYY-MM-DD``) and
date-times in UTC (``YYYY-MM-DDThh:mm:ssZ``), empty cell for a missing value, booleans
``true``/``false``. Text cells that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with a single quote, as OWASP
advises; numeric cells are never altered, so negative numbers stay numbers.

Internal fields never leave: no token name (``reported_by``, ``recorded_by``), no audit detail.
"""

import csv
import io
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy import ColumnElement, String, and_, case, func, or_, type_coerce
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.models import (
    AuditEntry,
    Axis,
    Commune,
    Direction,
    Directorate,
    Engagement,
    FlagshipAction,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    Partner,
    Plan,
    PlanValue,
    Priority,
    ProgressReport,
    Status,
    Trackable,
    TrackableCommune,
    TrackableKind,
    TrackablePartner,
    TrackableValue,
    Trajectory,
    ValueStatus,
)
from app.models.tracking import FIRST_YEAR, LAST_YEAR
from app.services import indicators as indicator_service
from app.services import tree as tree_service
from app.services.progress import latest_progress

# --- The publisher and the package --------------------------------------------------------------

PACKAGE_NAME = "boussole-projet-de-territoire-caph"
#: The version of the files' layout: a column renamed or removed makes a new major version.
LAYOUT_VERSION = "1.0.0"
LICENSE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
#: Used when the database holds no plan yet (the seed stores them in the plan's row).
DEFAULT_ORGANISATION = "Communauté d'agglomération de La Porte du Hainaut"
DEFAULT_ACRONYM = "CAPH"
DEFAULT_SIREN = "200042190"
DEFAULT_PROGRAMME = "Projet de territoire 2024-2044"
TREE_FILE = "tree.json"

#: Fixed namespace of the uuid5 identifiers of the national-schema resources: a project's id is
#: ``uuid5(NAMESPACE, code)`` ("E2.3.2", "PP5"), a collectivité's ``uuid5(NAMESPACE,
#: "commune:<INSEE code>")`` or ``uuid5(NAMESPACE, "epci:<SIREN>")``. Never change it: the ids
#: would all change.
NAMESPACE = uuid.UUID("f8fd01a7-ad0e-460b-8ce1-e40115165062")

#: Département and région codes (INSEE) of the communes, from the département (the first two
#: characters of the INSEE code): CAPH's 47 communes are all in the Nord (59), Hauts-de-France (32).
REGION_OF_DEPARTEMENT = {"59": "32"}

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$"
INSEE_PATTERN = r"^\d[\dAB]\d{3}$"
#: createdAt / updatedAt of the national schema: an ISO 8601 date-time with its offset.
NATIONAL_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime", "year", "array"]
Cell = str | int | float | bool | date | datetime | list[str] | None
Row = dict[str, Cell]


@dataclass(frozen=True, kw_only=True)
class Column:
    """One field of a resource, as Table Schema describes it."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    format: str | None = None
    array_item: dict[str, str] | None = None

    def descriptor(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.format is not None:
            described["format"] = self.format
        if self.array_item is not None:
            described["arrayItem"] = dict(self.array_item)
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.minimum is not None:
            constraints["minimum"] = _json_number(self.minimum)
        if self.maximum is not None:
            constraints["maximum"] = _json_number(self.maximum)
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.pattern is not None:
            constraints["pattern"] = self.pattern
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]

    def descriptor(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "reference": {"resource": self.resource, "fields": list(self.reference)},
        }


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A table of the package: what it is, its fields, its keys and how its rows are read."""

    name: str
    title: str
    description: str
    fields: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Session], Iterable[Row]]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def csv_file(self) -> str:
        return f"{self.name}.csv"

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [f.descriptor() for f in self.fields],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [fk.descriptor() for fk in self.foreign_keys]
        return schema

    def descriptor(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.csv_file,
            "title": self.title,
            "description": self.description,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {
                "delimiter": ",",
                "lineTerminator": "\r\n",
                "quoteChar": '"',
                "doubleQuote": True,
                "header": True,
            },
            "schema": self.schema(),
        }


# --- Serialisation ------------------------------------------------------------------------------

#: What a spreadsheet may take for the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: A formula start after quotes: the import (app.services.imports) takes one quote off exactly
#: these cells, so a text that itself starts with quotes before a formula start gets one more
#: here, and reads back as it was ("'=1" → "''=1" → "'=1").
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """Make a text cell inert in a spreadsheet: a leading single quote before a formula start,
    or before quotes that precede one. ``'hello`` is left as it is."""
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and _QUOTED_FORMULA.match(text)):
        return "'" + text
    return text


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


#: Table Schema's notation of the numbers no decimal writes (only PostgreSQL and old dumps hold
#: them: the API accepts finite numbers only). JSON has none: there, they are null.
NON_FINITE = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}


def format_number(value: float) -> str:
    """Plain decimal notation with a point, never an exponent: 20, 12.5, -3.25, 0.00001; 1e308
    in its 309 digits; infinities and NaN as Table Schema writes them (``NON_FINITE``)."""
    text = repr(float(value))
    if "e" in text or "n" in text:  # an exponent (1e-05), or inf and nan: through Decimal
        if text in NON_FINITE:
            return NON_FINITE[text]
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC, to the second. SQLite gives back naive values: they are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_cell(column: Column, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return neutralise(value) if column.type == "string" else value


def json_value(value: Cell) -> Any:
    """Typed as in JSON; an empty text is null, as its empty CSV cell reads, and so is a number
    JSON cannot write (infinite or NaN)."""
    if value == "":
        return None
    if type(value) is float and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text_cell(value: str) -> str:
    return neutralise(value)


def _plain_text_cell(value: str) -> str:
    return value


#: csv_cell's answer by the value's exact type (a dictionary look-up rather than a chain of
#: isinstance, for tables of hundreds of thousands of rows); other types go through csv_cell.
_CELL_BY_TYPE: dict[type, Callable[[Any], str]] = {
    type(None): lambda _value: "",
    bool: lambda value: "true" if value else "false",
    int: str,
    float: format_number,
    datetime: format_datetime,
    date: date.isoformat,
}


def write_csv(resource: Resource, rows: Iterable[Row], stream: TextIO) -> int:
    """Write the table to ``stream`` row by row (never the whole text in memory); returns how
    many rows were written."""
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(resource.field_names)
    cells = [
        (
            column,
            _CELL_BY_TYPE | {str: _text_cell if column.type == "string" else _plain_text_cell},
        )
        for column in resource.fields
    ]
    count = 0
    for row in rows:
        line = []
        for column, by_type in cells:
            value = row.get(column.name)
            convert = by_type.get(type(value))
            line.append(convert(value) if convert is not None else csv_cell(column, value))
        writer.writerow(line)
        count += 1
    return count


def to_csv(resource: Resource, rows: Iterable[Row]) -> bytes:
    """The table as UTF-8 CSV bytes (encoded as it is written: no text copy of it)."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
    write_csv(resource, rows, text)
    text.flush()
    data = buffer.getvalue()
    text.detach()
    return data


def to_items(resource: Resource, rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [{c.name: json_value(row.get(c.name)) for c in resource.fields} for row in rows]


# --- Helpers for the queries --------------------------------------------------------------------


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """``E1.2.10`` after ``E1.2.9``; ``PP10`` after ``PP9``."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", code) if part
    )


def _grouped(session: Session, stmt: Any) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for key, value in session.execute(stmt).all():
        grouped[key].append(value)
    return grouped


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _latest(*values: datetime | None) -> datetime | None:
    known = [v for v in (_utc(value) for value in values) if v is not None]
    return max(known) if known else None


def _enum(values: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in values)


@dataclass(frozen=True)
class Publisher:
    organisation: str
    acronym: str
    siren: str
    programme: str
    source: str


def publisher(session: Session) -> Publisher:
    """The organisation publishing the data, from the plan's row (one query)."""
    plan = session.exec(select(Plan)).first()
    if plan is None:
        return Publisher(
            DEFAULT_ORGANISATION, DEFAULT_ACRONYM, DEFAULT_SIREN, DEFAULT_PROGRAMME, ""
        )
    return Publisher(
        plan.organisation, plan.organisation_acronym, plan.siren, plan.title, plan.source
    )


@dataclass(frozen=True)
class DataDates:
    created: datetime | None
    last_updated: datetime | None


def data_dates(session: Session) -> DataDates:
    """When the data set came to be (the first node created) and its latest change: the latest of
    the audit trail (every write through the API), of the nodes' and indicators' updates (the seed
    too), of the progress reports, milestones and indicator values. One query."""
    latest = [
        select(func.max(column)).scalar_subquery()
        for column in (
            col(AuditEntry.at),
            col(Trackable.updated_at),
            col(Indicator.updated_at),
            col(ProgressReport.reported_at),
            col(IndicatorValue.recorded_at),
            col(Milestone.created_at),
        )
    ]
    first = select(func.min(col(Trackable.created_at))).scalar_subquery()
    row = session.execute(select(first, *latest)).one()
    return DataDates(created=_utc(row[0]), last_updated=_latest(*row[1:]))


# --- The strategy tree --------------------------------------------------------------------------

ENGAGEMENTS = Resource(
    name="engagements",
    title="Engagements",
    description="Les trois engagements du projet de territoire, dans l'ordre du document.",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable de l'engagement (E1, E2…)",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="title", type="string", description="Intitulé", required=True),
        Column(
            name="position",
            type="integer",
            description="Rang dans le document",
            required=True,
            minimum=0,
        ),
        Column(name="quote", type="string", description="Citation qui accompagne l'engagement"),
        Column(name="quote_author", type="string", description="Auteur de la citation"),
    ),
    primary_key=("code",),
    rows=lambda session: [
        {
            "code": e.code,
            "title": e.title,
            "position": e.position,
            "quote": e.quote,
            "quote_author": e.quote_author,
        }
        for e in session.exec(select(Engagement).order_by(col(Engagement.position)))
    ],
)


def _axes(session: Session) -> list[Row]:
    rows = session.execute(
        select(Axis, col(Engagement.code), col(Engagement.position)).join(
            Engagement, col(Engagement.id) == col(Axis.engagement_id)
        )
    ).all()
    rows = sorted(rows, key=lambda r: (r[2], r[0].position, natural_key(r[0].code)))
    return [
        {
            "code": axis.code,
            "title": axis.title,
            "engagement_code": engagement_code,
            "position": axis.position,
            "archived": axis.archived_at is not None,
        }
        for axis, engagement_code, _ in rows
    ]


AXES = Resource(
    name="axes",
    title="Axes",
    description="Les axes de chaque engagement, dans l'ordre du document ; un axe archivé "
    "(archived = true) ne fait plus partie du plan mais reste publié.",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable de l'axe (E2.3)",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="title", type="string", description="Intitulé", required=True),
        Column(
            name="engagement_code",
            type="string",
            description="Code de l'engagement",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="position",
            type="integer",
            description="Rang dans l'engagement",
            required=True,
            minimum=0,
        ),
        Column(name="archived", type="boolean", description="Archivé", required=True),
    ),
    primary_key=("code",),
    foreign_keys=(ForeignKey(("engagement_code",), "engagements", ("code",)),),
    rows=_axes,
)

SHARED_VALUES = Resource(
    name="shared_values",
    title="Valeurs partagées",
    description="Les cinq valeurs partagées qui portent le plan ; la colonne values des "
    "trackables cite leurs codes.",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable (V1…V5)",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="title", type="string", description="Intitulé", required=True),
        Column(
            name="position",
            type="integer",
            description="Rang dans le document",
            required=True,
            minimum=0,
        ),
    ),
    primary_key=("code",),
    rows=lambda session: [
        {"code": v.code, "title": v.title, "position": v.position}
        for v in session.exec(select(PlanValue).order_by(col(PlanValue.position)))
    ],
)

# --- Trackables ---------------------------------------------------------------------------------

_AxisEngagement = aliased(Engagement, name="axis_engagement")
_OwnEngagement = aliased(Engagement, name="own_engagement")
_Parent = aliased(Trackable, name="parent")
_Lead = aliased(Directorate, name="lead")


@dataclass(frozen=True)
class TrackableRow:
    trackable: Trackable
    engagement_code: str
    axis_code: str | None
    parent_code: str | None
    lead_code: str | None


def load_trackables(session: Session, *, live_only: bool = False) -> list[TrackableRow]:
    """Every action and flagship project with its parents' codes, in document order: actions
    (engagement, axis, action then its sub-actions), then flagship projects. One query."""
    columns: list[Any] = [
        Trackable,
        Axis.code,
        Axis.position,
        _AxisEngagement.code,
        _AxisEngagement.position,
        _OwnEngagement.code,
        _OwnEngagement.position,
        _Parent.code,
        _Parent.position,
        _Lead.code,
    ]
    stmt: Any = (
        select(*columns)
        .outerjoin(Axis, col(Axis.id) == col(Trackable.axis_id))
        .outerjoin(_AxisEngagement, col(Axis.engagement_id) == _AxisEngagement.id)
        .outerjoin(_OwnEngagement, col(Trackable.engagement_id) == _OwnEngagement.id)
        .outerjoin(_Parent, col(Trackable.parent_id) == _Parent.id)
        .outerjoin(_Lead, col(Trackable.lead_directorate_id) == _Lead.id)
    )
    if live_only:
        stmt = stmt.where(col(Trackable.archived_at).is_(None), col(Axis.archived_at).is_(None))
    ordered = []
    for (
        t,
        axis_code,
        axis_pos,
        ae_code,
        ae_pos,
        oe_code,
        oe_pos,
        p_code,
        p_pos,
        lead,
    ) in session.execute(stmt).all():
        if t.kind == TrackableKind.action:
            key: tuple[Any, ...] = (
                0,
                ae_pos or 0,
                axis_pos or 0,
                p_pos if p_pos is not None else t.position,
                t.parent_id is not None,
                t.position,
                natural_key(t.code),
            )
            engagement_code = ae_code
        else:
            key = (1, oe_pos or 0, t.position, natural_key(t.code))
            engagement_code = oe_code
        ordered.append((key, TrackableRow(t, engagement_code, axis_code, p_code, lead)))
    ordered.sort(key=lambda pair: pair[0])
    return [row for _, row in ordered]


def _trackables(session: Session) -> list[Row]:
    """Five queries: the trackables, their latest progress, communes, values and partners."""
    progress = latest_progress(session)
    communes = _grouped(
        session,
        select(col(TrackableCommune.trackable_id), col(TrackableCommune.insee_code)).order_by(
            col(TrackableCommune.insee_code)
        ),
    )
    values = _grouped(
        session,
        select(col(TrackableValue.trackable_id), col(PlanValue.code))
        .join(PlanValue, col(PlanValue.id) == col(TrackableValue.value_id))
        .order_by(col(PlanValue.position)),
    )
    # Sorted here rather than by the database, whose collation may differ (SQLite, PostgreSQL).
    partners = _grouped(
        session,
        select(col(TrackablePartner.trackable_id), col(Partner.name)).join(
            Partner, col(Partner.id) == col(TrackablePartner.partner_id)
        ),
    )
    rows: list[Row] = []
    for row in load_trackables(session):
        t = row.trackable
        assert t.id is not None
        latest = progress.get(t.id)
        rows.append(
            {
                "code": t.code,
                "kind": TrackableKind(t.kind).value,
                "title": t.title,
                "engagement_code": row.engagement_code,
                "axis_code": row.axis_code,
                "parent_code": row.parent_code,
                "position": t.position,
                "status": Status(t.status).value,
                "status_label": Status(t.status).label,
                "priority": Priority(t.priority).value if t.priority else None,
                "lead_directorate_code": row.lead_code,
                "weight": t.weight,
                "progress": latest[1] if latest else None,
                "progress_year": latest[0] if latest else None,
                "planned_start": t.planned_start,
                "planned_end": t.planned_end,
                "actual_start": t.actual_start,
                "actual_end": t.actual_end,
                "archived": t.archived_at is not None,
                "communes": " ".join(communes.get(t.id, [])),
                "values": " ".join(values.get(t.id, [])),
                "partners": " | ".join(sorted(partners.get(t.id, []))),
            }
        )
    return rows


TRACKABLES = Resource(
    name="trackables",
    title="Actions et projets phares",
    description="Les actions (sous un axe, éventuellement sous-actions d'une autre action) et les "
    "projets phares (sous un engagement), dans l'ordre du document, avec leur suivi : statut, "
    "direction pilote, avancement de la dernière année renseignée, dates, communes concernées, "
    "valeurs servies et partenaires. Les éléments archivés restent publiés (archived = true).",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable (E2.3.2 pour une action, PP5 pour un projet phare)",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="kind",
            type="string",
            description="action ou flagship_project (projet phare)",
            required=True,
            enum=_enum(TrackableKind),
        ),
        Column(name="title", type="string", description="Intitulé", required=True),
        Column(
            name="engagement_code",
            type="string",
            description="Code de l'engagement (celui de l'axe, pour une action)",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="axis_code",
            type="string",
            description="Code de l'axe d'une action ; vide pour un projet phare",
            pattern=CODE_PATTERN,
        ),
        Column(
            name="parent_code",
            type="string",
            description="Code de l'action parente d'une sous-action ; vide sinon",
            pattern=CODE_PATTERN,
        ),
        Column(
            name="position",
            type="integer",
            description="Rang sous son parent",
            required=True,
            minimum=0,
        ),
        Column(
            name="status",
            type="string",
            description="Statut : planned (À venir), in_progress (En cours), completed (Réalisé), "
            "paused (En pause), delayed (En retard), blocked (Bloqué), abandoned (Abandonné), "
            "to_discuss (À discuter)",
            required=True,
            enum=_enum(Status),
        ),
        Column(
            name="status_label",
            type="string",
            description="Libellé français du statut",
            required=True,
            enum=tuple(s.label for s in Status),
        ),
        Column(
            name="priority",
            type="string",
            description="Priorité : high (Élevé), medium (Moyen), low (Bas) ; vide si non fixée",
            enum=_enum(Priority),
        ),
        Column(
            name="lead_directorate_code",
            type="string",
            description="Code de la direction pilote de la CAPH ; vide si non désignée",
            pattern=CODE_PATTERN,
        ),
        Column(
            name="weight",
            type="number",
            description="Poids (strictement positif) dans le calcul de l'avancement agrégé",
            required=True,
            minimum=0,
        ),
        Column(
            name="progress",
            type="number",
            description="Avancement (%) du dernier bilan annuel ; vide sans bilan",
            minimum=0,
            maximum=100,
        ),
        Column(
            name="progress_year",
            type="year",
            description="Année du dernier bilan annuel",
            minimum=FIRST_YEAR,
            maximum=LAST_YEAR,
        ),
        Column(name="planned_start", type="date", description="Début prévu"),
        Column(name="planned_end", type="date", description="Fin prévue"),
        Column(name="actual_start", type="date", description="Début effectif"),
        Column(name="actual_end", type="date", description="Fin effective"),
        Column(name="archived", type="boolean", description="Archivé", required=True),
        Column(
            name="communes",
            type="string",
            description="Codes INSEE des communes concernées, séparés par une espace ; vide : "
            "tout le territoire",
            pattern=r"^(\d[\dAB]\d{3}( \d[\dAB]\d{3})*)?$",
        ),
        Column(
            name="values",
            type="string",
            description="Codes des valeurs partagées servies (voir shared_values), séparés par "
            "une espace",
            pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*( [A-Za-z0-9][A-Za-z0-9._-]*)*)?$",
        ),
        Column(
            name="partners",
            type="string",
            description="Partenaires extérieurs, séparés par « | »",
        ),
    ),
    primary_key=("code",),
    foreign_keys=(
        ForeignKey(("engagement_code",), "engagements", ("code",)),
        ForeignKey(("axis_code",), "axes", ("code",)),
        ForeignKey(("parent_code",), "", ("code",)),
        ForeignKey(("lead_directorate_code",), "directorates", ("code",)),
    ),
    rows=_trackables,
)


def _flagship_actions(session: Session) -> list[Row]:
    flagship = aliased(Trackable, name="flagship")
    action = aliased(Trackable, name="action")
    pairs = session.execute(
        select(flagship.code, action.code)
        .select_from(FlagshipAction)
        .join(flagship, col(FlagshipAction.flagship_project_id) == flagship.id)
        .join(action, col(FlagshipAction.action_id) == action.id)
    ).all()
    return [
        {"flagship_code": f, "action_code": a}
        for f, a in sorted(pairs, key=lambda p: (natural_key(p[0]), natural_key(p[1])))
    ]


TRACKABLE_FLAGSHIP_ACTIONS = Resource(
    name="trackable_flagship_actions",
    title="Actions servies par les projets phares",
    description="Quel projet phare sert quelle action (une ligne par lien).",
    fields=(
        Column(
            name="flagship_code",
            type="string",
            description="Code du projet phare",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="action_code",
            type="string",
            description="Code de l'action servie",
            required=True,
            pattern=CODE_PATTERN,
        ),
    ),
    primary_key=("flagship_code", "action_code"),
    foreign_keys=(
        ForeignKey(("flagship_code",), "trackables", ("code",)),
        ForeignKey(("action_code",), "trackables", ("code",)),
    ),
    rows=_flagship_actions,
)

# --- Tracking: yearly progress and milestones ---------------------------------------------------


def _euros(name: str, what: str) -> Column:
    return Column(name=name, type="number", description=f"{what} (euros)", minimum=0)


def _natural_keys() -> Callable[[str], tuple[tuple[int, int | str], ...]]:
    """natural_key, computed once per code (a large plan has many rows per trackable)."""
    known: dict[str, tuple[tuple[int, int | str], ...]] = {}

    def key(code: str) -> tuple[tuple[int, int | str], ...]:
        found = known.get(code)
        if found is None:
            found = known[code] = natural_key(code)
        return found

    return key


#: The columns of the progress table, read as plain values (no ORM object per report: a large
#: plan has hundreds of thousands). The status is read as its text.
_PROGRESS_FIELDS = (
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


def _progress(session: Session) -> Iterator[Row]:
    table: Any = ProgressReport.__table__  # type: ignore[attr-defined]
    columns = [
        type_coerce(table.c[name], String) if name == "status" else table.c[name]
        for name in _PROGRESS_FIELDS
    ]
    rows = session.execute(
        sa_select(col(Trackable.code), *columns).join(
            Trackable, col(Trackable.id) == table.c.trackable_id
        )
    ).all()
    key = _natural_keys()
    rows = sorted(rows, key=lambda r: (key(r[0]), r[1]))
    # One dictionary at a time: the largest table, a dictionary per row would double its weight.
    return (
        {"trackable_code": row[0], **dict(zip(_PROGRESS_FIELDS, row[1:], strict=True))}
        for row in rows
    )


PROGRESS = Resource(
    name="progress",
    title="Bilans annuels d'avancement",
    description="Un bilan par action ou projet phare et par année (2024-2044) : avancement, "
    "statut, commentaire, budgets prévus et consommés. Mêmes colonnes que l'import CSV des "
    "bilans : un fichier exporté, modifié puis réimporté garde sa forme.",
    fields=(
        Column(
            name="trackable_code",
            type="string",
            description="Code de l'action ou du projet phare",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="year",
            type="year",
            description="Année du bilan",
            required=True,
            minimum=FIRST_YEAR,
            maximum=LAST_YEAR,
        ),
        Column(
            name="progress",
            type="number",
            description="Avancement (%)",
            required=True,
            minimum=0,
            maximum=100,
        ),
        Column(
            name="status",
            type="string",
            description="Statut déclaré avec le bilan (mêmes valeurs que trackables.status)",
            required=True,
            enum=_enum(Status),
        ),
        Column(name="comment", type="string", description="Commentaire"),
        _euros("budget_planned_investment", "Budget prévu, investissement"),
        _euros("budget_planned_operating", "Budget prévu, fonctionnement"),
        _euros("budget_spent_investment", "Budget consommé, investissement"),
        _euros("budget_spent_operating", "Budget consommé, fonctionnement"),
        Column(
            name="reported_at",
            type="datetime",
            description="Date et heure (UTC) du bilan",
            required=True,
        ),
    ),
    primary_key=("trackable_code", "year"),
    foreign_keys=(ForeignKey(("trackable_code",), "trackables", ("code",)),),
    rows=_progress,
)


def _milestones(session: Session) -> list[Row]:
    rows = session.execute(
        sa_select(
            col(Milestone.id),
            col(Trackable.code),
            col(Milestone.title),
            col(Milestone.description),
            col(Milestone.planned_on),
            col(Milestone.achieved_on),
            col(Milestone.done),
        ).join(Trackable, col(Trackable.id) == col(Milestone.trackable_id))
    ).all()
    key = _natural_keys()
    rows = sorted(rows, key=lambda r: (key(r[1]), r[0] or 0))
    return [
        {
            "id": milestone_id,
            "trackable_code": code,
            "title": title,
            "description": description,
            "planned_on": planned_on,
            "achieved_on": achieved_on,
            "done": done,
        }
        for milestone_id, code, title, description, planned_on, achieved_on, done in rows
    ]


MILESTONES = Resource(
    name="milestones",
    title="Jalons",
    description="Les étapes datées des actions et projets phares.",
    fields=(
        Column(
            name="id",
            type="integer",
            description="Identifiant du jalon (stable)",
            required=True,
            unique=True,
            minimum=1,
        ),
        Column(
            name="trackable_code",
            type="string",
            description="Code de l'action ou du projet phare",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="title", type="string", description="Intitulé", required=True),
        Column(name="description", type="string", description="Description"),
        Column(name="planned_on", type="date", description="Date prévue"),
        Column(name="achieved_on", type="date", description="Date de réalisation"),
        Column(name="done", type="boolean", description="Atteint", required=True),
    ),
    primary_key=("id",),
    foreign_keys=(ForeignKey(("trackable_code",), "trackables", ("code",)),),
    rows=_milestones,
)

# --- Indicators ---------------------------------------------------------------------------------


def _indicators(session: Session) -> list[Row]:
    """Five queries (see app.services.indicators.load)."""
    loaded = indicator_service.load(session)
    year = indicator_service.this_year()
    rows: list[Row] = []
    for indicator in loaded.indicators:
        assert indicator.id is not None
        assessed = indicator_service.assessment(indicator, loaded, year)
        measures = sorted(
            {link.code for link in loaded.links.get(indicator.id, [])}, key=natural_key
        )
        rows.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "description": indicator.description,
                "unit": indicator.unit,
                "decimals": indicator.decimals,
                "direction": Direction(indicator.direction).value,
                "source": indicator.source,
                "method": indicator.method,
                "update_frequency": indicator.update_frequency,
                "lead_directorate_code": loaded.lead_codes.get(indicator.id),
                "baseline_year": indicator.baseline_year,
                "baseline_value": indicator.baseline_value,
                "trajectory": Trajectory(assessed.trajectory).value,
                "progress_rate": assessed.progress_rate,
                "expected_value": assessed.expected_value,
                "measures": " ".join(measures),
            }
        )
    return rows


INDICATORS = Resource(
    name="indicators",
    title="Indicateurs",
    description="Les indicateurs du plan, avec leur valeur de référence et leur trajectoire "
    "calculée à la date de l'export : taux de progression (méthode du Baromètre des résultats de "
    "l'action publique) et trajectoire (méthode de progression d'Open SDG).",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable de l'indicateur",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="name", type="string", description="Nom", required=True),
        Column(name="description", type="string", description="Description"),
        Column(name="unit", type="string", description="Unité (%, tCO2e…)"),
        Column(
            name="decimals",
            type="integer",
            description="Nombre de décimales à afficher",
            required=True,
            minimum=0,
            maximum=6,
        ),
        Column(
            name="direction",
            type="string",
            description="Sens souhaité : increase (hausse), decrease (baisse), maintain (maintien)",
            required=True,
            enum=_enum(Direction),
        ),
        Column(name="source", type="string", description="Producteur de la donnée"),
        Column(name="method", type="string", description="Méthode de calcul"),
        Column(name="update_frequency", type="string", description="Fréquence de mise à jour"),
        Column(
            name="lead_directorate_code",
            type="string",
            description="Code de la direction pilote",
            pattern=CODE_PATTERN,
        ),
        Column(
            name="baseline_year",
            type="year",
            description="Année de la valeur de référence",
            minimum=1990,
            maximum=2100,
        ),
        Column(name="baseline_value", type="number", description="Valeur de référence"),
        Column(
            name="trajectory",
            type="string",
            description="Trajectoire : target_achieved (cible atteinte), on_track (en bonne voie), "
            "acceleration_needed (accélération nécessaire), limited_progress (progrès limité), "
            "deterioration (dégradation), no_data (données insuffisantes)",
            required=True,
            enum=_enum(Trajectory),
        ),
        Column(
            name="progress_rate",
            type="number",
            description="(valeur actuelle − référence) / (cible − référence), en %, borné à 0-100",
            minimum=0,
            maximum=100,
        ),
        Column(
            name="expected_value",
            type="number",
            description="Valeur attendue cette année sur la droite de la référence à la cible",
        ),
        Column(
            name="measures",
            type="string",
            description="Codes des engagements, axes, actions ou projets phares mesurés, séparés "
            "par une espace",
            pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*( [A-Za-z0-9][A-Za-z0-9._-]*)*)?$",
        ),
    ),
    primary_key=("code",),
    foreign_keys=(ForeignKey(("lead_directorate_code",), "directorates", ("code",)),),
    rows=_indicators,
)


def _indicator_targets(session: Session) -> list[Row]:
    rows = session.execute(
        select(col(Indicator.code), col(IndicatorTarget.year), col(IndicatorTarget.value)).join(
            Indicator, col(Indicator.id) == col(IndicatorTarget.indicator_id)
        )
    ).all()
    return [
        {"indicator_code": code, "year": year, "value": value}
        for code, year, value in sorted(rows, key=lambda r: (natural_key(r[0]), r[1]))
    ]


INDICATOR_TARGETS = Resource(
    name="indicator_targets",
    title="Cibles des indicateurs",
    description="Les valeurs cibles de chaque indicateur, par année.",
    fields=(
        Column(
            name="indicator_code",
            type="string",
            description="Code de l'indicateur",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="year",
            type="year",
            description="Année de la cible",
            required=True,
            minimum=1990,
            maximum=2100,
        ),
        Column(name="value", type="number", description="Valeur cible", required=True),
    ),
    primary_key=("indicator_code", "year"),
    foreign_keys=(ForeignKey(("indicator_code",), "indicators", ("code",)),),
    rows=_indicator_targets,
)


def _indicator_values(session: Session) -> list[Row]:
    rows = session.execute(
        sa_select(
            col(Indicator.code),
            col(IndicatorValue.year),
            col(IndicatorValue.commune),
            col(IndicatorValue.value),
            type_coerce(col(IndicatorValue.status), String),
            col(IndicatorValue.comment),
            col(IndicatorValue.source),
        ).join(Indicator, col(Indicator.id) == col(IndicatorValue.indicator_id))
    ).all()
    key = _natural_keys()
    rows = sorted(rows, key=lambda r: (key(r[0]), r[1], r[2]))
    return [
        {
            "indicator_code": code,
            "year": year,
            "commune": commune or None,
            "value": value,
            "status": status,
            "comment": comment,
            "source": source,
        }
        for code, year, commune, value, status, comment, source in rows
    ]


INDICATOR_VALUES = Resource(
    name="indicator_values",
    title="Valeurs des indicateurs",
    description="Les valeurs annuelles de chaque indicateur, pour tout le territoire (commune "
    "vide) ou pour une commune.",
    fields=(
        Column(
            name="indicator_code",
            type="string",
            description="Code de l'indicateur",
            required=True,
            pattern=CODE_PATTERN,
        ),
        Column(
            name="year",
            type="year",
            description="Année",
            required=True,
            minimum=1990,
            maximum=2100,
        ),
        Column(
            name="commune",
            type="string",
            description="Code INSEE de la commune ; vide : tout le territoire",
            pattern=INSEE_PATTERN,
        ),
        Column(name="value", type="number", description="Valeur", required=True),
        Column(
            name="status",
            type="string",
            description="provisional (provisoire) ou final (définitive)",
            required=True,
            enum=_enum(ValueStatus),
        ),
        Column(name="comment", type="string", description="Commentaire"),
        Column(name="source", type="string", description="Source de la valeur"),
    ),
    primary_key=("indicator_code", "year", "commune"),
    foreign_keys=(
        ForeignKey(("indicator_code",), "indicators", ("code",)),
        ForeignKey(("commune",), "communes", ("insee_code",)),
    ),
    rows=_indicator_values,
)

# --- Reference data -----------------------------------------------------------------------------

DIRECTORATES = Resource(
    name="directorates",
    title="Directions de la CAPH",
    description="Les directions de la CAPH qui pilotent ou contribuent aux actions.",
    fields=(
        Column(
            name="code",
            type="string",
            description="Code stable de la direction",
            required=True,
            unique=True,
            pattern=CODE_PATTERN,
        ),
        Column(name="name", type="string", description="Nom", required=True),
    ),
    primary_key=("code",),
    rows=lambda session: [
        {"code": d.code, "name": d.name}
        for d in session.exec(select(Directorate).order_by(col(Directorate.code)))
    ],
)

COMMUNES = Resource(
    name="communes",
    title="Communes membres",
    description="Les 47 communes membres de la CAPH (code officiel géographique de l'INSEE) et "
    "leur population municipale 2024 (INSEE, DGCL).",
    fields=(
        Column(
            name="insee_code",
            type="string",
            description="Code INSEE de la commune",
            required=True,
            unique=True,
            pattern=INSEE_PATTERN,
        ),
        Column(name="name", type="string", description="Nom (graphie du COG)", required=True),
        Column(
            name="population",
            type="integer",
            description="Population municipale 2024",
            required=True,
            minimum=0,
        ),
    ),
    primary_key=("insee_code",),
    rows=lambda session: [
        {"insee_code": c.insee_code, "name": c.name, "population": c.population}
        for c in session.exec(select(Commune).order_by(col(Commune.insee_code)))
    ],
)

# --- The national schema betagouv/projets-territoire --------------------------------------------

#: Our status → (phase, phaseStatut) of betagouv/projets-territoire v0.1.0. Its phases are Idée,
#: Étude, Opération; its phase statuses En cours, En retard, En pause, Bloqué, Abandonné, Terminé.
PHASES: dict[Status, tuple[str, str]] = {
    # Adopted in the plan, not started: still an idea being worked out; the national vocabulary
    # has no "not started", and "En cours" of the phase Idée says exactly that.
    Status.planned: ("Idée", "En cours"),
    # To be discussed before it goes on: an idea waiting for a decision, on hold meanwhile.
    Status.to_discuss: ("Idée", "En pause"),
    Status.in_progress: ("Opération", "En cours"),
    Status.delayed: ("Opération", "En retard"),
    Status.paused: ("Opération", "En pause"),
    Status.blocked: ("Opération", "Bloqué"),
    Status.completed: ("Opération", "Terminé"),
    # The phase it was abandoned in: Opération if it had started (see national_phase).
    Status.abandoned: ("Idée", "Abandonné"),
}
NATIONAL_PHASES = ("Idée", "Étude", "Opération")
NATIONAL_PHASE_STATUSES = ("En cours", "En retard", "En pause", "Bloqué", "Abandonné", "Terminé")


def national_phase(status: Status, started: bool) -> tuple[str, str]:
    """``(phase, phaseStatut)``; an abandoned action that had started was abandoned in its
    Opération phase."""
    phase, phase_status = PHASES[status]
    if status == Status.abandoned and started:
        phase = "Opération"
    return phase, phase_status


#: The largest budget the national file gives (2⁵³ €, about 9 × 10¹⁵): up to it, every whole
#: number is exact in a double, so in every JSON reader. A larger total can only come from stored
#: amounts the API refuses (1e12 € at most each): the budget is left empty then.
MAX_EXPORTED_EUROS = float(2**53)


def _within_bounds(amount: Any) -> ColumnElement[bool]:
    return or_(amount.is_(None), func.abs(amount) <= MAX_EXPORTED_EUROS)


def _bounded(amount: Any) -> Any:
    """The amount, or NULL beyond ±MAX_EXPORTED_EUROS: their sum cannot overflow a double
    (which PostgreSQL refuses with an error, where SQLite gives infinity)."""
    return case((func.abs(amount) <= MAX_EXPORTED_EUROS, amount))


def whole_euros(amount: float) -> int:
    """Rounded to the euro, halves up (the national schema's budget is an integer)."""
    return int(Decimal(repr(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def project_id(code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, code))


def commune_id(insee_code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"commune:{insee_code}"))


def epci_id(siren: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"epci:{siren}"))


@dataclass
class _Reports:
    budget: dict[int, float] = field(default_factory=dict)
    latest_at: dict[int, datetime] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)


def _reports(session: Session) -> _Reports:
    """Planned budgets summed, latest report and whether any progress was reported, per
    trackable: one query, grouped by the database (a large plan has hundreds of thousands of
    reports)."""
    summary = _Reports()
    investment_column = col(ProgressReport.budget_planned_investment)
    operating_column = col(ProgressReport.budget_planned_operating)
    for trackable_id, investment, operating, beyond, reported_at, progress in session.execute(
        sa_select(
            col(ProgressReport.trackable_id),
            func.sum(_bounded(investment_column)),
            func.sum(_bounded(operating_column)),
            # 1 when an amount is beyond the bounds (or NaN): no budget for it then.
            func.max(
                case(
                    (
                        and_(_within_bounds(investment_column), _within_bounds(operating_column)),
                        0,
                    ),
                    else_=1,
                )
            ),
            func.max(col(ProgressReport.reported_at)),
            func.max(col(ProgressReport.progress)),
        ).group_by(col(ProgressReport.trackable_id))
    ).all():
        total = (investment or 0.0) + (operating or 0.0)
        exportable = not beyond and abs(total) <= MAX_EXPORTED_EUROS
        if (investment is not None or operating is not None) and exportable:
            summary.budget[trackable_id] = total
        latest = _utc(reported_at)
        if latest is not None:
            summary.latest_at[trackable_id] = latest
        if progress > 0:
            summary.started.add(trackable_id)
    return summary


def _projets_territoire(session: Session) -> list[Row]:
    """Five queries: the live trackables, their communes, reports, audit dates and the plan."""
    trackables = load_trackables(session, live_only=True)
    communes = _grouped(
        session,
        select(col(TrackableCommune.trackable_id), col(TrackableCommune.insee_code)).order_by(
            col(TrackableCommune.insee_code)
        ),
    )
    reports = _reports(session)
    audited: dict[int, datetime] = dict(
        session.execute(
            select(col(AuditEntry.trackable_id), func.max(col(AuditEntry.at)))
            .where(col(AuditEntry.trackable_id).is_not(None))
            .group_by(col(AuditEntry.trackable_id))
        ).all()
    )
    organisation = publisher(session)
    rows: list[Row] = []
    for row in trackables:
        t = row.trackable
        assert t.id is not None
        started = t.actual_start is not None or t.id in reports.started
        phase, phase_status = national_phase(Status(t.status), started)
        budget = reports.budget.get(t.id)
        concerned = communes.get(t.id, [])
        rows.append(
            {
                "id": project_id(t.code),
                "createdAt": format_datetime(t.created_at),
                "updatedAt": format_datetime(
                    _latest(t.updated_at, reports.latest_at.get(t.id), audited.get(t.id))
                    or t.updated_at
                ),
                "nom": t.title,
                "description": t.description or None,
                "budgetPrevisionnel": whole_euros(budget) if budget is not None else None,
                "dateDebutPrevisionnelle": (
                    t.planned_start.isoformat() if t.planned_start else None
                ),
                "phase": phase,
                "phaseStatut": phase_status,
                "programme": organisation.programme,
                "porteurCodeSiret": None,
                "porteurReferentEmail": None,
                "porteurReferentTelephone": None,
                "porteurReferentPrenom": None,
                "porteurReferentNom": None,
                "porteurReferentFonction": None,
                "competences": None,
                "leviers": None,
                "mecId": None,
                "tetId": None,
                "recocoId": None,
                "collectiviteIds": (
                    [commune_id(code) for code in concerned]
                    if concerned
                    else [epci_id(organisation.siren)]
                ),
            }
        )
    return rows


def _not_held(name: str, what: str) -> Column:
    return Column(
        name=name,
        type="string",
        description=f"{what} Non renseigné : Boussole ne détient pas cette donnée.",
    )


PROJETS_TERRITOIRE = Resource(
    name="projets_territoire",
    title="Projets du territoire (schéma national betagouv/projets-territoire)",
    description="Les actions et projets phares en cours de validité (non archivés), au format du "
    "schéma national « Projets de collectivités » (betagouv/projets-territoire v0.1.0, "
    "schema.data.gouv.fr), lisible par les outils nationaux sans conversion. L'identifiant est un "
    "UUID v5 stable calculé à partir du code (espace de noms "
    f"{NAMESPACE}). Correspondance des statuts (statut Boussole → phase / phaseStatut) : "
    "À venir (planned) → Idée / En cours ; À discuter (to_discuss) → Idée / En pause ; "
    "En cours → Opération / En cours ; En retard → Opération / En retard ; "
    "En pause → Opération / En pause ; Bloqué → Opération / Bloqué ; "
    "Réalisé (completed) → Opération / Terminé ; Abandonné → Opération / Abandonné si l'action "
    "avait commencé (date de début effective ou avancement déclaré), Idée / Abandonné sinon. "
    "La phase Étude n'est pas utilisée : Boussole ne distingue pas les études.",
    fields=(
        Column(
            name="id",
            type="string",
            format="uuid",
            description="Identifiant unique du projet : UUID v5 du code Boussole, stable",
            required=True,
            unique=True,
        ),
        Column(
            name="createdAt",
            type="string",
            description="Date de création du projet dans Boussole (UTC)",
            required=True,
            pattern=NATIONAL_DATETIME_PATTERN,
        ),
        Column(
            name="updatedAt",
            type="string",
            description="Date de dernière mise à jour (le projet, ses bilans ou ses jalons), UTC",
            required=True,
            pattern=NATIONAL_DATETIME_PATTERN,
        ),
        Column(name="nom", type="string", description="Nom du projet", required=True),
        Column(name="description", type="string", description="Description du projet"),
        Column(
            name="budgetPrevisionnel",
            type="integer",
            description="Budget prévisionnel en euros : somme des budgets prévus (investissement "
            "et fonctionnement) de tous ses bilans annuels, arrondie à l'euro ; vide sans budget",
            minimum=0,
        ),
        Column(
            name="dateDebutPrevisionnelle",
            type="string",
            description="Date prévue de début (YYYY-MM-DD)",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
        ),
        Column(
            name="phase",
            type="string",
            description="Phase actuelle, déduite du statut (voir la description de la table)",
            enum=NATIONAL_PHASES,
        ),
        Column(
            name="phaseStatut",
            type="string",
            description="Statut de la phase, déduit du statut Boussole : planned → En cours "
            "(phase Idée), to_discuss → En pause (phase Idée), in_progress → En cours, "
            "delayed → En retard, paused → En pause, blocked → Bloqué, completed → Terminé, "
            "abandoned → Abandonné",
            enum=NATIONAL_PHASE_STATUSES,
        ),
        Column(
            name="programme",
            type="string",
            description="Programme à l'origine du projet : le projet de territoire",
        ),
        Column(
            name="porteurCodeSiret",
            type="string",
            description="SIRET du porteur. Non renseigné : le SIRET de la CAPH (SIREN 200042190) "
            "n'est pas dans les données de Boussole.",
            pattern=r"^\d{14}$",
        ),
        Column(
            name="porteurReferentEmail",
            type="string",
            format="email",
            description="Adresse du référent. Non publiée : donnée personnelle que Boussole ne "
            "détient pas.",
        ),
        _not_held("porteurReferentTelephone", "Téléphone du référent."),
        _not_held("porteurReferentPrenom", "Prénom du référent."),
        _not_held("porteurReferentNom", "Nom du référent."),
        _not_held("porteurReferentFonction", "Fonction du référent."),
        Column(
            name="competences",
            type="array",
            array_item={"type": "string"},
            description="Compétences M57 (tableau JSON). Non renseigné : Boussole ne les détient "
            "pas.",
        ),
        Column(
            name="leviers",
            type="array",
            array_item={"type": "string"},
            description="Leviers de la planification écologique (tableau JSON). Non renseigné.",
        ),
        _not_held("mecId", "Identifiant Mon Espace Collectivité."),
        _not_held("tetId", "Identifiant Territoires en Transitions."),
        _not_held("recocoId", "Identifiant Recoco."),
        Column(
            name="collectiviteIds",
            type="array",
            array_item={"type": "string", "format": "uuid"},
            description="Identifiants (tableau JSON) des collectivités concernées, décrites dans "
            "la table collectivites : les communes nommées par l'action, ou l'EPCI (CAPH, SIREN "
            "200042190) quand elle concerne tout le territoire",
            required=True,
        ),
    ),
    primary_key=("id",),
    rows=_projets_territoire,
)


def _collectivites(session: Session) -> list[Row]:
    """Three queries: the plan, the communes and the data set's dates."""
    organisation = publisher(session)
    dates = data_dates(session)
    stamp = dates.created or dates.last_updated
    departements = sorted({c[:2] for c in session.exec(select(Commune.insee_code)).all()} or {"59"})

    def regions(codes: Sequence[str]) -> list[str]:
        return sorted({REGION_OF_DEPARTEMENT[d] for d in codes if d in REGION_OF_DEPARTEMENT})

    rows: list[Row] = [
        {
            "id": epci_id(organisation.siren),
            "nom": organisation.organisation,
            "type": "EPCI",
            "codeInsee": None,
            "codeDepartements": departements,
            "codeRegions": regions(departements),
            "codeEpci": organisation.siren,
            "siren": organisation.siren,
            "createdAt": stamp,
            "updatedAt": stamp,
        }
    ]
    for commune in session.exec(select(Commune).order_by(col(Commune.insee_code))):
        departement = [commune.insee_code[:2]]
        rows.append(
            {
                "id": commune_id(commune.insee_code),
                "nom": commune.name,
                "type": "Commune",
                "codeInsee": commune.insee_code,
                "codeDepartements": departement,
                "codeRegions": regions(departement),
                "codeEpci": organisation.siren,
                "siren": None,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        )
    return rows


COLLECTIVITES = Resource(
    name="collectivites",
    title="Collectivités (schéma national betagouv/collectivites)",
    description="La CAPH et ses 47 communes membres au format du schéma national "
    "« Collectivités » (betagouv/collectivites v0.1.0), compagnon de projets_territoire dont la "
    "colonne collectiviteIds cite leurs identifiants (UUID v5 stables de « commune:<code INSEE> » "
    "et « epci:<SIREN> »). Boussole ne date pas ces lignes : createdAt et updatedAt sont la date "
    "de création du jeu de données.",
    fields=(
        Column(
            name="id",
            type="string",
            format="uuid",
            description="Identifiant unique de la collectivité (UUID v5, stable)",
            required=True,
            unique=True,
        ),
        Column(name="nom", type="string", description="Nom de la collectivité", required=True),
        Column(
            name="type",
            type="string",
            description="Commune ou EPCI",
            required=True,
            enum=("Commune", "EPCI"),
        ),
        Column(
            name="codeInsee",
            type="string",
            description="Code INSEE d'une commune",
            pattern=INSEE_PATTERN,
        ),
        Column(
            name="codeDepartements",
            type="array",
            array_item={"type": "string"},
            description="Codes des départements (tableau JSON)",
        ),
        Column(
            name="codeRegions",
            type="array",
            array_item={"type": "string"},
            description="Codes des régions (tableau JSON)",
        ),
        Column(
            name="codeEpci",
            type="string",
            description="SIREN de l'EPCI (de rattachement, pour une commune)",
            pattern=r"^\d{9}$",
        ),
        Column(
            name="siren",
            type="string",
            description="SIREN de la collectivité ; vide pour les communes (absent des données)",
            pattern=r"^\d{9}$",
        ),
        Column(
            name="createdAt",
            type="datetime",
            description="Date de création de l'entrée (UTC)",
            required=True,
        ),
        Column(
            name="updatedAt",
            type="datetime",
            description="Date de mise à jour de l'entrée (UTC)",
            required=True,
        ),
    ),
    primary_key=("id",),
    foreign_keys=(ForeignKey(("codeInsee",), "communes", ("insee_code",)),),
    rows=_collectivites,
)

# --- The package --------------------------------------------------------------------------------

RESOURCES: tuple[Resource, ...] = (
    ENGAGEMENTS,
    AXES,
    SHARED_VALUES,
    TRACKABLES,
    TRACKABLE_FLAGSHIP_ACTIONS,
    PROGRESS,
    MILESTONES,
    INDICATORS,
    INDICATOR_TARGETS,
    INDICATOR_VALUES,
    DIRECTORATES,
    COMMUNES,
    PROJETS_TERRITOIRE,
    COLLECTIVITES,
)
BY_NAME = {resource.name: resource for resource in RESOURCES}


def get_resource(name: str) -> Resource:
    resource = BY_NAME.get(name)
    if resource is None:
        raise NotFoundError("open-data resource", name)
    return resource


def table_csv(session: Session, name: str) -> bytes:
    """Kept per database revision (see app.services.tree): a large table takes seconds to write,
    its text only megabytes to keep. The JSON items are not kept: as objects, they weigh far
    more."""
    resource = get_resource(name)
    return tree_service.by_revision(
        session,
        ("csv", name, indicator_service.this_year()),
        lambda: to_csv(resource, resource.rows(session)),
    )


def table_json(session: Session, name: str) -> dict[str, Any]:
    resource = get_resource(name)
    rows = resource.rows(session)
    updated = data_dates(session).last_updated
    return {
        "resource": resource.name,
        "license": LICENSE["name"],
        "updated_at": format_datetime(updated) if updated else None,
        "items": to_items(resource, rows),
    }


def tree(session: Session) -> dict[str, Any]:
    """The same document as ``GET /api/v1/tree``."""
    return tree_service.get(session=session).model_dump(mode="json")


def datapackage(session: Session) -> dict[str, Any]:
    """The Frictionless Data Package (tabular-data-package) describing every CSV: two queries."""
    organisation = publisher(session)
    dates = data_dates(session)
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": f"{organisation.programme} de la {organisation.organisation} "
        f"({organisation.acronym}) : suivi de la mise en œuvre",
        "description": f"Le suivi année par année du {organisation.programme} de la "
        f"{organisation.organisation} : l'arbre stratégique (engagements, axes, actions, projets "
        "phares), les statuts, directions pilotes, bilans annuels d'avancement et budgets, jalons, "
        "indicateurs avec leurs cibles, valeurs et trajectoires, les directions et les communes. "
        "Les actions et projets phares sont aussi publiés au format du schéma national "
        "betagouv/projets-territoire (projets_territoire, avec collectivites). L'arbre complet, "
        f"avec les agrégats, est dans {TREE_FILE} (JSON, hors paquet tabulaire). Contenu en "
        "français, noms de colonnes en anglais ; CSV UTF-8, séparateur virgule, point décimal, "
        "dates ISO 8601, fins de ligne CRLF ; une cellule de texte qui commencerait par =, +, -, "
        "@, une tabulation ou un retour chariot est précédée d'une apostrophe (protection contre "
        "l'injection de formules dans les tableurs).",
        "version": LAYOUT_VERSION,
        "language": "fr",
        "keywords": [
            "projet de territoire",
            organisation.acronym,
            "intercommunalité",
            "suivi",
            "indicateurs",
            "transition écologique",
        ],
        "licenses": [dict(LICENSE)],
        "contributors": [
            {
                "title": f"{organisation.organisation} ({organisation.acronym})",
                "role": "publisher",
                "organization": organisation.organisation,
                "siren": organisation.siren,
            }
        ],
        "publisher": {
            "name": organisation.organisation,
            "acronym": organisation.acronym,
            "siren": organisation.siren,
        },
        "resources": [resource.descriptor() for resource in RESOURCES],
    }
    if organisation.source:
        package["sources"] = [{"title": organisation.source}]
    if dates.created is not None:
        package["created"] = format_datetime(dates.created)
    if dates.last_updated is not None:
        package["lastUpdated"] = format_datetime(dates.last_updated)
    return package


def export(
    session: Session,
    directory: Path,
    *,
    on_written: Callable[[Path, int | None], None] | None = None,
) -> list[tuple[Path, int | None]]:
    """Write datapackage.json, one CSV per resource and tree.json into ``directory`` (created).
    Returns each file written with its number of rows (None for the JSON documents)."""
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for every file, so that the foreign keys hold across them even while
        # others write. (SQLite's transaction already reads one snapshot.)
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    directory.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, int | None]] = []

    def done(path: Path, rows: int | None) -> None:
        written.append((path, rows))
        if on_written is not None:
            on_written(path, rows)

    path = directory / "datapackage.json"
    path.write_text(
        json.dumps(datapackage(session), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    done(path, None)
    for resource in RESOURCES:
        path = directory / resource.csv_file
        # newline="" keeps the CSV's own CRLF line ends as they are, on every platform.
        with path.open("w", encoding="utf-8", newline="") as stream:
            count = write_csv(resource, resource.rows(session), stream)
        done(path, count)
    path = directory / TREE_FILE
    path.write_text(
        json.dumps(tree(session), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    done(path, None)
    return written


#: Files ``export`` writes: the descriptor, one CSV per resource and the tree.
EXPORT_FILE_COUNT = len(RESOURCES) + 2
