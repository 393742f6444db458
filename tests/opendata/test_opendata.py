"""Open data: CSV and JSON of every table, the Frictionless Data Package, the national schema
betagouv/projets-territoire, `boussole export`, formula injection, no internal field, and a
fixed number of queries."""

import csv
import gc
import io
import json
import re
import uuid
from typing import Any

import frictionless
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlmodel import Session, SQLModel, col
from typer.testing import CliRunner

from app import opendata
from app.cli import app as cli_app
from app.core.db import make_engine
from app.models import (
    Axis,
    Commune,
    Directorate,
    Engagement,
    FlagshipAction,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    PlanValue,
    ProgressReport,
    Trackable,
    TrackableKind,
    Trajectory,
)
from tests.conftest import (
    DEV_ACTION,
    ENV_ACTION,
    ENV_FLAGSHIP,
    QueryCounter,
    Tokens,
    auth,
    count_queries,
    make_client,
    seed_database,
)
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import problem, scaled_plan

runner = CliRunner()
API = "/api/v1/open-data"
INDICATOR = "IND-AUTONOMIE-ENERGETIQUE"
SUB_ACTION = f"{ENV_ACTION}.1"
ARCHIVED_ACTION = "E3.5.3"
RESOURCE_NAMES = [r.name for r in opendata.RESOURCES]

#: betagouv/projets-territoire v0.1.0, its fields in its order.
NATIONAL_FIELDS = [
    "id",
    "createdAt",
    "updatedAt",
    "nom",
    "description",
    "budgetPrevisionnel",
    "dateDebutPrevisionnelle",
    "phase",
    "phaseStatut",
    "programme",
    "porteurCodeSiret",
    "porteurReferentEmail",
    "porteurReferentTelephone",
    "porteurReferentPrenom",
    "porteurReferentNom",
    "porteurReferentFonction",
    "competences",
    "leviers",
    "mecId",
    "tetId",
    "recocoId",
    "collectiviteIds",
]
NATIONAL_PHASE_STATUSES = {"En cours", "En retard", "En pause", "Bloqué", "Abandonné", "Terminé"}


def write(client: TestClient, method: str, path: str, token: str, body: dict[str, Any]) -> None:
    response = client.request(method, f"/api/v1{path}", json=body, headers=auth(token))
    assert response.status_code in (200, 201, 202), (path, response.text)


@pytest.fixture
def tracked(client: TestClient, keys: Tokens) -> Tokens:
    """Tracking data written through the API, with cells a spreadsheet would take for formulas
    and negative numbers."""
    write(
        client,
        "PATCH",
        f"/actions/{ENV_ACTION}",
        keys.env,
        {
            "status": "in_progress",
            "partners": ["ADEME", "@Evil Corp"],
            "communes": ["59172", "59002"],
            "values": ["V5", "V2"],
            "planned_start": "2025-01-01",
            "description": "+33 3 27 00 00 00",
        },
    )
    write(client, "PUT", f"/actions/{ENV_ACTION}/progress/2024", keys.admin, {"progress": 10})
    # The reports of 2025 are the editor's, filed during the campaign, then validated (below).
    write(client, "POST", "/campaigns", keys.admin, {"year": 2025, "deadline": "2026-03-31"})
    write(
        client,
        "PUT",
        f"/actions/{ENV_ACTION}/progress/2025",
        keys.env,
        {
            "progress": 40,
            "comment": "=SUM(A1)",
            "budget_planned_investment": 1000.5,
            "budget_planned_operating": 250,
            "budget_spent_investment": 0.00001,
        },
    )
    write(client, "PATCH", f"/flagship-projects/{ENV_FLAGSHIP}", keys.env, {"status": "delayed"})
    write(
        client,
        "PUT",
        f"/flagship-projects/{ENV_FLAGSHIP}/progress/2025",
        keys.env,
        {"progress": 15, "comment": "-10 % sur le budget"},
    )
    for report in (f"actions/{ENV_ACTION}", f"flagship-projects/{ENV_FLAGSHIP}"):
        write(client, "POST", f"/{report}/progress/2025/pending/validate", keys.admin, {})
    write(
        client,
        "POST",
        f"/actions/{ENV_ACTION}/milestones",
        keys.env,
        {"title": "@Étude de potentiel", "planned_on": "2025-06-30", "done": True},
    )
    write(
        client,
        "PATCH",
        f"/indicators/{INDICATOR}",
        keys.admin,
        {
            "baseline": {"year": 2020, "value": -1.5},
            "targets": [{"year": 2030, "value": 30}, {"year": 2044, "value": 50}],
        },
    )
    write(
        client,
        "PUT",
        f"/indicators/{INDICATOR}/values/2025",
        keys.env,
        {"value": 12.5, "comment": "\tprovisoire", "status": "provisional"},
    )
    write(
        client,
        "PUT",
        f"/indicators/{INDICATOR}/values/2025?commune=59002",
        keys.env,
        {"value": -3.25},
    )
    write(
        client,
        "PATCH",
        f"/flagship-projects/{ENV_FLAGSHIP}",
        keys.admin,
        {"actions": [ENV_ACTION, "E2.3.1"]},
    )
    write(client, "POST", "/actions", keys.admin, {"parent": ENV_ACTION, "title": "Sous-action"})
    write(
        client,
        "PATCH",
        f"/actions/{DEV_ACTION}",
        keys.dev,
        {"status": "abandoned", "actual_start": "2024-03-01"},
    )
    write(client, "PATCH", f"/actions/{ARCHIVED_ACTION}", keys.admin, {"archived": True})
    return keys


