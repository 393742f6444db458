"""Every error answer of the API is an RFC 9457 problem (``application/problem+json``): a stable
``type`` per kind, a French ``title`` and ``detail``, and ``errors`` listing every field at fault
(app.core.errors); the OpenAPI document says so for every error of every operation."""

import ast
import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

import app as boussole
from app.core.config import Settings
from app.core.errors import ENTITY_NAMES, PROBLEM_MEDIA_TYPE
from app.main import create_app
from app.models.tree import TrackableKind
from tests.api.test_edges import _hold_write_lock as hold_write_lock
from tests.campaigns.sheets import open_campaign_on
from tests.conftest import DEV_ACTION, ENV_ACTION, auth
from tests.helpers import ENGLISH, field_errors, problem

PROGRESS = f"/api/v1/actions/{DEV_ACTION}/progress/2025"
JSON = {"Content-Type": "application/json"}


def test_400_a_malformed_header(client, keys):
    refused = client.put(
        PROGRESS, json={"progress": 10}, headers={**auth(keys.admin), "If-Match": "v3"}
    )
    body = problem(refused, 400, "bad-header")
    assert (body["title"], body["header"]) == ("En-tête invalide", "If-Match")
    assert body["detail"].startswith("En-tête If-Match : attendu")
    assert body["instance"] == PROGRESS


def test_401_without_a_token_and_with_a_revoked_one(client, keys):
    anonymous = client.put(PROGRESS, json={"progress": 10})
    body = problem(anonymous, 401, "unauthorized")
    assert body["title"] == "Authentification requise"
    assert body["detail"] == "Cette opération demande un jeton : Authorization: Bearer <jeton>."
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    revoked = client.put(PROGRESS, json={"progress": 10}, headers=auth(keys.revoked))
    assert problem(revoked, 401, "unauthorized")["detail"] == "Jeton invalide ou révoqué."
    # A public read with a bad token too (the token is looked at there, not required).
    read = client.get(f"/api/v1/actions/{DEV_ACTION}/progress", headers=auth("bsl_guess"))
    assert problem(read, 401, "unauthorized")["detail"] == "Jeton invalide ou révoqué."


def test_403_out_of_scope_and_admin_only(client, keys):
    scope = client.put(PROGRESS, json={"progress": 10}, headers=auth(keys.env))
    body = problem(scope, 403, "forbidden")
    assert body["title"] == "Accès refusé"
    assert body["detail"] == (
        f"Le jeton « env-editor » ne peut pas modifier {DEV_ACTION} : la direction qui le pilote "
        "n'est pas ENV."
    )
    admin_only = client.post(
        "/api/v1/directorates", json={"code": "X", "name": "X"}, headers=auth(keys.env)
    )
    assert problem(admin_only, 403, "forbidden")["detail"] == (
        "Cette opération est réservée aux jetons administrateur."
    )


def test_404_an_unknown_route_and_an_unknown_object(client):
    route = client.get("/api/v1/nowhere")
    body = problem(route, 404, "not-found")
    assert body == {
        "type": "urn:boussole:problem:not-found",
        "title": "Ressource introuvable",
        "status": 404,
        "detail": "Aucune ressource à cette adresse : /api/v1/nowhere",
        "instance": "/api/v1/nowhere",
    }
    # Outside the API, a client that does not ask for HTML gets the problem too.
    assert problem(client.get("/pas/de/page"), 404, "not-found")["instance"] == "/pas/de/page"
    unknown = client.get("/api/v1/actions/E9.9.9")
    body = problem(unknown, 404, "not-found")
    assert body["detail"] == "Action « E9.9.9 » introuvable."
    # Extension members, for programs: what was looked for.
    assert (body["entity"], body["code"]) == ("action", "E9.9.9")
    report = client.get(f"/api/v1/actions/{DEV_ACTION}/progress/2031")
    assert problem(report, 404)["detail"] == f"Bilan annuel « {DEV_ACTION}/2031 » introuvable."


