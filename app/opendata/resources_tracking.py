"""The resources of the tracking: the yearly progress reports, the milestones, and the indicators
with their targets and values."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, String, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.campaigns.campaigns import UNASSIGNED
from app.core.db import plain_rows
from app.core.text import natural_key
from app.indicators import indicators as indicator_service
from app.models import (
    Direction,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    ProgressReport,
    Trackable,
    Trajectory,
    ValueStatus,
)
from app.models.imports import PROGRESS_COLUMNS
from app.opendata import columns
from app.opendata.queries import code_ranks, natural_keys, sorted_rows
from app.opendata.tables import Cell, Column, ForeignKey, Resource, Row, by_name
from app.trackables import history

#: The code of the action or flagship project a row is about, and its key.
TRACKABLE_CODE = columns.code_of(
    "trackable_code", "Code de l'action ou du projet phare", required=True
)
TRACKABLE_KEY = ForeignKey(("trackable_code",), "trackables", ("code",))
#: The code of the indicator a row is about.
INDICATOR_CODE = columns.code_of("indicator_code", "Code de l'indicateur", required=True)
INDICATOR_KEY = ForeignKey(("indicator_code",), "indicators", ("code",))

# --- Tracking: yearly progress and milestones ---------------------------------------------------

#: The columns of the progress table, read as plain values (no ORM object per report: a large
#: plan has hundreds of thousands). The status is read as its text. The same as the import's
#: (a file exported, edited and imported again keeps its shape), but for the trackable's code.
_PROGRESS_FIELDS = tuple(name for name in PROGRESS_COLUMNS if name != "trackable_code")


#: How many trackables' reports are read and sorted at once: the progress table (137,000 rows at
#: scale 100, 1.4 million at 1,000) is then never held whole — writing its CSV at scale 100 raised
#: the process's peak by 126 MB, now by 38 MB (its 13 MB of bytes included), the same bytes.
PROGRESS_CHUNK = 1_000


def _progress(session: Session) -> Iterator[Row]:
    """The reports in the natural order of their trackables' codes, then by year, read a chunk
    of trackables at a time (a chunk ends between two ranks: the order is that of one sort)."""
    table: Any = ProgressReport.__table__  # type: ignore[attr-defined]
    # The status read as its text, the date-time as the database gives it (tables.format_datetime
    # writes it in UTC): cheaper than the columns' own conversions, row by row.
    plain: dict[str, Any] = {"status": String(), "reported_at": DateTime(timezone=True)}
    selected = [
        type_coerce(table.c[name], plain[name]) if name in plain else table.c[name]
        for name in _PROGRESS_FIELDS
    ]
    reports = sa_select(col(Trackable.code), *selected).join(
        Trackable, col(Trackable.id) == table.c.trackable_id
    )
    trackables = plain_rows(session, sa_select(col(Trackable.id), col(Trackable.code)))
    rank = code_ranks(code for _, code in trackables)
    ordered = sorted((rank[code], trackable_id) for trackable_id, code in trackables)
    chunk: list[int] = []
    for position, (code_rank, trackable_id) in enumerate(ordered):
        chunk.append(trackable_id)
        last = position + 1 == len(ordered)
        if last or (len(chunk) >= PROGRESS_CHUNK and ordered[position + 1][0] != code_rank):
            rows = plain_rows(session, reports.where(table.c.trackable_id.in_(chunk)))
            rows.sort(key=lambda r: (rank[r[0]], r[1]))
            yield from rows
            chunk = []


PROGRESS = Resource(
    name="progress",
    title="Bilans annuels d'avancement",
    description="Un bilan par action ou projet phare et par année (2024-2044) : avancement, "
    "statut, commentaire, budgets prévus et consommés. Mêmes colonnes que l'import CSV des "
    "bilans : un fichier exporté, modifié puis réimporté garde sa forme.",
    fields=(
        TRACKABLE_CODE,
        columns.plan_year("year", "Année du bilan", required=True),
        columns.percent("progress", "Avancement (%)", required=True),
        columns.status_column("Statut déclaré avec le bilan (mêmes valeurs que trackables.status)"),
        columns.COMMENT,
        columns.euros("budget_planned_investment", "Budget prévu, investissement"),
        columns.euros("budget_planned_operating", "Budget prévu, fonctionnement"),
        columns.euros("budget_spent_investment", "Budget consommé, investissement"),
        columns.euros("budget_spent_operating", "Budget consommé, fonctionnement"),
        columns.utc_datetime("reported_at", "Date et heure (UTC) du bilan"),
    ),
    primary_key=("trackable_code", "year"),
    foreign_keys=(TRACKABLE_KEY,),
    rows=_progress,
)


def _milestones(session: Session) -> list[Row]:
    key = natural_keys()
    return sorted_rows(
        session,
        sa_select(
            col(Milestone.id),
            col(Trackable.code),
            col(Milestone.title),
            col(Milestone.description),
            col(Milestone.planned_on),
            col(Milestone.achieved_on),
            col(Milestone.done),
        ).join(Trackable, col(Trackable.id) == col(Milestone.trackable_id)),
        lambda r: (key(r[1]), r[0] or 0),
    )


MILESTONES = Resource(
    name="milestones",
    title="Jalons",
    description="Les étapes datées des actions et projets phares.",
    fields=(
        columns.identifier("id", "Identifiant du jalon (stable)", "integer", minimum=1),
        TRACKABLE_CODE,
        columns.TITLE,
        columns.DESCRIPTION,
        Column(name="planned_on", type="date", description="Date prévue"),
        Column(name="achieved_on", type="date", description="Date de réalisation"),
        Column(name="done", type="boolean", description="Atteint", required=True),
    ),
    primary_key=("id",),
    foreign_keys=(TRACKABLE_KEY,),
    rows=_milestones,
)

# --- Indicators ---------------------------------------------------------------------------------


def _indicators(session: Session) -> list[Row]:
    """Five queries (see app.indicators.indicators.load)."""
    loaded = indicator_service.load(session)
    year = indicator_service.this_year()
    rows: list[dict[str, Cell]] = []
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
    return by_name(INDICATORS, rows)


INDICATORS = Resource(
    name="indicators",
    title="Indicateurs",
    description="Les indicateurs du plan, avec leur valeur de référence et leur trajectoire "
    "calculée à la date de l'export : taux de progression (méthode du Baromètre des résultats de "
    "l'action publique) et trajectoire (méthode de progression d'Open SDG).",
    fields=(
        columns.code_column("Code stable de l'indicateur"),
        columns.NAME,
        columns.DESCRIPTION,
        Column(name="unit", type="string", description="Unité (%, tCO2e…)"),
        Column(
            name="decimals",
            type="integer",
            description="Nombre de décimales à afficher",
            required=True,
            minimum=0,
            maximum=6,
        ),
        columns.choice(
            "direction",
            "Sens souhaité : increase (hausse), decrease (baisse), maintain (maintien)",
            Direction,
            required=True,
        ),
        Column(name="source", type="string", description="Producteur de la donnée"),
        Column(name="method", type="string", description="Méthode de calcul"),
        Column(name="update_frequency", type="string", description="Fréquence de mise à jour"),
        columns.code_of("lead_directorate_code", "Code de la direction pilote"),
        columns.indicator_year("baseline_year", "Année de la valeur de référence"),
        Column(name="baseline_value", type="number", description="Valeur de référence"),
        columns.choice(
            "trajectory",
            "Trajectoire : target_achieved (cible atteinte), on_track (en bonne voie), "
            "acceleration_needed (accélération nécessaire), limited_progress (progrès limité), "
            "deterioration (dégradation), no_data (données insuffisantes)",
            Trajectory,
            required=True,
        ),
        columns.percent(
            "progress_rate",
            "(valeur actuelle − référence) / (cible − référence), en %, borné à 0-100",
        ),
        Column(
            name="expected_value",
            type="number",
            description="Valeur attendue cette année sur la droite de la référence à la cible",
        ),
        columns.codes(
            "measures",
            "Codes des engagements, axes, actions ou projets phares mesurés, séparés "
            "par une espace",
        ),
    ),
    primary_key=("code",),
    foreign_keys=(ForeignKey(("lead_directorate_code",), "directorates", ("code",)),),
    rows=_indicators,
)


def _indicator_targets(session: Session) -> list[Row]:
    return sorted_rows(
        session,
        select(col(Indicator.code), col(IndicatorTarget.year), col(IndicatorTarget.value)).join(
            Indicator, col(Indicator.id) == col(IndicatorTarget.indicator_id)
        ),
        lambda r: (natural_key(r[0]), r[1]),
    )


INDICATOR_TARGETS = Resource(
    name="indicator_targets",
    title="Cibles des indicateurs",
    description="Les valeurs cibles de chaque indicateur, par année.",
    fields=(
        INDICATOR_CODE,
        columns.indicator_year("year", "Année de la cible", required=True),
        Column(name="value", type="number", description="Valeur cible", required=True),
    ),
    primary_key=("indicator_code", "year"),
    foreign_keys=(INDICATOR_KEY,),
    rows=_indicator_targets,
)


def _indicator_values(session: Session) -> list[Row]:
    rows = plain_rows(
        session,
        sa_select(
            col(Indicator.code),
            col(IndicatorValue.year),
            col(IndicatorValue.commune),
            col(IndicatorValue.value),
            type_coerce(col(IndicatorValue.status), String),
            col(IndicatorValue.comment),
            col(IndicatorValue.source),
        ).join(Indicator, col(Indicator.id) == col(IndicatorValue.indicator_id)),
    )
    rank = code_ranks(row[0] for row in rows)
    rows.sort(key=lambda r: (rank[r[0]], r[1], r[2]))
    # The whole territory's value (no commune) has an empty cell, as a missing value.
    return [
        (code, year, commune or None, value, status, comment, source)
        for code, year, commune, value, status, comment, source in rows
    ]


INDICATOR_VALUES = Resource(
    name="indicator_values",
    title="Valeurs des indicateurs",
    description="Les valeurs annuelles de chaque indicateur, pour tout le territoire (commune "
    "vide) ou pour une commune.",
    fields=(
        INDICATOR_CODE,
        columns.indicator_year("year", "Année", required=True),
        Column(
            name="commune",
            type="string",
            description="Code INSEE de la commune ; vide : tout le territoire",
            pattern=columns.INSEE_PATTERN,
        ),
        Column(name="value", type="number", description="Valeur", required=True),
        columns.choice(
            "status",
            "provisional (provisoire) ou final (définitive)",
            ValueStatus,
            required=True,
        ),
        columns.COMMENT,
        Column(name="source", type="string", description="Source de la valeur"),
    ),
    primary_key=("indicator_code", "year", "commune"),
    foreign_keys=(INDICATOR_KEY, ForeignKey(("commune",), "communes", ("insee_code",))),
    rows=_indicator_values,
)

# --- Budgets ------------------------------------------------------------------------------------

#: The code of the line of the whole plan, and of the trackables with no lead directorate.
PLAN_CODE, NO_DIRECTORATE_CODE = "plan", "sans-direction-pilote"
BUDGET_LEVELS = ("plan", "engagement", "axis", "directorate", "flagship_project")
#: The amounts of a line, in the order of app.models.BudgetTotals' fields (then its reports).
_BUDGET_AMOUNTS = (
    ("planned_investment", "Budget prévu, investissement"),
    ("planned_operating", "Budget prévu, fonctionnement"),
    ("planned", "Budget prévu, investissement et fonctionnement"),
    ("spent_investment", "Budget consommé, investissement"),
    ("spent_operating", "Budget consommé, fonctionnement"),
    ("spent", "Budget consommé, investissement et fonctionnement"),
)


def _budgets(session: Session) -> list[Row]:
    """The same totals as the API's ``/dashboard/budgets``, for every year with a report (six
    queries: app.trackables.history.budget_sums), written from the sums: no model per line."""
    rows: list[Row] = []
    for year, summed in history.budget_sums(session=session, unassigned=UNASSIGNED).items():
        levels = (
            ("engagement", summed.engagements),
            ("axis", summed.axes),
            ("directorate", summed.directorates),
            ("flagship_project", summed.flagship_projects),
        )
        lines = [("plan", PLAN_CODE, "Ensemble du plan", summed.total)] + [
            (level, code or NO_DIRECTORATE_CODE, title, sums)
            for level, items in levels
            for code, title, sums in items
        ]
        rows += [(year, level, code, title, *sums.values()) for level, code, title, sums in lines]
    return rows


BUDGETS = Resource(
    name="budgets",
    title="Budgets par année",
    description="Les budgets prévus et consommés de chaque année, additionnés à partir des "
    "bilans annuels publiés (un montant non renseigné compte pour 0), pour l'ensemble du plan "
    "(niveau plan, code « plan ») et par engagement, axe, direction pilote (code "
    f"« {NO_DIRECTORATE_CODE} » : sans direction pilote) et projet phare. Les budgets d'une "
    "sous-action comptent dans l'axe, l'engagement et les projets phares de son action ; ceux "
    "d'un projet phare, dans son engagement et sa propre ligne. Mêmes totaux que l'API "
    "/dashboard/budgets.",
    fields=(
        columns.plan_year("year", "Année des bilans", required=True),
        Column(
            name="level",
            type="string",
            description="Niveau : plan, engagement, axis (axe), directorate (direction "
            "pilote) ou flagship_project (projet phare)",
            required=True,
            enum=BUDGET_LEVELS,
        ),
        Column(
            name="code",
            type="string",
            description="Code de l'engagement, de l'axe, de la direction ou du projet phare",
            required=True,
        ),
        Column(name="title", type="string", description="Titre ou nom", required=True),
        *(
            Column(
                name=name, type="number", description=f"{what} (euros)", required=True, minimum=0
            )
            for name, what in _BUDGET_AMOUNTS
        ),
        Column(
            name="reports",
            type="integer",
            description="Nombre de bilans additionnés",
            required=True,
            minimum=0,
        ),
    ),
    primary_key=("year", "level", "code"),
    rows=_budgets,
)
