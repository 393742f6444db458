"""The read API, through HTTP, on the seeded plan."""

import pytest

from tests.helpers import field_errors, problem


def test_plan(client):
    response = client.get("/api/v1/plan")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation_acronym"] == "CAPH"
    assert body["diagnostic"][0]["code"] == "D1"
    assert body["prospective"][0]["code"] == "P1"


def test_tree_shape(client):
    tree = client.get("/api/v1/tree").json()
    assert tree["plan"]["title"] == "Projet de territoire 2024-2044"
    first = tree["engagements"][0]
    assert set(first) == {
        "code",
        "title",
        "quote",
        "quote_author",
        "rollup",
        "axes",
        "flagship_projects",
    }
    axis = first["axes"][0]
    assert axis["code"] == "E1.1"
    assert [a["code"] for a in axis["actions"]] == ["E1.1.1", "E1.1.2", "E1.1.3"]
    assert first["flagship_projects"][0] == {
        "code": "PP1",
        "title": "Fabrique des savoirs et de la citoyenneté",
        "status": "planned",
        "progress": None,
        "rollup": {"progress": None, "status_counts": {}, "trajectory_counts": {}},
        "action_codes": [],
    }
    assert axis["actions"][0]["status"] == "planned"


def test_engagement_detail(client):
    body = client.get("/api/v1/engagements/E2").json()
    assert body["code"] == "E2"
    assert [a["code"] for a in body["axes"]] == [f"E2.{i}" for i in range(1, 8)]
    assert [f["code"] for f in body["flagship_projects"]] == ["PP4", "PP5", "PP6"]


def test_axis_detail(client):
    body = client.get("/api/v1/axes/E2.3").json()
    assert body["engagement_code"] == "E2"
    assert body["title"] == "Réduction de la consommation et production d'énergies"
    assert [a["code"] for a in body["actions"]] == ["E2.3.1", "E2.3.2"]


def test_actions_list_paginates_in_document_order(client):
    first = client.get("/api/v1/actions", params={"limit": 10}).json()
    assert first["total"] == 59
    assert (first["limit"], first["offset"]) == (10, 0)
    assert first["items"][0]["code"] == "E1.1.1"
    second = client.get("/api/v1/actions", params={"limit": 10, "offset": 10}).json()
    codes = [a["code"] for a in first["items"] + second["items"]]
    assert len(set(codes)) == 20
    everything = client.get("/api/v1/actions", params={"limit": 200}).json()["items"]
    assert len(everything) == 59
    assert everything[-1]["code"] == "E3.5.3"


def test_actions_filters(client):
    by_engagement = client.get("/api/v1/actions", params={"engagement": "E3"}).json()
    assert by_engagement["total"] == 17
    assert {a["engagement_code"] for a in by_engagement["items"]} == {"E3"}
    by_axis = client.get("/api/v1/actions", params={"axis": "E1.2"}).json()
    assert by_axis["total"] == 5
    assert {a["axis_code"] for a in by_axis["items"]} == {"E1.2"}
    none = client.get("/api/v1/actions", params={"engagement": "E9"}).json()
    assert none == {"items": [], "total": 0, "limit": 50, "offset": 0}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("equitable", {"E1.1.1"}),
        ("ÉQUITABLE", {"E1.1.1"}),
        ("ilots", {"E3.1.5"}),
        ("oeuvre", {"E1.3.3", "E1.4.3", "E2.1.3", "E3.3.1"}),
        ("ilots de CHALEUR", {"E3.1.5"}),
        ("50%", {"E2.3.2"}),
        ("zzz-nothing", set()),
    ],
)
def test_actions_search_ignores_accents_and_case(client, q, expected):
    body = client.get("/api/v1/actions", params={"q": q, "limit": 200}).json()
    assert {a["code"] for a in body["items"]} == expected
    assert body["total"] == len(expected)