def test_405_lists_the_allowed_methods(client, keys):
    refused = client.delete(f"/api/v1/actions/{DEV_ACTION}", headers=auth(keys.admin))
    body = problem(refused, 405, "method-not-allowed")
    assert body["title"] == "Méthode non permise"
    assert body["detail"] == f"La méthode DELETE n'est pas permise sur /api/v1/actions/{DEV_ACTION}"
    assert refused.headers["Allow"] == "GET, PATCH"


def test_408_a_body_too_slow(db_url, keys):
    app = create_app(Settings(database_url=db_url, request_body_timeout=0.2))

    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"progress"'
        await asyncio.sleep(2)  # never the rest in time
        yield b": 10}"

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.put(
                PROGRESS, content=slow_body(), headers={**auth(keys.admin), **JSON}
            )

    answer = asyncio.run(send())
    app.state.revisions.close()
    app.state.engine.dispose()
    body = problem(answer, 408, "request-timeout")
    assert body["detail"] == "Le corps de la requête n'est pas arrivé en 0.2 s."
    assert answer.headers["Connection"] == "close"


def test_409_a_code_already_taken(client, keys):
    first = client.post(
        "/api/v1/directorates", json={"code": "ENV2", "name": "Env"}, headers=auth(keys.admin)
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/api/v1/directorates", json={"code": "ENV2", "name": "Env"}, headers=auth(keys.admin)
    )
    body = problem(again, 409, "conflict")
    assert (body["title"], body["detail"]) == (
        "Conflit avec les données actuelles",
        "Le code « ENV2 » est déjà pris.",
    )


def test_412_a_stale_if_match_names_the_current_version(client, keys):
    assert client.put(PROGRESS, json={"progress": 10}, headers=auth(keys.admin)).status_code == 201
    stale = client.put(
        PROGRESS, json={"progress": 20}, headers={**auth(keys.admin), "If-Match": '"7"'}
    )
    body = problem(stale, 412, "precondition-failed")
    assert body["current_version"] == 1
    assert body["detail"] == (
        f"Le bilan {DEV_ACTION}/2025 a été modifié entre-temps (version actuelle : 1) : "
        "relisez-le, puis recommencez"
    )


def test_413_a_body_too_large(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, max_body_bytes=64))) as client:
        announced = client.put(
            PROGRESS, json={"progress": 10, "comment": "x" * 100}, headers=auth(keys.admin)
        )
        body = problem(announced, 413, "payload-too-large")
        assert body["detail"] == "Le corps de la requête dépasse la limite de 64 octets."
        assert announced.headers["Connection"] == "close"

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent as it streams
            for _ in range(10):
                yield b" " * 20

        streamed = client.put(PROGRESS, content=chunks(), headers={**auth(keys.admin), **JSON})
        assert problem(streamed, 413, "payload-too-large")["detail"] == body["detail"]


def test_415_not_a_csv(client, keys):
    refused = client.post(
        "/api/v1/progress/import", content=b"{}", headers={**auth(keys.env), **JSON}
    )
    body = problem(refused, 415, "unsupported-media-type")
    assert body["detail"] == (
        "Envoyez le fichier en text/csv (ou au type d'un classeur XLSX ou ODS) ou dans un "
        "formulaire multipart, pas en « application/json »."
    )


def test_400_a_malformed_form(client, keys):
    refused = client.post(
        "/api/v1/progress/import",
        content=b"--x\r\n",
        headers={**auth(keys.env), "Content-Type": "multipart/form-data"},
    )
    body = problem(refused, 400, "malformed-form")
    assert (body["title"], body["detail"]) == (
        "Formulaire mal formé",
        "Formulaire multipart sans délimiteur (boundary).",
    )


