"""The national classification (competences M57, leviers SGPE) of actions and flagship projects,
the communes' SIREN, and the national exports validated against the published schemas
betagouv/projets-territoire and betagouv/collectivites (copies in tests/opendata/schemas/)."""

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import frictionless
import pytest
from fastapi.testclient import TestClient

from app import opendata
from app.reference import national
from tests.conftest import ENV_ACTION, ENV_FLAGSHIP, Tokens, auth
from tests.helpers import field_errors, problem

SCHEMAS = Path(__file__).parent / "schemas"
API = "/api/v1/open-data"


def patch(client: TestClient, path: str, token: str, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1{path}", json=body, headers=auth(token))


@pytest.fixture
def classified(client: TestClient, keys: Tokens) -> Tokens:
    """A few competences and levers set by an admin, and a commune named by an action."""
    for path, body in (
        (
            f"/actions/{ENV_ACTION}",
            {
                "competences": ["90-71", "90-21"],
                "leviers": ["Electricité renouvelable", "Réseaux de chaleur décarbonés"],
                "communes": ["59002"],
            },
        ),
        (f"/flagship-projects/{ENV_FLAGSHIP}", {"leviers": ["Vélo"]}),
        ("/actions/E1.1.2", {"competences": ["90-025"]}),
    ):
        response = patch(client, path, keys.admin, body)
        assert response.status_code == 200, response.text
    return keys


def test_the_reference_lists_are_the_published_ones():
    assert len(national.leviers()) == 50
    assert len(national.competences()) == 156
    assert national.competences()["90-025"] == "Cimetières et pompes funèbres"
    assert "Vélo" in national.leviers()


def test_admins_set_them_and_the_detail_shows_them(client, classified):
    action = client.get(f"/api/v1/actions/{ENV_ACTION}").json()
    assert action["competences"] == ["90-21", "90-71"]
    assert action["leviers"] == ["Electricité renouvelable", "Réseaux de chaleur décarbonés"]
    flagship = client.get(f"/api/v1/flagship-projects/{ENV_FLAGSHIP}").json()
    assert (flagship["competences"], flagship["leviers"]) == ([], ["Vélo"])
    # Cleared with [], refused as null; the other fields untouched.
    cleared = patch(client, f"/actions/{ENV_ACTION}", classified.admin, {"leviers": []})
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["leviers"], cleared.json()["competences"]) == ([], ["90-21", "90-71"])
    null = patch(client, f"/actions/{ENV_ACTION}", classified.admin, {"competences": None})
    assert null.status_code == 422


def test_an_editor_may_not_set_them(client, keys):
    for body in ({"competences": ["90-21"]}, {"leviers": ["Vélo"]}):
        response = patch(client, f"/actions/{ENV_ACTION}", keys.env, body)
        assert next(iter(body)) in problem(response, 403, "forbidden")["detail"]


@pytest.mark.parametrize(
    ("field", "values", "unknown"),
    [
        ("competences", ["90-21", "90-999"], "90-999"),
        ("leviers", ["Vélo", "Trottinette"], "Trottinette"),
    ],
)
def test_an_unknown_code_is_422_naming_it(client, keys, field, values, unknown):
    response = patch(client, f"/actions/{ENV_ACTION}", keys.admin, {field: values})
    (error,) = field_errors(response)
    assert error["loc"] == ["body", field, 1]
    assert f"« {unknown} »" in error["detail"]
    assert client.get(f"/api/v1/actions/{ENV_ACTION}").json()[field] == []


def test_a_malformed_competence_code_is_422(client, keys):
    response = patch(client, f"/actions/{ENV_ACTION}", keys.admin, {"competences": ["M57"]})
    assert response.status_code == 422


def test_the_export_carries_them_as_json_arrays(client, classified):
    rows = {row["id"]: row for row in read_csv(client, "projets_territoire")}
    action = rows[str(uuid.uuid5(opendata.NAMESPACE, ENV_ACTION))]
    assert json.loads(action["competences"]) == ["90-21", "90-71"]
    assert json.loads(action["leviers"]) == [
        "Electricité renouvelable",
        "Réseaux de chaleur décarbonés",
    ]
    flagship = rows[str(uuid.uuid5(opendata.NAMESPACE, ENV_FLAGSHIP))]
    assert (flagship["competences"], json.loads(flagship["leviers"])) == ("", ["Vélo"])


def test_communes_have_their_siren(client):
    rows = read_csv(client, "collectivites")
    communes = {row["codeInsee"]: row for row in rows if row["type"] == "Commune"}
    assert len(communes) == 47
    assert communes["59002"]["siren"] == "215900028"  # Abscon
    assert all(len(row["siren"]) == 9 and row["siren"].isdigit() for row in communes.values())
    assert len({row["siren"] for row in communes.values()}) == 47
    assert client.get("/api/v1/communes/59002").json()["siren"] == "215900028"


@pytest.mark.parametrize(
    ("resource", "schema"),
    [
        ("projets_territoire", "projets-territoire.schema.json"),
        ("collectivites", "collectivites.schema.json"),
    ],
)
def test_the_exports_follow_the_published_schemas(client, classified, tmp_path, resource, schema):
    response = client.get(f"{API}/{resource}.csv")
    assert response.status_code == 200, response.text
    path = tmp_path / f"{resource}.csv"
    path.write_bytes(response.content)
    published = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    with path.open(encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == [field["name"] for field in published["fields"]]

    report = frictionless.validate(
        frictionless.Resource(
            path=path.name,
            basepath=str(tmp_path),
            schema=frictionless.Schema.from_descriptor(published),
        )
    )
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid and report.stats["errors"] == 0
    assert report.tasks[0].stats["rows"] == (48 if resource == "collectivites" else 68)


def read_csv(client: TestClient, name: str) -> list[dict[str, str]]:
    response = client.get(f"{API}/{name}.csv")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))