def read_csv(client: TestClient, name: str) -> tuple[list[str], list[dict[str, str]], str]:
    response = client.get(f"{API}/{name}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'inline; filename="{name}.csv"'
    assert not response.content.startswith(b"\xef\xbb\xbf")  # no BOM
    text = response.content.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows, text


def read_json(client: TestClient, name: str) -> dict[str, Any]:
    response = client.get(f"{API}/{name}.json")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'inline; filename="{name}.json"'
    body: dict[str, Any] = response.json()
    return body


def database_counts(db_url: str) -> dict[str, int]:
    """How many rows each resource should have, counted in the database itself."""

    def count(model: type[SQLModel], *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    engine = make_engine(db_url)
    with Session(engine) as session:
        live_trackables = session.scalar(
            select(func.count())
            .select_from(Trackable)
            .outerjoin(Axis, col(Axis.id) == col(Trackable.axis_id))
            .where(col(Trackable.archived_at).is_(None), col(Axis.archived_at).is_(None))
        )
        counts = {
            "engagements": count(Engagement),
            "axes": count(Axis),
            "shared_values": count(PlanValue),
            "trackables": count(Trackable),
            "trackable_flagship_actions": count(FlagshipAction),
            "progress": count(ProgressReport),
            "milestones": count(Milestone),
            "indicators": count(Indicator),
            "indicator_targets": count(IndicatorTarget),
            "indicator_values": count(IndicatorValue),
            "directorates": count(Directorate),
            "communes": count(Commune),
            "projets_territoire": live_trackables or 0,
            "collectivites": count(Commune) + 1,
            "budgets": budget_lines(session),
        }
    engine.dispose()
    return counts


def budget_lines(session: Session) -> int:
    """Lines of the budgets table: per year with a report of a live trackable, the plan, each
    engagement, live axis, directorate and live flagship project, and the trackables with no
    lead directorate if one of them reported that year."""

    def years(*where: Any) -> int:
        reported = (
            select(col(ProgressReport.year))
            .join(Trackable, col(Trackable.id) == col(ProgressReport.trackable_id))
            .where(col(Trackable.archived_at).is_(None), *where)
            .distinct()
        )
        return len(session.execute(reported).all())

    def count(model: type[SQLModel], *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    per_year = (
        1
        + count(Engagement)
        + count(Axis, col(Axis.archived_at).is_(None))
        + count(Directorate)
        + count(
            Trackable,
            col(Trackable.archived_at).is_(None),
            col(Trackable.kind) == TrackableKind.flagship_project,
        )
    )
    return years() * per_year + years(col(Trackable.lead_directorate_id).is_(None))


# --- Every table, as CSV and as JSON ------------------------------------------------------------


def test_every_table_as_csv_and_json_matches_its_schema_and_the_database(client, tracked, db_url):
    package = client.get(f"{API}/datapackage.json").json()
    schemas = {r["name"]: r["schema"] for r in package["resources"]}
    assert list(schemas) == RESOURCE_NAMES
    expected = database_counts(db_url)
    # The plan's own truth: 59 actions + 9 flagship projects + the sub-action added, 47 communes.
    assert expected["trackables"] == 59 + 9 + 1
    assert expected["communes"] == 47
    assert expected["projets_territoire"] == 59 + 9 + 1 - 1  # less the archived action
    for name in RESOURCE_NAMES:
        header, rows, text = read_csv(client, name)
        field_names = [f["name"] for f in schemas[name]["fields"]]
        assert header == field_names, name
        assert len(rows) == expected[name], name
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # CRLF only
        body = read_json(client, name)
        assert body["resource"] == name and body["license"] == "etalab-2.0"
        assert body["updated_at"] == package["lastUpdated"]
        assert len(body["items"]) == len(rows), name
        assert all(list(item) == field_names for item in body["items"]), name


def test_typed_values_dates_and_booleans(client, tracked):
    trackables = {row["code"]: row for row in read_csv(client, "trackables")[1]}
    action = trackables[ENV_ACTION]
    assert action["kind"] == "action" and action["axis_code"] == "E2.3"
    assert action["engagement_code"] == "E2" and action["lead_directorate_code"] == "ENV"
    assert (action["status"], action["status_label"]) == ("in_progress", "En cours")
    assert (action["progress"], action["progress_year"]) == ("40", "2025")
    assert action["planned_start"] == "2025-01-01" and action["planned_end"] == ""
    assert action["communes"] == "59002 59172" and action["values"] == "V2 V5"
    assert action["archived"] == "false" and trackables[ARCHIVED_ACTION]["archived"] == "true"
    assert trackables[SUB_ACTION]["parent_code"] == ENV_ACTION
    flagship = trackables[ENV_FLAGSHIP]
    assert flagship["kind"] == "flagship_project" and flagship["axis_code"] == ""
    codes = list(trackables)
    assert (codes[0], codes[-1]) == ("E1.1.1", "PP9")  # document order

    items = {item["code"]: item for item in read_json(client, "trackables")["items"]}
    assert items[ENV_ACTION]["progress"] == 40 and items[ENV_ACTION]["archived"] is False
    assert items[ENV_ACTION]["planned_end"] is None and items[ENV_FLAGSHIP]["axis_code"] is None

    progress = read_csv(client, "progress")[1]
    report = next(r for r in progress if (r["trackable_code"], r["year"]) == (ENV_ACTION, "2025"))
    assert report["budget_planned_investment"] == "1000.5"
    assert report["budget_spent_investment"] == "0.00001"  # never an exponent
    assert report["budget_spent_operating"] == ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", report["reported_at"])
    milestone = read_csv(client, "milestones")[1][0]
    assert (milestone["planned_on"], milestone["done"]) == ("2025-06-30", "true")
    links = read_csv(client, "trackable_flagship_actions")[1]
    assert links == [
        {"flagship_code": ENV_FLAGSHIP, "action_code": "E2.3.1"},
        {"flagship_code": ENV_FLAGSHIP, "action_code": ENV_ACTION},
    ]
    indicator = read_csv(client, "indicators")[1][0]
    assert indicator["lead_directorate_code"] == "ENV" and indicator["measures"] == ENV_ACTION
    assert indicator["trajectory"] in {t.value for t in Trajectory}
    assert [(t["year"], t["value"]) for t in read_csv(client, "indicator_targets")[1]] == [
        ("2030", "30"),
        ("2044", "50"),
    ]


def test_csv_neutralises_formulas_but_keeps_negative_numbers(client, tracked):
    progress = {(r["trackable_code"], r["year"]): r for r in read_csv(client, "progress")[1]}
    assert progress[(ENV_ACTION, "2025")]["comment"] == "'=SUM(A1)"
    assert progress[(ENV_FLAGSHIP, "2025")]["comment"] == "'-10 % sur le budget"
    trackables = {row["code"]: row for row in read_csv(client, "trackables")[1]}
    assert trackables[ENV_ACTION]["partners"] == "'@Evil Corp | ADEME"
    assert read_csv(client, "milestones")[1][0]["title"] == "'@Étude de potentiel"
    projets = {row["nom"]: row for row in read_csv(client, "projets_territoire")[1]}
    assert projets["Sous-action"]["description"] == ""
    assert any(row["description"] == "'+33 3 27 00 00 00" for row in projets.values())

    values = {(v["year"], v["commune"]): v for v in read_csv(client, "indicator_values")[1]}
    assert values[("2025", "")]["comment"] == "'\tprovisoire"
    assert values[("2025", "59002")]["value"] == "-3.25"  # a number, left alone
    assert values[("2025", "")]["value"] == "12.5"
    assert read_csv(client, "indicators")[1][0]["baseline_value"] == "-1.5"

    # JSON is not opened by spreadsheets: it keeps the values as they were written.
    items = read_json(client, "progress")["items"]
    assert "=SUM(A1)" in [item["comment"] for item in items]
    json_values = read_json(client, "indicator_values")["items"]
    assert sorted(v["value"] for v in json_values) == [-3.25, 12.5]
    assert {v["commune"] for v in json_values} == {None, "59002"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (20.0, "20"),
        (12.5, "12.5"),
        (-3.25, "-3.25"),
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
    ],
)
def test_numbers_are_plain_decimals(value, text):
    assert opendata.format_number(value) == text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    assert opendata.neutralise(f"{start}1+1") == f"'{start}1+1"
    assert opendata.neutralise(f"a{start}") == f"a{start}"


# --- The data package and `boussole export` -----------------------------------------------------


def test_datapackage_describes_the_package(client, tracked):
    response = client.get(f"{API}/datapackage.json")
    assert response.status_code == 200
    package = response.json()
    assert package["profile"] == "tabular-data-package"
    assert package["name"] == "boussole-projet-de-territoire-caph"
    assert package["licenses"] == [
        {
            "name": "etalab-2.0",
            "title": "Licence Ouverte / Open Licence version 2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        }
    ]
    publisher = package["contributors"][0]
    assert publisher["role"] == "publisher" and publisher["siren"] == "200042190"
    assert "CAPH" in publisher["title"]
    latest_report = max(r["reported_at"] for r in read_csv(client, "progress")[1])
    assert package["lastUpdated"] >= latest_report >= package["created"]
    for resource in package["resources"]:
        assert resource["path"] == f"{resource['name']}.csv"
        assert (resource["format"], resource["mediatype"]) == ("csv", "text/csv")
        assert resource["encoding"] == "utf-8" and resource["schema"]["primaryKey"]
    trackables = next(r for r in package["resources"] if r["name"] == "trackables")
    assert {"fields": ["parent_code"], "reference": {"resource": "", "fields": ["code"]}} in (
        trackables["schema"]["foreignKeys"]
    )


def test_export_command_writes_a_package_that_frictionless_validates(
    cli_env, client, tracked, tmp_path
):
    target = tmp_path / "open-data"
    result = runner.invoke(cli_app, ["export", str(target)])
    assert result.exit_code == 0, result.output
    package = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    csv_files = [r["path"] for r in package["resources"]]
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["datapackage.json", "tree.json", *csv_files]
    )
    for name in ["datapackage.json", "tree.json", *csv_files]:
        assert name in result.output

    report = frictionless.validate(str(target / "datapackage.json"))
    assert report.flatten(["resourceName", "rowNumber", "type", "note"]) == []
    assert report.valid and report.stats["errors"] == 0
    assert len(report.tasks) == len(opendata.RESOURCES)

    counts = database_counts(cli_env)
    for resource in package["resources"]:
        raw = (target / resource["path"]).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        with (target / resource["path"]).open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
        assert reader.fieldnames == [f["name"] for f in resource["schema"]["fields"]]
        assert len(rows) == counts[resource["name"]], resource["name"]
        assert all(len(row) == len(reader.fieldnames) and None not in row for row in rows)
        assert raw == client.get(f"{API}/{resource['path']}").content  # same as the API
    tree = json.loads((target / "tree.json").read_text(encoding="utf-8"))
    assert tree == client.get("/api/v1/tree").json()


def test_frictionless_checks_the_foreign_keys(cli_env, tracked, tmp_path):
    """The validation above is not vacuous: a broken reference is reported."""
    target = tmp_path / "broken"
    assert runner.invoke(cli_app, ["export", str(target)]).exit_code == 0
    progress = target / "progress.csv"
    with progress.open("a", encoding="utf-8", newline="") as stream:
        stream.write("E9.9.9,2030,50,planned,,,,,,2030-01-01T00:00:00Z\r\n")
    report = frictionless.validate(str(target / "datapackage.json"))
    assert not report.valid
    assert [e[0] for e in report.flatten(["type"])] == ["foreign-key"]


# --- The national schema ------------------------------------------------------------------------


def test_projets_territoire_follows_the_national_schema(client, tracked):
    header, rows, _ = read_csv(client, "projets_territoire")
    assert header == NATIONAL_FIELDS
    by_id = {row["id"]: row for row in rows}
    assert {row["phaseStatut"] for row in rows} <= NATIONAL_PHASE_STATUSES
    assert {row["phase"] for row in rows} <= {"Idée", "Étude", "Opération"}

    def project(code: str) -> dict[str, str]:
        return by_id[str(uuid.uuid5(opendata.NAMESPACE, code))]

    action = project(ENV_ACTION)
    assert (action["phase"], action["phaseStatut"]) == ("Opération", "En cours")
    assert action["budgetPrevisionnel"] == "1251"  # 1000.5 + 250, rounded half up
    assert action["dateDebutPrevisionnelle"] == "2025-01-01"
    assert action["programme"] == "Projet de territoire 2024-2044"
    assert action["porteurCodeSiret"] == ""  # CAPH's SIRET is not in the data
    for stamp in (action["createdAt"], action["updatedAt"]):
        assert re.fullmatch(opendata.NATIONAL_DATETIME_PATTERN, stamp)
    assert (project(ENV_FLAGSHIP)["phase"], project(ENV_FLAGSHIP)["phaseStatut"]) == (
        "Opération",
        "En retard",
    )
    assert project(DEV_ACTION)["phaseStatut"] == "Abandonné"
    assert project(DEV_ACTION)["phase"] == "Opération"  # it had started
    assert (project("E1.1.2")["phase"], project("E1.1.2")["phaseStatut"]) == ("Idée", "En cours")
    assert str(uuid.uuid5(opendata.NAMESPACE, ARCHIVED_ACTION)) not in by_id

    collectivites = {row["id"]: row for row in read_csv(client, "collectivites")[1]}
    concerned = json.loads(action["collectiviteIds"])
    assert [collectivites[i]["codeInsee"] for i in concerned] == ["59002", "59172"]
    (territory,) = json.loads(project("E1.1.2")["collectiviteIds"])
    assert collectivites[territory]["type"] == "EPCI"
    assert collectivites[territory]["siren"] == "200042190"


def test_projets_territoire_ids_are_stable(client, tracked, keys):
    first = [item["id"] for item in read_json(client, "projets_territoire")["items"]]
    write(client, "PATCH", f"/actions/{ENV_ACTION}", keys.env, {"status": "completed"})
    second = read_json(client, "projets_territoire")["items"]
    assert [item["id"] for item in second] == first
    assert len(set(first)) == len(first)
    completed = next(
        i for i in second if i["id"] == str(uuid.uuid5(opendata.NAMESPACE, ENV_ACTION))
    )
    assert (completed["phase"], completed["phaseStatut"]) == ("Opération", "Terminé")
    assert completed["budgetPrevisionnel"] == 1251 and completed["competences"] is None


# --- Nothing internal, the index, unknown resources ---------------------------------------------


def everything_published(client: TestClient) -> str:
    texts = [client.get(API).text, client.get(f"{API}/datapackage.json").text]
    texts.append(client.get(f"{API}/tree.json").text)
    for name in RESOURCE_NAMES:
        texts += [client.get(f"{API}/{name}.csv").text, client.get(f"{API}/{name}.json").text]
    return "\n".join(texts)


def test_no_token_name_or_audit_detail_in_open_data(client, tracked):
    published = everything_published(client)
    assert "=SUM(A1)" in published  # the tracking data is there…
    for secret in ("env-editor", "dev-editor", "old-admin", "admin", "bsl_", tracked.env):
        assert secret not in published  # …but not who wrote it
    for internal in ("reported_by", "recorded_by", "actor", "token", "search_text", "before"):
        assert internal not in published
    for name in RESOURCE_NAMES:
        header = read_csv(client, name)[0]
        assert not {"version", "id_internal", "lead_directorate_id"} & set(header), name


def test_index_links_every_file(client):
    index = client.get(API)
    assert index.status_code == 200
    body = index.json()
    assert body["license"] == "etalab-2.0"
    assert [r["name"] for r in body["resources"]] == RESOURCE_NAMES
    links = [body["datapackage"], body["tree"]]
    links += [link for r in body["resources"] for link in (r["csv"], r["json"])]
    for link in links:
        assert client.get(link).status_code == 200, link


def test_tree_json_is_the_tree(client, tracked):
    response = client.get(f"{API}/tree.json")
    assert response.headers["content-disposition"] == 'inline; filename="tree.json"'
    assert response.json() == client.get("/api/v1/tree").json()


@pytest.mark.parametrize("path", ["nope.csv", "nope.json", "tree.csv", "datapackage.csv"])
def test_unknown_resource_is_404(client, path):
    body = problem(client.get(f"{API}/{path}"), 404, "not-found")
    name = path.rsplit(".", 1)[0]
    assert (body["detail"], body["entity"], body["code"]) == (
        f"Ressource de données ouvertes « {name} » introuvable.",
        "open-data resource",
        name,
    )


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("", "/datapackage.json", "/tree.json", "/{resource}.csv", "/{resource}.json"):
        operation = paths[f"{API}{path}"]["get"]
        assert operation["tags"] == ["open data"] and operation["description"]
    assert "text/csv" in paths[f"{API}/{{resource}}.csv"]["get"]["responses"]["200"]["content"]


# --- A fixed number of queries ------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_db_url(
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """The plan ten times over (590 actions), as in tests/api/test_query_counts.py."""
    plan_file = tmp_path_factory.mktemp("large-open-data") / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(scaled_plan(10), allow_unicode=True), encoding="utf-8")

    def build(url: str) -> None:
        assert seed_database(url, plan_file).counts["action"]["created"] == 590

    return databases.template("large_opendata", build, base=empty_template)


ROUTES = [
    API,
    f"{API}/datapackage.json",
    f"{API}/tree.json",
    *(f"{API}/{name}.{ext}" for name in RESOURCE_NAMES for ext in ("csv", "json")),
]


@pytest.mark.parametrize("path", ROUTES)
def test_query_count_does_not_grow_with_the_plan(client, large_db_url, path):
    seeded = count_queries(client, path)
    with make_client(large_db_url) as large_client:
        large = count_queries(large_client, path)
    assert seeded == large
    assert seeded <= 20


def test_large_export_is_complete_and_valid(large_db_url, tmp_path):
    engine = make_engine(large_db_url)
    with Session(engine) as session:
        written = dict(opendata.export(session, tmp_path))
    engine.dispose()
    assert written[tmp_path / "trackables.csv"] == 590 + 90
    assert written[tmp_path / "trackable_flagship_actions.csv"] == 180
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "type", "note"])[:5]


def export_queries(url: str, target: Any) -> tuple[int, Session]:
    engine = make_engine(url)
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        with Session(engine) as session:
            opendata.export(session, target)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        engine.dispose()
    return counter.count, session


def test_export_reads_a_fixed_number_of_queries(db_url, large_db_url, tmp_path):
    """Whole tables at a time, what several files share read once per export (the trackables
    with their parents, their communes); the collector's passes held off during the export are
    back after it, and nothing read for it stays in the session."""
    seeded, session = export_queries(db_url, tmp_path / "seeded")
    large, _ = export_queries(large_db_url, tmp_path / "large")
    assert seeded == large
    assert seeded <= 60
    assert gc.isenabled()
    assert not any("opendata" in str(key) for key in session.info)
