"""The resources of the plan: the strategy tree (engagements, axes, shared values), the actions
and flagship projects with their follow-up, the flagship projects' actions, and the reference
data (directorates, communes)."""

from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.db import plain_rows
from app.core.text import natural_key
from app.models import (
    Axis,
    Commune,
    Directorate,
    Engagement,
    FlagshipAction,
    PlanValue,
    Priority,
    Status,
    Trackable,
    TrackableKind,
)
from app.opendata.columns import (
    ARCHIVED,
    INSEE_PATTERN,
    NAME,
    TITLE,
    choice,
    code_column,
    code_of,
    codes,
    identifier,
    percent,
    plan_year,
    position_column,
    status_column,
)
from app.opendata.queries import links, sorted_rows, trackables_with_parents
from app.opendata.tables import Cell, Column, ForeignKey, Resource, Row, by_name
from app.trackables import bulk
from app.trackables.progress import latest_progress

# --- The strategy tree --------------------------------------------------------------------------

ENGAGEMENTS = Resource(
    name="engagements",
    title="Engagements",
    description="Les trois engagements du projet de territoire, dans l'ordre du document.",
    fields=(
        code_column("Code stable de l'engagement (E1, E2…)"),
        TITLE,
        position_column("Rang dans le document"),
        Column(name="quote", type="string", description="Citation qui accompagne l'engagement"),
        Column(name="quote_author", type="string", description="Auteur de la citation"),
    ),
    primary_key=("code",),
    rows=lambda session: plain_rows(
        session,
        sa_select(
            col(Engagement.code),
            col(Engagement.title),
            col(Engagement.position),
            col(Engagement.quote),
            col(Engagement.quote_author),
        ).order_by(col(Engagement.position)),
    ),
)


def _axes(session: Session) -> list[Row]:
    rows = plain_rows(
        session,
        sa_select(
            col(Axis.code),
            col(Axis.title),
            col(Engagement.code),
            col(Axis.position),
            col(Axis.archived_at),
            col(Engagement.position),
        ).join(Engagement, col(Engagement.id) == col(Axis.engagement_id)),
    )
    rows.sort(key=lambda r: (r[5], r[3], natural_key(r[0])))
    return [
        (code, title, engagement_code, position, archived_at is not None)
        for code, title, engagement_code, position, archived_at, _ in rows
    ]


