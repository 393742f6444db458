"""The package: every resource, one table as CSV or JSON, the Frictionless Data Package
(``datapackage.json``) that describes them, and the export of all the files into a folder
(``boussole export DIR``)."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.core.errors import NotFoundError
from app.core.runtime import collector_paused
from app.indicators import indicators as indicator_service
from app.opendata.national import COLLECTIVITES, PROJETS_TERRITOIRE
from app.opendata.queries import data_dates, publisher, sharing
from app.opendata.resources_plan import (
    AXES,
    COMMUNES,
    DIRECTORATES,
    ENGAGEMENTS,
    SHARED_VALUES,
    TRACKABLE_FLAGSHIP_ACTIONS,
    TRACKABLES,
)
from app.opendata.resources_tracking import (
    BUDGETS,
    INDICATOR_TARGETS,
    INDICATOR_VALUES,
    INDICATORS,
    MILESTONES,
    PROGRESS,
)
from app.opendata.tables import Resource, format_datetime, to_csv, to_items, write_csv
from app.plan import tree as tree_service
from app.trackables import kept

PACKAGE_NAME = "boussole-projet-de-territoire-caph"
#: The version of the files' layout: a column renamed or removed makes a new major version.
LAYOUT_VERSION = "1.0.0"
LICENSE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
TREE_FILE = "tree.json"

RESOURCES: tuple[Resource, ...] = (
    ENGAGEMENTS,
    AXES,
    SHARED_VALUES,
    TRACKABLES,
    TRACKABLE_FLAGSHIP_ACTIONS,
    PROGRESS,
    BUDGETS,
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
    """Kept per database revision (see app.trackables.kept): a large table takes seconds to write,
    its text only megabytes to keep. The JSON items are not kept: as objects, they weigh far
    more."""
    resource = get_resource(name)
    return kept.by_revision(
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
    with sharing(session), collector_paused():
        return _write_all(session, directory, on_written)


def _write_all(
    session: Session, directory: Path, on_written: Callable[[Path, int | None], None] | None
) -> list[tuple[Path, int | None]]:
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