def test_search_matches_the_axis_title_too(client):
    # "equite" is in no action title, but in the axis "Équité de développement des bassins de vie".
    body = client.get("/api/v1/actions", params={"q": "equite"}).json()
    assert [a["code"] for a in body["items"]] == ["E1.1.1", "E1.1.2", "E1.1.3"]
    body = client.get("/api/v1/actions", params={"q": "Mobilités DOUCES", "limit": 200}).json()
    assert {a["code"] for a in body["items"]} == {"E2.4.1", "E2.4.2", "E2.4.3", "E2.4.4"}


def test_action_detail(client):
    body = client.get("/api/v1/actions/E2.4.3").json()
    assert body["axis_code"] == "E2.4"
    assert body["engagement_code"] == "E2"
    assert body["parent_code"] is None
    assert body["sub_actions"] == []
    assert body["archived"] is False


def test_flagship_project_detail(client):
    body = client.get("/api/v1/flagship-projects/PP5").json()
    assert {k: body[k] for k in ("code", "title", "engagement_code", "position", "archived")} == {
        "code": "PP5",
        "title": "Pôle de référence du Vélo",
        "engagement_code": "E2",
        "position": 1,
        "archived": False,
    }
    assert body["actions"] == []
    assert (body["status"], body["status_label"], body["progress"]) == ("planned", "À venir", None)
    assert (body["communes"], body["partners"], body["version"]) == ([], [], 1)
    listed = client.get("/api/v1/flagship-projects", params={"engagement": "E1"}).json()
    assert [f["code"] for f in listed["items"]] == ["PP1", "PP2", "PP3"]
    assert listed["total"] == 3


def test_directorates_start_empty(client):
    assert client.get("/api/v1/directorates").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }


def test_communes(client):
    page = client.get("/api/v1/communes", params={"limit": 200}).json()
    assert page["total"] == 47
    communes = page["items"]
    assert communes[0] == {
        "insee_code": "59002",
        "name": "Abscon",
        "population": 4203,
        "siren": "215900028",
    }
    assert sum(c["population"] for c in communes) == 158568
    assert client.get("/api/v1/communes/59504").json()["name"] == "Rœulx"


@pytest.mark.parametrize(
    ("path", "entity", "code"),
    [
        ("/api/v1/engagements/E9", "engagement", "E9"),
        ("/api/v1/axes/E1.99", "axis", "E1.99"),
        ("/api/v1/actions/E1.1.99", "action", "E1.1.99"),
        ("/api/v1/actions/PP1", "action", "PP1"),
        ("/api/v1/flagship-projects/PP99", "flagship project", "PP99"),
        ("/api/v1/flagship-projects/E1.1.1", "flagship project", "E1.1.1"),
        ("/api/v1/communes/59999", "commune", "59999"),
    ],
)
def test_unknown_code_is_404_naming_it(client, path, entity, code):
    response = client.get(path)
    noun = {"flagship project": "Projet phare", "axis": "Axe"}
    assert problem(response, 404, "not-found") == {
        "type": "urn:boussole:problem:not-found",
        "title": "Ressource introuvable",
        "status": 404,
        "detail": f"{noun.get(entity, entity.capitalize())} « {code} » introuvable.",
        "instance": path,
        "entity": entity,
        "code": code,
    }


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/actions", {"limit": 0}, "limit"),
        ("/api/v1/actions", {"limit": 201}, "limit"),
        ("/api/v1/actions", {"limit": "ten"}, "limit"),
        ("/api/v1/actions", {"offset": -1}, "offset"),
        ("/api/v1/communes/abc", {}, "insee_code"),
    ],
)
def test_bad_query_parameters_are_422(client, path, params, field):
    response = client.get(path, params=params)
    assert field_errors(response)[0]["loc"][-1] == field


def test_openapi_documents_the_routes(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/plan",
        "/api/v1/tree",
        "/api/v1/actions",
        "/api/v1/communes/{insee_code}",
    ):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200
