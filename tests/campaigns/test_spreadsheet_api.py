"""``POST /api/v1/progress/import`` by an editor token: the rows filed as pending reports,
submitted (202), all or nothing, within the open campaign of their year; scope and campaign
checked in the same pass as the values; CSV, XLSX and ODS alike. (An admin's import publishes:
tests/trackables/test_imports.py.)"""

from sqlalchemy import event
from sqlmodel import col, select

from app.models import AuditEntry, Axis, Directorate, ProgressReport
from app.models.campaigns import PENDING_REPORT_ENTITY
from tests import factories as make
from tests.campaigns.scene import Scene, db_url, open_campaign, report_body, scene, trackable
from tests.campaigns.sheets import XLSX, close_campaign_on, pending_by_code, workbook
from tests.conftest import QueryCounter
from tests.helpers import problem, snapshot

__all__ = ["db_url", "scene"]

IMPORT = "/api/v1/progress/import"
HEADER = "trackable_code;year;progress;status;comment;budget_spent_operating\n"


def post(client, body: str | bytes, headers, content_type="text/csv", **params):
    data = body.encode() if isinstance(body, str) else body
    return client.post(
        IMPORT, content=data, params=params, headers={**headers, "Content-Type": content_type}
    )


def test_an_editor_s_import_is_filed_as_submitted_and_published_by_nobody(client, scene: Scene):
    open_campaign(client, scene)
    body = HEADER + (
        f"{scene.action};2025;45;Terminé;Chaufferie livrée;1200,5\n"
        f"{scene.flagship};2025;10;En cours;;\n"
    )
    response = post(client, body, scene.env)
    assert response.status_code == 202, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "published": False,
        "errors": [],
    }
    rows = pending_by_code(scene.url)
    first = rows[f"{scene.action}/2025"]
    assert (first.state, first.progress, first.status, first.comment) == (
        "submitted",
        45,
        "completed",
        "Chaufferie livrée",
    )
    assert (first.budget_spent_operating, first.submitted_by, first.saved_by) == (
        1200.5,
        "env-editor",
        "env-editor",
    )
    # Nothing is published: the public report does not exist.
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2025").status_code == 404
    with make.session_on(scene.url) as session:
        assert session.exec(select(ProgressReport)).all() == []
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.entity) == PENDING_REPORT_ENTITY)
        ).all()
    assert sorted(e.entity_key for e in entries) == sorted(rows)
    assert {e.actor_name for e in entries} == {"env-editor"}
    # The same file again: unchanged, nothing written.
    again = post(client, body, scene.env)
    assert (again.status_code, again.json()["unchanged"]) == (202, 2)
    # The admin validates one: it is then public.
    validated = client.post(
        f"/api/v1/actions/{scene.action}/progress/2025/pending/validate", headers=scene.admin
    )
    assert validated.status_code in (200, 201), validated.text
    public = client.get(f"/api/v1/actions/{scene.action}/progress/2025").json()
    assert (public["progress"], public["comment"]) == (45, "Chaufferie livrée")


def test_a_draft_is_submitted_with_its_milestones_kept(client, scene: Scene):
    open_campaign(client, scene)
    draft = report_body(milestones=[{"id": scene.milestone, "title": "Étude", "done": True}])
    path = f"/api/v1/actions/{scene.action}/progress/2025/pending"
    assert client.put(path, json=draft, headers=scene.env).status_code in (200, 201)
    response = post(client, HEADER + f"{scene.action};2025;40;En cours;;\n", scene.env)
    # The same values as the draft, now submitted.
    assert response.json()["updated"] == 1, response.text
    row = pending_by_code(scene.url)[f"{scene.action}/2025"]
    assert (row.state, row.version, row.milestones[0]["id"]) == ("submitted", 2, scene.milestone)


def test_scope_values_and_campaign_in_one_answer_and_nothing_written(client, scene: Scene):
    open_campaign(client, scene)
    before = snapshot(scene.url)
    body = HEADER + (
        f"{scene.action};2025;130;;;\n"  # line 2: progress above 100
        f"{scene.dev_action};2025;10;;;\n"  # line 3: led by DEV
        f"{scene.flagship};2024;10;;;\n"  # line 4: no campaign for 2024
    )
    answer = problem(post(client, body, scene.env), 422, "import-refused")
    assert [(e["line"], e["column"], e["type"]) for e in answer["errors"]] == [
        (2, "progress", "invalid-row"),
        (3, "trackable_code", "out-of-scope"),
        (4, "year", "campaign-closed"),
    ]
    assert answer["errors"][0]["detail"] == "« 130 » : attendu un avancement en %, de 0 à 100"
    assert answer["errors"][2]["detail"] == "aucune campagne de bilan n'est ouverte pour 2024"
    assert snapshot(scene.url) == before
    # Only rows of a year without an open campaign: 409, as an editor's write of such a report.
    refused = problem(post(client, HEADER + f"{scene.action};2024;10;;;\n", scene.env), 409)
    assert refused["errors"][0]["type"] == "campaign-closed"
    assert snapshot(scene.url) == before


def test_after_the_campaign_closed_an_editor_s_import_is_refused(client, scene: Scene):
    open_campaign(client, scene)
    close_campaign_on(scene.url)
    before = snapshot(scene.url)
    answer = problem(post(client, HEADER + f"{scene.action};2025;10;;;\n", scene.env), 409)
    assert answer["errors"][0]["detail"] == (
        "la campagne 2025 est close : le bilan 2025 ne peut plus être modifié que par l'équipe "
        "de pilotage"
    )
    assert snapshot(scene.url) == before
    # An admin may still write it, published at once.
    assert post(client, HEADER + f"{scene.action};2025;10;;;\n", scene.admin).status_code == 200


def test_a_workbook_is_imported_as_a_csv_is(client, scene: Scene):
    open_campaign(client, scene)
    content = workbook(
        [
            ("Code", "Année", "Statut", "Avancement (%)", "Commentaire"),
            (scene.action, 2025, "Terminé", 100, "Fini"),
        ]
    )
    response = post(client, content, scene.env, content_type=XLSX)
    assert response.status_code == 202, response.text
    assert pending_by_code(scene.url)[f"{scene.action}/2025"].status == "completed"
    form = client.post(
        IMPORT,
        files={"file": ("bilan.xlsx", content, "application/octet-stream")},
        headers=scene.env,
    )
    assert (form.status_code, form.json()["unchanged"]) == (202, 1)


def test_dry_run_writes_nothing(client, scene: Scene):
    open_campaign(client, scene)
    before = snapshot(scene.url)
    response = post(client, HEADER + f"{scene.action};2025;10;;;\n", scene.env, dry_run="true")
    assert (response.status_code, response.json()["created"]) == (200, 1)
    assert snapshot(scene.url) == before


def test_the_queries_do_not_grow_with_the_rows(client, scene: Scene):
    open_campaign(client, scene)
    with make.session_on(scene.url) as session:
        led = trackable(session, scene.action)
        lead = session.get(Directorate, led.lead_directorate_id)
        parent = session.get(Axis, led.axis_id)
        made = [make.action(session, axis=parent, lead=lead).code for _ in range(30)]
        session.commit()

    def queries(codes: list[str]) -> int:
        counter = QueryCounter()
        engine = client.app.state.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            body = HEADER + "".join(f"{code};2025;7;;;\n" for code in codes)
            assert post(client, body, scene.env).status_code == 202
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return counter.count

    few, many = queries(made[:3]), queries(made[3:])
    assert few == many, (few, many)