def test_422_lists_every_field_at_fault_with_its_location(client, keys):
    refused = client.put(
        PROGRESS,
        json={"progress": 140, "status": "finished", "comment": 3, "staus": "done"},
        headers=auth(keys.admin),
    )
    body = problem(refused, 422, "validation-error")
    assert body["title"] == "Données invalides"
    fields = [(e["loc"], e["pointer"], e["detail"], e["type"]) for e in body["errors"]]
    statuses = "'planned', 'in_progress', 'completed', 'paused', 'delayed', 'blocked', "
    assert fields == [
        (["body", "progress"], "/progress", "doit être inférieur ou égal à 100", "less_than_equal"),
        (
            ["body", "status"],
            "/status",
            f"doit être l'une des valeurs : {statuses}'abandoned', 'to_discuss'",
            "enum",
        ),
        (["body", "comment"], "/comment", "doit être une chaîne de caractères", "string_type"),
        (["body", "staus"], "/staus", "champ inconnu", "extra_forbidden"),
    ]
    assert body["detail"].startswith(
        "« progress » : doit être inférieur ou égal à 100 ; « status » : doit être l'une"
    )
    # Path, query and body problems at once, each where it is.
    indicator = client.put(
        "/api/v1/indicators/NOPE/values/1990?commune=x",
        json={"value": "12", "status": "final", "note": None},
        headers=auth(keys.admin),
    )
    places = {tuple(error["loc"]): error for error in field_errors(indicator)}
    assert ("path", "year") in places
    assert ("body", "value") in places
    assert "pointer" not in places["path", "year"]
    assert places["path", "year"]["detail"].startswith("doit être")


def test_422_a_missing_body_and_a_nested_field(client, keys):
    missing = client.put(PROGRESS, headers=auth(keys.admin))
    (error,) = field_errors(missing)
    assert (error["loc"], error["pointer"], error["detail"]) == (["body"], "", "champ obligatoire")
    assert problem(missing, 422)["detail"] == "le corps de la requête : champ obligatoire"
    nested = client.patch(
        "/api/v1/indicators/IND-AUTONOMIE-ENERGETIQUE",
        json={"targets": [{"year": 2030, "value": 1}, {"year": "2035", "value": 2}]},
        headers=auth(keys.admin),
    )
    (error,) = field_errors(nested)
    assert (error["loc"], error["pointer"]) == (["body", "targets", 1, "year"], "/targets/1/year")
    assert problem(nested, 422)["detail"].startswith("« targets[1].year » : ")


def test_422_from_the_strict_json_reading(client, keys):
    nan = client.put(PROGRESS, content=b'{"progress": NaN}', headers={**auth(keys.admin), **JSON})
    (error,) = field_errors(nan)
    assert error == {
        "loc": ["body", "progress"],
        "pointer": "/progress",
        "detail": "doit être un nombre fini, pas NaN",
        "type": "finite_number",
    }
    broken = client.put(PROGRESS, content=b'{"progress": ', headers={**auth(keys.admin), **JSON})
    (error,) = field_errors(broken)
    assert (error["type"], error["pointer"]) == ("json_invalid", "")
    assert problem(broken, 422)["detail"] == (
        "le corps de la requête : JSON illisible (ligne 1, colonne 14) : une valeur est attendue"
    )


def test_422_from_a_rule_of_the_domain(client, keys):
    refused = client.patch(
        f"/api/v1/actions/{DEV_ACTION}",
        json={"planned_start": "2030-01-01", "planned_end": "2029-01-01"},
        headers=auth(keys.admin),
    )
    body = problem(refused, 422, "validation-error")
    assert body["errors"] == [
        {
            "loc": ["body", "planned_end"],
            "pointer": "/planned_end",
            "detail": "planned_end (2029-01-01) précède planned_start (2030-01-01)",
            "type": "value_error",
        }
    ]
    assert (
        body["detail"]
        == "« planned_end » : planned_end (2029-01-01) précède planned_start (2030-01-01)"
    )
    unknown = client.patch(
        f"/api/v1/actions/{DEV_ACTION}", json={"lead_directorate": "NOPE"}, headers=auth(keys.admin)
    )
    (error,) = field_errors(unknown)
    assert (error["loc"], error["detail"]) == (
        ["body", "lead_directorate"],
        "direction inconnue : « NOPE »",
    )


