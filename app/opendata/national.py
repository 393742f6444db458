"""The national schema betagouv/projets-territoire (v0.1.0, schema.data.gouv.fr): the actions and
flagship projects as "projets de collectivités", with their companion betagouv/collectivites (the
CAPH and its communes), readable by the national tools without conversion."""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import AuditEntry, Commune, ProgressReport, Status
from app.opendata import queries
from app.opendata.columns import INSEE_PATTERN, choice, identifier, utc_datetime
from app.opendata.queries import (
    as_utc,
    data_dates,
    latest_of,
    publisher,
)
from app.opendata.tables import Cell, Column, ForeignKey, Resource, Row, by_name, format_datetime
from app.trackables import bulk

#: Fixed namespace of the uuid5 identifiers of the national-schema resources: a project's id is
#: ``uuid5(NAMESPACE, code)`` ("E2.3.2", "PP5"), a collectivité's ``uuid5(NAMESPACE,
#: "commune:<INSEE code>")`` or ``uuid5(NAMESPACE, "epci:<SIREN>")``. Never change it: the ids
#: would all change.
NAMESPACE = uuid.UUID("f8fd01a7-ad0e-460b-8ce1-e40115165062")

#: Département and région codes (INSEE) of the communes, from the département (the first two
#: characters of the INSEE code): CAPH's 47 communes are all in the Nord (59), Hauts-de-France (32).
REGION_OF_DEPARTEMENT = {"59": "32"}

#: createdAt / updatedAt of the national schema: an ISO 8601 date-time with its offset.
NATIONAL_DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$"

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


# Cached: a few dozen communes and one EPCI, named by thousands of projects.
@functools.cache
def commune_id(insee_code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"commune:{insee_code}"))


@functools.cache
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
        latest = as_utc(reported_at)
        if latest is not None:
            summary.latest_at[trackable_id] = latest
        if progress > 0:
            summary.started.add(trackable_id)
    return summary


def _projets_territoire(session: Session) -> list[Row]:
    """Six queries: the live trackables, their communes, their competences and levers, reports,
    audit dates and the plan."""
    trackables = queries.trackables_with_parents(session, live_only=True)
    communes = queries.links(session, "communes")
    classified = bulk.classification(session)
    reports = _reports(session)
    audited: dict[int, datetime] = dict(
        session.execute(
            select(col(AuditEntry.trackable_id), func.max(col(AuditEntry.at)))
            .where(col(AuditEntry.trackable_id).is_not(None))
            .group_by(col(AuditEntry.trackable_id))
        ).all()
    )
    organisation = publisher(session)
    rows: list[dict[str, Cell]] = []
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
                    latest_of(t.updated_at, reports.latest_at.get(t.id), audited.get(t.id))
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
                "competences": classified.competences.get(t.id) or None,
                "leviers": classified.leviers.get(t.id) or None,
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
    return by_name(PROJETS_TERRITOIRE, rows)


def _uuid_id(description: str) -> Column:
    """The row's identifier: a UUID v5 in NAMESPACE."""
    return identifier("id", description, format="uuid")


def _stamp(name: str, description: str) -> Column:
    """createdAt or updatedAt of a project, as text in NATIONAL_DATETIME_PATTERN."""
    return Column(
        name=name,
        type="string",
        description=description,
        required=True,
        pattern=NATIONAL_DATETIME_PATTERN,
    )


def _strings(
    name: str, description: str, *, item_format: str | None = None, required: bool = False
) -> Column:
    """An array of strings, written in a CSV cell as a JSON array."""
    item = {"type": "string"} if item_format is None else {"type": "string", "format": item_format}
    return Column(
        name=name, type="array", array_item=item, description=description, required=required
    )


def _siren(name: str, description: str) -> Column:
    return Column(name=name, type="string", description=description, pattern=r"^\d{9}$")


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
        _uuid_id("Identifiant unique du projet : UUID v5 du code Boussole, stable"),
        _stamp("createdAt", "Date de création du projet dans Boussole (UTC)"),
        _stamp(
            "updatedAt", "Date de dernière mise à jour (le projet, ses bilans ou ses jalons), UTC"
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
        choice(
            "phase",
            "Phase actuelle, déduite du statut (voir la description de la table)",
            NATIONAL_PHASES,
        ),
        choice(
            "phaseStatut",
            "Statut de la phase, déduit du statut Boussole : planned → En cours "
            "(phase Idée), to_discuss → En pause (phase Idée), in_progress → En cours, "
            "delayed → En retard, paused → En pause, blocked → Bloqué, completed → Terminé, "
            "abandoned → Abandonné",
            NATIONAL_PHASE_STATUSES,
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
        _strings(
            "competences",
            "Compétences associées au projet : codes de fonction M57 du référentiel national "
            "(competences-m57-2025), en tableau JSON (type array du schéma), par exemple "
            '["90-21","90-71"] ; vide quand aucune n\'est renseignée',
        ),
        _strings(
            "leviers",
            "Leviers de la planification écologique (SGPE) du projet, par leur nom dans le "
            "référentiel national (leviers-sgpe-2025-03), en tableau JSON (type array du "
            'schéma), par exemple ["Vélo","Covoiturage"] ; vide quand aucun n\'est renseigné',
        ),
        _not_held("mecId", "Identifiant Mon Espace Collectivité."),
        _not_held("tetId", "Identifiant Territoires en Transitions."),
        _not_held("recocoId", "Identifiant Recoco."),
        _strings(
            "collectiviteIds",
            "Identifiants (tableau JSON) des collectivités concernées, décrites dans "
            "la table collectivites : les communes nommées par l'action, ou l'EPCI (CAPH, SIREN "
            "200042190) quand elle concerne tout le territoire",
            item_format="uuid",
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

    rows: list[dict[str, Cell]] = [
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
                "siren": commune.siren,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        )
    return by_name(COLLECTIVITES, rows)


COLLECTIVITES = Resource(
    name="collectivites",
    title="Collectivités (schéma national betagouv/collectivites)",
    description="La CAPH et ses 47 communes membres au format du schéma national "
    "« Collectivités » (betagouv/collectivites v0.1.0), compagnon de projets_territoire dont la "
    "colonne collectiviteIds cite leurs identifiants (UUID v5 stables de « commune:<code INSEE> » "
    "et « epci:<SIREN> »). Boussole ne date pas ces lignes : createdAt et updatedAt sont la date "
    "de création du jeu de données.",
    fields=(
        _uuid_id("Identifiant unique de la collectivité (UUID v5, stable)"),
        Column(name="nom", type="string", description="Nom de la collectivité", required=True),
        choice("type", "Commune ou EPCI", ("Commune", "EPCI"), required=True),
        Column(
            name="codeInsee",
            type="string",
            description="Code INSEE d'une commune",
            pattern=INSEE_PATTERN,
        ),
        _strings("codeDepartements", "Codes des départements (tableau JSON)"),
        _strings("codeRegions", "Codes des régions (tableau JSON)"),
        _siren("codeEpci", "SIREN de l'EPCI (de rattachement, pour une commune)"),
        _siren("siren", "SIREN de la collectivité (celui de la commune, liste DGCL des membres)"),
        utc_datetime("createdAt", "Date de création de l'entrée (UTC)"),
        utc_datetime("updatedAt", "Date de mise à jour de l'entrée (UTC)"),
    ),
    primary_key=("id",),
    foreign_keys=(ForeignKey(("codeInsee",), "communes", ("insee_code",)),),
    rows=_collectivites,
)