AXES = Resource(
    name="axes",
    title="Axes",
    description="Les axes de chaque engagement, dans l'ordre du document ; un axe archivé "
    "(archived = true) ne fait plus partie du plan mais reste publié.",
    fields=(
        code_column("Code stable de l'axe (E2.3)"),
        TITLE,
        code_of("engagement_code", "Code de l'engagement", required=True),
        position_column("Rang dans l'engagement"),
        ARCHIVED,
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
    fields=(code_column("Code stable (V1…V5)"), TITLE, position_column("Rang dans le document")),
    primary_key=("code",),
    rows=lambda session: plain_rows(
        session,
        select(col(PlanValue.code), col(PlanValue.title), col(PlanValue.position)).order_by(
            col(PlanValue.position)
        ),
    ),
)

# --- Trackables ---------------------------------------------------------------------------------


def _trackables(session: Session) -> list[Row]:
    """Five queries: the trackables, their latest progress, communes, values and partners."""
    progress = latest_progress(session)
    communes = links(session, "communes")
    values = bulk.links(session, "values")
    # Sorted here rather than by the database, whose collation may differ (SQLite, PostgreSQL).
    partners = bulk.links(session, "partners")
    rows: list[dict[str, Cell]] = []
    for row in trackables_with_parents(session):
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
    return by_name(TRACKABLES, rows)


TRACKABLES = Resource(
    name="trackables",
    title="Actions et projets phares",
    description="Les actions (sous un axe, éventuellement sous-actions d'une autre action) et les "
    "projets phares (sous un engagement), dans l'ordre du document, avec leur suivi : statut, "
    "direction pilote, avancement de la dernière année renseignée, dates, communes concernées, "
    "valeurs servies et partenaires. Les éléments archivés restent publiés (archived = true).",
    fields=(
        code_column("Code stable (E2.3.2 pour une action, PP5 pour un projet phare)"),
        choice(
            "kind",
            "action ou flagship_project (projet phare)",
            TrackableKind,
            required=True,
        ),
        TITLE,
        code_of(
            "engagement_code",
            "Code de l'engagement (celui de l'axe, pour une action)",
            required=True,
        ),
        code_of("axis_code", "Code de l'axe d'une action ; vide pour un projet phare"),
        code_of("parent_code", "Code de l'action parente d'une sous-action ; vide sinon"),
        position_column("Rang sous son parent"),
        status_column(
            "Statut : planned (À venir), in_progress (En cours), completed (Réalisé), "
            "paused (En pause), delayed (En retard), blocked (Bloqué), abandoned (Abandonné), "
            "to_discuss (À discuter)"
        ),
        choice(
            "status_label",
            "Libellé français du statut",
            tuple(s.label for s in Status),
            required=True,
        ),
        choice(
            "priority",
            "Priorité : high (haute), medium (moyenne), low (basse) ; vide si non fixée",
            Priority,
        ),
        code_of(
            "lead_directorate_code",
            "Code de la direction pilote de la CAPH ; vide si non désignée",
        ),
        Column(
            name="weight",
            type="number",
            description="Poids (strictement positif) dans le calcul de l'avancement agrégé",
            required=True,
            minimum=0,
        ),
        percent("progress", "Avancement (%) du dernier bilan annuel ; vide sans bilan"),
        plan_year("progress_year", "Année du dernier bilan annuel"),
        Column(name="planned_start", type="date", description="Début prévu"),
        Column(name="planned_end", type="date", description="Fin prévue"),
        Column(name="actual_start", type="date", description="Début effectif"),
        Column(name="actual_end", type="date", description="Fin effective"),
        ARCHIVED,
        Column(
            name="communes",
            type="string",
            description="Codes INSEE des communes concernées, séparés par une espace ; vide : "
            "tout le territoire",
            pattern=r"^(\d[\dAB]\d{3}( \d[\dAB]\d{3})*)?$",
        ),
        codes(
            "values",
            "Codes des valeurs partagées servies (voir shared_values), séparés par une espace",
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
    return sorted_rows(
        session,
        select(flagship.code, action.code)
        .select_from(FlagshipAction)
        .join(flagship, col(FlagshipAction.flagship_project_id) == flagship.id)
        .join(action, col(FlagshipAction.action_id) == action.id),
        lambda p: (natural_key(p[0]), natural_key(p[1])),
    )


TRACKABLE_FLAGSHIP_ACTIONS = Resource(
    name="trackable_flagship_actions",
    title="Actions servies par les projets phares",
    description="Quel projet phare sert quelle action (une ligne par lien).",
    fields=(
        code_of("flagship_code", "Code du projet phare", required=True),
        code_of("action_code", "Code de l'action servie", required=True),
    ),
    primary_key=("flagship_code", "action_code"),
    foreign_keys=(
        ForeignKey(("flagship_code",), "trackables", ("code",)),
        ForeignKey(("action_code",), "trackables", ("code",)),
    ),
    rows=_flagship_actions,
)

# --- Reference data -----------------------------------------------------------------------------

DIRECTORATES = Resource(
    name="directorates",
    title="Directions de la CAPH",
    description="Les directions de la CAPH qui pilotent ou contribuent aux actions.",
    fields=(code_column("Code stable de la direction"), NAME),
    primary_key=("code",),
    rows=lambda session: plain_rows(
        session,
        select(col(Directorate.code), col(Directorate.name)).order_by(col(Directorate.code)),
    ),
)

COMMUNES = Resource(
    name="communes",
    title="Communes membres",
    description="Les 47 communes membres de la CAPH (code officiel géographique de l'INSEE) et "
    "leur population municipale 2024 (INSEE, DGCL).",
    fields=(
        identifier("insee_code", "Code INSEE de la commune", pattern=INSEE_PATTERN),
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
    rows=lambda session: plain_rows(
        session,
        select(col(Commune.insee_code), col(Commune.name), col(Commune.population)).order_by(
            col(Commune.insee_code)
        ),
    ),
)