def test_the_import_lists_row_and_scope_problems_in_one_answer(client, keys, db_url):
    open_campaign_on(db_url, 2025)  # an editor's rows are filed within the open campaign
    csv = (
        "trackable_code;year;progress;status\n"
        f"{DEV_ACTION};2025;50;Terminé\n"  # out of the ENV editor's scope
        f"{ENV_ACTION};1990;x;Réalisé\n"  # two bad values
        f"{ENV_ACTION};2025;10;fini\n"  # an unknown status
    )
    refused = client.post(
        "/api/v1/progress/import",
        content=csv.encode(),
        headers={**auth(keys.env), "Content-Type": "text/csv"},
    )
    body = problem(refused, 422, "import-refused")
    assert (body["title"], body["detail"], body["truncated"]) == (
        "Fichier refusé",
        "4 problèmes dans le fichier : rien n'a été écrit.",
        False,
    )
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["file", 2, "trackable_code"], "out-of-scope"),
        (["file", 3, "year"], "invalid-row"),
        (["file", 3, "progress"], "invalid-row"),
        (["file", 4, "status"], "invalid-row"),
    ]
    assert body["errors"][0]["detail"] == (
        f"{DEV_ACTION} est piloté par DEV, pas par ENV : le jeton « env-editor » ne peut pas en "
        "faire le bilan"
    )
    assert [(e["line"], e["column"], e["detail"].split(" ; ")[0]) for e in body["errors"][1:]] == [
        (3, "year", "« 1990 » : attendu une année de 2024 à 2044"),
        (3, "progress", "« x » n'est pas un nombre : attendu un avancement en %, de 0 à 100"),
        (4, "status", "statut inconnu : « fini »"),
    ]
    # Only scope problems: 403, the rows listed all the same.
    only_scope = client.post(
        "/api/v1/progress/import",
        content=f"trackable_code,year,progress\n{DEV_ACTION},2025,50\n".encode(),
        headers={**auth(keys.env), "Content-Type": "text/csv"},
    )
    body = problem(only_scope, 403, "forbidden")
    assert body["detail"].endswith("Rien n'a été écrit.")
    assert [(e["line"], e["type"]) for e in body["errors"]] == [(2, "out-of-scope")]


def test_429_with_retry_after(db_url):
    with TestClient(create_app(Settings(database_url=db_url, auth_failures_allowed=1))) as client:
        assert client.put(PROGRESS, json={}, headers=auth("bsl_guess")).status_code == 401
        blocked = client.put(PROGRESS, json={}, headers=auth("bsl_guess"))
    body = problem(blocked, 429, "too-many-requests")
    assert body["title"] == "Trop de tentatives"
    assert body["retry_after"] == int(blocked.headers["Retry-After"]) >= 1
    assert body["detail"].startswith("Trop d'authentifications échouées depuis ce client")


def test_503_saturated_with_retry_after(db_url, keys):
    settings = Settings(database_url=db_url, max_in_flight=1, max_queued=0)
    with TestClient(create_app(settings)) as client:
        gate = client.app.state.gate  # type: ignore[attr-defined]
        portal = client.portal
        assert portal is not None
        entered, release = portal.call(anyio.Event), portal.call(anyio.Event)

        async def hold() -> None:
            async with gate.enter(writing=True):
                entered.set()
                await release.wait()

        held = portal.start_task_soon(hold)
        portal.call(entered.wait)
        try:
            refused = client.put(PROGRESS, json={"progress": 10}, headers=auth(keys.admin))
        finally:
            portal.call(release.set)
            held.result()
    body = problem(refused, 503, "service-unavailable")
    assert body["title"] == "Service momentanément indisponible"
    assert body["detail"].startswith("Le service est saturé")
    assert body["retry_after"] == int(refused.headers["Retry-After"]) >= 1


def test_503_a_database_lock_held_elsewhere(db_url, keys):
    with TestClient(create_app(Settings(database_url=db_url, queue_timeout=1))) as client:
        release = hold_write_lock(db_url)
        try:
            refused = client.put(PROGRESS, json={"progress": 10}, headers=auth(keys.admin))
        finally:
            release()
    body = problem(refused, 503, "service-unavailable")
    assert body["detail"] == (
        "La base de données est occupée ou injoignable : réessayez dans un instant."
    )
    assert body["retry_after"] == int(refused.headers["Retry-After"]) == 2


def test_every_404_names_what_it_looked_for_in_french():
    """Each entity a NotFoundError (or ``found``) names has its French noun: a new one added
    without it would read « Objet « … » »."""
    named: set[str] = {kind.value.replace("_", " ") for kind in TrackableKind}
    for path in Path(boussole.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            position = {"NotFoundError": 0, "found": 1}.get(name)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                named.add(argument.value)
    assert {"action", "progress report", "open-data resource"} <= named
    assert named <= ENTITY_NAMES.keys(), named - ENTITY_NAMES.keys()


# --- The OpenAPI document --------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'unused.db'}"
    return create_app(Settings(database_url=url)).openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_documented_error_is_a_problem(document):
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert schemas["Problem"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemField"
    }
    assert set(schemas["ProblemField"]["required"]) == {"loc", "detail", "type"}
    errors = 0
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                assert PROBLEM_MEDIA_TYPE not in response.get("content", {}), (path, status)
                continue
            errors += 1
            assert response["content"] == {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (path, method, status)
            assert response["description"] != "Validation Error", (path, method)
    assert errors > 100
    # The operations with a parameter or a body can answer 422, and say so.
    put = document["paths"]["/api/v1/actions/{code}/progress/{year}"]["put"]["responses"]
    assert {"400", "401", "403", "404", "412", "422", "429", "503"} <= put.keys()


# --- No English for people --------------------------------------------------------------------

#: A value of the wrong type for each JSON type of a field.
_WRONG = {"string": 12, "number": "x", "integer": "x", "boolean": "x", "array": "x", "object": 7}


def _schema(document: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = reference
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _wrong_body(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = _schema(document, content["application/json"]["schema"])
    body: dict[str, Any] = {"unexpected": True}
    for name, field in schema.get("properties", {}).items():
        kinds = [_schema(document, f).get("type") for f in field.get("anyOf", [field])]
        body[name] = _WRONG.get(next((k for k in kinds if k and k != "null"), "string"), 12)
    return body


def test_no_error_answer_speaks_english(client, keys, document):
    """Every operation, called with wrong values for every parameter and field (and with the
    wrong method): each error answer is a problem, with French words only."""
    values = {
        "code": DEV_ACTION,
        "year": "20x5",
        "milestone_id": "-1",
        "name": "nope.csv",
        "insee_code": "00000",
        "change_id": "x",
        "resource": "nope",
    }
    checked = 0
    for path, method, operation in _operations(document):
        url = path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", values.get(parameter["name"], "x"))
        query = {p["name"]: "§" for p in operation.get("parameters", []) if p["in"] == "query"}
        answers = [
            client.request(
                method,
                url,
                params=query,
                json=_wrong_body(document, operation),
                headers={**auth(keys.admin), "If-Match": "W/x"},
            ),
            client.request(method, url, headers=auth(keys.revoked)),
            client.request("TRACE", url),
        ]
        for answer in answers:
            if answer.status_code < 400:
                continue
            checked += 1
            assert answer.headers["content-type"] == PROBLEM_MEDIA_TYPE, (method, url)
            body = answer.json()
            texts = [body["title"], body["detail"], *(e["detail"] for e in body.get("errors", []))]
            english = [t for t in texts if any(phrase in t for phrase in ENGLISH)]
            assert not english, (method, url, body)
    assert checked > 100
