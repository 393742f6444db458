"""Reports not yet published (app.campaigns.pending and its routes): save a draft, submit, send
back, validate — each step audited with who took it —; an editor token's API write of a yearly
report filed as submitted; drafts never in what the public reads; the scope, the campaign, the
version and the values checked, with nothing written on a refusal."""

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.models import AuditEntry, IndicatorValue, Milestone, PendingReport, Trackable
from app.models.campaigns import PENDING_REPORT_ENTITY
from tests import factories as make
from tests.campaigns.scene import (
    Scene,
    db_url,
    open_campaign,
    report_body,
    scene,
    trackable,
)
from tests.helpers import field_errors, problem, snapshot

__all__ = ["db_url", "scene"]


def pending_url(scene: Scene, code: str | None = None, year: int = 2025) -> str:
    kind = "flagship-projects" if code == scene.flagship else "actions"
    return f"/api/v1/{kind}/{code or scene.action}/progress/{year}/pending"


def public_reads(client: TestClient, scene: Scene) -> dict[str, bytes]:
    """The bodies of what anyone reads about the scene's trackables: the reports, the roll-ups,
    the change feed, the open data, the dashboard."""
    paths = [
        "/api/v1/tree",
        "/api/v1/actions?limit=200",
        "/api/v1/flagship-projects",
        f"/api/v1/actions/{scene.action}",
        f"/api/v1/actions/{scene.action}/progress",
        f"/api/v1/actions/{scene.action}/milestones",
        f"/api/v1/actions/{scene.action}/history",
        f"/api/v1/flagship-projects/{scene.flagship}/progress",
        f"/api/v1/indicators/{scene.indicator}",
        "/api/v1/changes?limit=1000",
        "/api/v1/open-data/progress.csv",
        "/api/v1/open-data/progress.json",  # its updated_at too
        "/api/v1/open-data/datapackage.json",
        "/api/v1/open-data/milestones.json",
        "/api/v1/open-data/indicator_values.csv",
        "/api/v1/dashboard/summary",
        "/api/v1/dashboard/directorates",
    ]
    bodies = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
        bodies[path] = response.content
    return bodies


def audit_steps(scene: Scene) -> list[tuple[str, str, str | None, str]]:
    """The pending reports' audit entries: (key, action, state after, who)."""
    with make.session_on(scene.url) as session:
        entries = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.entity) == PENDING_REPORT_ENTITY)
            .order_by(col(AuditEntry.id))
        ).all()
    return [
        (e.entity_key, e.action.value, (e.after or {}).get("state"), e.actor_name) for e in entries
    ]


def test_draft_submit_send_back_validate(client: TestClient, scene: Scene) -> None:
    open_campaign(client, scene)
    public = public_reads(client, scene)
    time.sleep(1.1)  # the open data's dates are to the second: a later write would show
    url = pending_url(scene)
    body = report_body(
        progress=35.5,
        status="delayed",
        comment="Brouillon confidentiel",
        budget_planned_investment=250000,
        budget_spent_investment=12000.5,
        milestones=[
            {
                "id": scene.milestone,
                "title": "Étude de potentiel",
                "done": True,
                "achieved_on": "2025-05-20",
            },
            {"title": "Appel d'offres", "planned_on": "2026-02-01"},
        ],
        indicator_values={scene.indicator: 41.2},
    )

    draft = client.put(url, json=body, headers=scene.env)
    assert draft.status_code == 201, draft.text
    assert draft.headers["Cache-Control"] == "private, no-store"
    assert draft.headers["ETag"] == '"1"'
    saved = draft.json()
    assert (saved["state"], saved["state_label"], saved["version"]) == ("draft", "Brouillon", 1)
    assert (saved["progress"], saved["status_label"], saved["saved_by"]) == (
        35.5,
        "En retard",
        "env-editor",
    )
    assert saved["milestones"][0] == {
        "id": scene.milestone,
        "title": "Étude de potentiel",
        "planned_on": None,
        "achieved_on": "2025-05-20",
        "done": True,
    }
    assert saved["indicator_values"] == {scene.indicator: 41.2}
    read = client.get(url, headers=scene.env)
    assert read.status_code == 200 and read.json() == saved
    assert read.headers["Cache-Control"] == "private, no-store"
    assert client.get(url, headers=scene.admin).json() == saved

    # A second tab saves an older version: refused, with the current one; nothing written.
    again = client.put(url, json={**body, "progress": 36}, headers={**scene.env, "If-Match": '"1"'})
    assert again.status_code == 200 and again.json()["version"] == 2
    before = snapshot(scene.url)
    stale = client.put(url, json={**body, "progress": 99}, headers={**scene.env, "If-Match": '"1"'})
    refusal = problem(stale, 412, "precondition-failed")
    assert refusal["current_version"] == 2
    assert refusal["detail"].startswith(f"Le bilan {scene.action}/2025 en attente a été modifié")
    assert snapshot(scene.url) == before
    # Creating over one saved meanwhile is refused too (If-Match "0": "there was none").
    assert client.put(url, json=body, headers={**scene.env, "If-Match": '"0"'}).status_code == 412

    submitted = client.post(f"{url}/submit", headers={**scene.env, "If-Match": '"2"'})
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["state"], submitted.json()["submitted_by"]) == (
        "submitted",
        "env-editor",
    )
    twice = client.post(f"{url}/submit", headers=scene.env)
    assert problem(twice, 409)["detail"] == f"le bilan {scene.action}/2025 est déjà transmis"
    # Nothing of it is public yet: every public read answers the same bytes.
    assert public_reads(client, scene) == public

    back = client.post(
        f"{url}/send-back", json={"comment": "Précisez le budget dépensé."}, headers=scene.admin
    )
    assert back.status_code == 200, back.text
    assert (back.json()["state"], back.json()["review_comment"], back.json()["reviewed_by"]) == (
        "sent_back",
        "Précisez le budget dépensé.",
        "admin",
    )
    not_submitted = client.post(f"{url}/validate", headers=scene.admin)
    assert problem(not_submitted, 409)["detail"] == (
        f"le bilan {scene.action}/2025 n'a pas été transmis (il est « Renvoyé pour correction »)"
    )
    resaved = client.put(url, json={**body, "budget_spent_investment": 15000}, headers=scene.env)
    assert resaved.json()["state"] == "draft"
    assert resaved.json()["review_comment"] == "Précisez le budget dépensé."  # still shown
    resubmitted = client.post(f"{url}/submit", headers=scene.env)
    assert (resubmitted.json()["state"], resubmitted.json()["review_comment"]) == ("submitted", "")
    assert public_reads(client, scene) == public

    validated = client.post(f"{url}/validate", headers=scene.admin)
    assert validated.status_code == 200, validated.text
    published = validated.json()
    assert (published["progress"], published["status"], published["comment"]) == (
        35.5,
        "delayed",
        "Brouillon confidentiel",
    )
    assert (published["budget_spent_investment"], published["reported_by"]) == (15000, "env-editor")
    assert problem(client.get(url, headers=scene.env), 404)["detail"] == (
        f"aucun bilan 2025 en attente pour {scene.action}"
    )

    # Published: the report, the status rule, the milestones, the indicator value, the feed.
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2025").json()["progress"] == 35.5
    assert client.get(f"/api/v1/actions/{scene.action}").json()["status"] == "delayed"
    milestones = client.get(f"/api/v1/actions/{scene.action}/milestones").json()["items"]
    assert sorted(
        (m["title"], m["done"], m["achieved_on"], m["planned_on"]) for m in milestones
    ) == [
        ("Appel d'offres", False, None, "2026-02-01"),
        ("Étude de potentiel", True, "2025-05-20", None),
    ]
    values = client.get(f"/api/v1/indicators/{scene.indicator}").json()["values"]
    assert [(v["year"], v["value"]) for v in values] == [(2025, 41.2)]
    assert b"Brouillon confidentiel" in client.get("/api/v1/open-data/progress.csv").content
    changes = client.get("/api/v1/changes?limit=1000").json()["items"]
    assert ("progress_report", f"{scene.action}/2025") in {
        (c["entity"], c["code"]) for c in changes
    }
    assert not [c for c in changes if c["entity"] == PENDING_REPORT_ENTITY]

    key = f"{scene.action}/2025"
    assert audit_steps(scene) == [
        (key, "create", "draft", "env-editor"),
        (key, "update", "draft", "env-editor"),
        (key, "update", "submitted", "env-editor"),
        (key, "update", "sent_back", "admin"),
        (key, "update", "draft", "env-editor"),
        (key, "update", "submitted", "env-editor"),
        (key, "update", "validated", "admin"),
    ]
    with make.session_on(scene.url) as session:
        assert session.exec(select(PendingReport)).all() == []
        written = session.exec(
            select(AuditEntry.entity, AuditEntry.actor_name)
            .where(col(AuditEntry.entity).in_(["progress_report", "milestone", "indicator_value"]))
            .where(col(AuditEntry.actor_name) == "admin")
        ).all()
    assert sorted(written) == [
        ("indicator_value", "admin"),
        ("milestone", "admin"),
        ("milestone", "admin"),
        ("progress_report", "admin"),
    ]


def test_an_editor_token_write_of_a_report_is_filed_for_validation(
    client: TestClient, scene: Scene
) -> None:
    open_campaign(client, scene)
    report = f"/api/v1/actions/{scene.action}/progress/2025"
    public = public_reads(client, scene)

    missing = client.patch(report, json={"progress": 20}, headers=scene.env)
    assert problem(missing, 404)["detail"] == f"Bilan annuel « {scene.action}/2025 » introuvable."
    filed = client.put(report, json={"progress": 20, "comment": "Par l'API"}, headers=scene.env)
    assert filed.status_code == 202, filed.text
    assert filed.headers["Cache-Control"] == "private, no-store"
    assert filed.headers["ETag"] == '"1"'
    assert (filed.json()["state"], filed.json()["progress"], filed.json()["status"]) == (
        "submitted",
        20,
        "planned",  # the trackable's status, as a PUT defaults it
    )
    assert public_reads(client, scene) == public
    assert problem(client.get(report), 404)

    # Again, over the pending report: its version is the one If-Match names.
    assert (
        client.patch(
            report, json={"progress": 25}, headers={**scene.env, "If-Match": '"2"'}
        ).status_code
        == 412
    )
    patched = client.patch(report, json={"progress": 25}, headers={**scene.env, "If-Match": '"1"'})
    assert patched.status_code == 202, patched.text
    assert (patched.json()["progress"], patched.json()["comment"]) == (25, "Par l'API")
    assert client.post(f"{report}/pending/validate", headers=scene.admin).status_code == 200

    # A published report: the editor's PATCH starts from it, If-Match names its version.
    published = client.get(report)
    assert published.json()["progress"] == 25
    version = published.headers["ETag"]
    stale = client.patch(report, json={"progress": 30}, headers={**scene.env, "If-Match": '"7"'})
    assert problem(stale, 412)["current_version"] == 1
    changed = client.patch(
        report, json={"progress": 30}, headers={**scene.env, "If-Match": version}
    )
    assert changed.status_code == 202, changed.text
    assert (changed.json()["progress"], changed.json()["comment"]) == (30, "Par l'API")
    assert client.get(report).json()["progress"] == 25  # still the published one

    # An admin's write publishes at once, as before.
    admin = client.put(
        f"/api/v1/flagship-projects/{scene.flagship}/progress/2025",
        json={"progress": 60, "status": "in_progress"},
        headers=scene.admin,
    )
    assert admin.status_code == 201, admin.text
    assert admin.json()["reported_by"] == "admin"
    project = client.get(f"/api/v1/flagship-projects/{scene.flagship}").json()
    assert project["status"] == "in_progress"


def test_outside_its_campaign_an_editor_writes_nothing(client: TestClient, scene: Scene) -> None:
    url, report = pending_url(scene), f"/api/v1/actions/{scene.action}/progress/2025"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PUT", url, report_body()),
        ("PUT", report, {"progress": 10}),
    ]
    before = snapshot(scene.url)
    for method, path, body in calls:
        refused = client.request(method, path, json=body, headers=scene.env)
        assert problem(refused, 409)["detail"] == "aucune campagne de bilan n'est ouverte pour 2025"
    assert snapshot(scene.url) == before
    open_campaign(client, scene, 2026)
    before = snapshot(scene.url)
    for method, path, body in calls:
        refused = client.request(method, path, json=body, headers=scene.env)
        assert problem(refused, 409)["detail"] == "aucune campagne de bilan n'est ouverte pour 2025"
    assert snapshot(scene.url) == before
    # An admin writes any year, at any time.
    assert client.put(url, json=report_body(), headers=scene.admin).status_code == 201


def test_an_editor_acts_on_what_its_directorates_lead(client: TestClient, scene: Scene) -> None:
    open_campaign(client, scene)
    with make.session_on(scene.url) as session:
        make.pending_report(session, trackable=trackable(session, scene.dev_action))
        session.commit()
    before = snapshot(scene.url)
    for code in (scene.dev_action, scene.orphan):
        url = pending_url(scene, code)
        for method, path, body, verb in (
            ("GET", url, None, "consulter le bilan en attente de"),
            ("PUT", url, report_body(), "modifier"),
            ("POST", f"{url}/submit", None, "modifier"),
            ("PUT", f"/api/v1/actions/{code}/progress/2025", {"progress": 5}, "modifier"),
        ):
            refused = client.request(method, path, json=body, headers=scene.env)
            assert problem(refused, 403, "forbidden")["detail"] == (
                f"Le jeton « env-editor » ne peut pas {verb} {code} : la direction qui le pilote "
                "n'est pas ENV."
            ), (method, path)
    assert snapshot(scene.url) == before
    unknown = client.get(pending_url(scene, "E9.9.9"), headers=scene.env)
    assert problem(unknown, 404)["detail"] == "Action « E9.9.9 » introuvable."


def test_bad_values_are_refused_with_nothing_written(client: TestClient, scene: Scene) -> None:
    open_campaign(client, scene)
    url = pending_url(scene)
    before = snapshot(scene.url)
    milestone = {"title": "Chantier"}
    for body, loc, detail in (
        (report_body(progress=101), ["body", "progress"], None),
        (report_body(progress=-1), ["body", "progress"], None),
        (report_body(status="sleeping"), ["body", "status"], None),
        (report_body(budget_spent_operating=-5), ["body", "budget_spent_operating"], None),
        (
            report_body(milestones=[{**milestone, "planned_on": "2045-01-01"}]),
            ["body", "milestones", 0, "planned_on"],
            None,
        ),
        (
            report_body(milestones=[{**milestone, "achieved_on": "2023-12-31"}]),
            ["body", "milestones", 0, "achieved_on"],
            None,
        ),
        (
            report_body(milestones=[{**milestone, "id": scene.dev_milestone}]),
            ["body", "milestones", 0, "id"],
            f"le jalon {scene.dev_milestone} n'est pas un jalon de {scene.action}",
        ),
        (
            report_body(milestones=[{**milestone, "id": 999999}]),
            ["body", "milestones", 0, "id"],
            f"le jalon 999999 n'est pas un jalon de {scene.action}",
        ),
        (
            report_body(
                milestones=[
                    {**milestone, "id": scene.milestone},
                    {**milestone, "id": scene.milestone},
                ]
            ),
            ["body", "milestones", 1, "id"],
            f"le jalon {scene.milestone} figure deux fois dans le bilan",
        ),
        (
            report_body(indicator_values={scene.other_indicator: 3}),
            ["body", "indicator_values", scene.other_indicator],
            f"l'indicateur « {scene.other_indicator} » n'est pas rattaché à {scene.action}",
        ),
        (
            report_body(indicator_values={"IND-NOPE": 3}),
            ["body", "indicator_values", "IND-NOPE"],
            f"l'indicateur « IND-NOPE » n'est pas rattaché à {scene.action}",
        ),
        (report_body(milestones=[{"title": " "}]), ["body", "milestones", 0, "title"], None),
        (report_body(reviewed_by="moi"), ["body", "reviewed_by"], None),
    ):
        errors = field_errors(client.put(url, json=body, headers=scene.env))
        assert [e["loc"] for e in errors] == [loc], (body, errors)
        if detail is not None:
            assert errors[0]["detail"] == detail
    too_much = client.put(
        f"/api/v1/actions/{scene.action}/progress/2025", json={"progress": 100.5}, headers=scene.env
    )
    assert field_errors(too_much)[0]["loc"] == ["body", "progress"]
    empty = client.post(f"{url}/send-back", json={"comment": "  "}, headers=scene.admin)
    assert field_errors(empty)[0]["loc"] == ["body", "comment"]
    assert snapshot(scene.url) == before


def test_the_steps_an_admin_takes_need_a_submitted_report(client: TestClient, scene: Scene) -> None:
    open_campaign(client, scene)
    url = pending_url(scene, scene.flagship)
    nothing = client.post(f"{url}/submit", headers=scene.env)
    assert problem(nothing, 404)["detail"] == f"aucun bilan 2025 en attente pour {scene.flagship}"
    assert problem(client.post(f"{url}/validate", headers=scene.admin), 404)
    client.put(url, json=report_body(), headers=scene.env)
    for step, body in (("validate", None), ("send-back", {"comment": "Non"})):
        refused = client.post(f"{url}/{step}", json=body, headers=scene.admin)
        assert problem(refused, 409)["detail"] == (
            f"le bilan {scene.flagship}/2025 n'a pas été transmis (il est « Brouillon »)"
        )
    client.post(f"{url}/submit", headers=scene.env)
    stale = client.post(f"{url}/validate", headers={**scene.admin, "If-Match": '"1"'})
    assert problem(stale, 412)["current_version"] == 2


def test_validation_publishes_a_milestone_deleted_meanwhile_as_a_new_one(
    client: TestClient, scene: Scene
) -> None:
    open_campaign(client, scene)
    url = pending_url(scene)
    body = report_body(
        status="completed",
        milestones=[{"id": scene.milestone, "title": "Étude rendue", "done": True}],
    )
    assert client.put(url, json=body, headers=scene.env).status_code == 201
    client.post(f"{url}/submit", headers=scene.env)
    assert (
        client.delete(f"/api/v1/milestones/{scene.milestone}", headers=scene.admin).status_code
        == 204
    )
    assert client.post(f"{url}/validate", headers=scene.admin).status_code == 200
    with make.session_on(scene.url) as session:
        action = trackable(session, scene.action)
        rows = session.exec(select(Milestone).where(col(Milestone.trackable_id) == action.id)).all()
        assert [(m.title, m.done) for m in rows] == [("Étude rendue", True)]
        assert rows[0].id != scene.milestone
        assert session.get(Trackable, action.id).status == "completed"  # type: ignore[union-attr]
        assert session.exec(select(IndicatorValue)).all() == []


def test_an_admin_s_direct_publication_ends_the_year_s_pending_report(
    client: TestClient, scene: Scene
) -> None:
    """An admin's PUT, or an admin's import, of a year's report is that year's report: the
    editors' draft or submitted report of the same trackable and year is ended (deleted, its
    content in the audit trail), so that "Mes actions" shows it validated and no later
    validation can put the older content back. Other years and trackables keep theirs."""
    open_campaign(client, scene)
    draft = client.put(
        pending_url(scene), json=report_body(comment="Brouillon ENV"), headers=scene.env
    )
    assert draft.status_code == 201, draft.text
    flagship = client.put(pending_url(scene, scene.flagship), json=report_body(), headers=scene.env)
    assert flagship.status_code == 201, flagship.text
    assert client.post(f"{pending_url(scene, scene.flagship)}/submit", headers=scene.env)
    kept = client.put(pending_url(scene, scene.dev_action), json=report_body(), headers=scene.dev)
    assert kept.status_code == 201, kept.text

    published = client.put(
        f"/api/v1/actions/{scene.action}/progress/2025",
        json={"progress": 70, "status": "in_progress", "comment": "Par l'équipe de pilotage"},
        headers=scene.admin,
    )
    assert published.status_code == 201, published.text
    assert problem(client.get(pending_url(scene), headers=scene.admin), 404)
    states = {
        line["trackable_code"]: line["state"]
        for line in client.get("/api/v1/pending-reports?year=2025", headers=scene.admin).json()[
            "items"
        ]
    }
    assert states == {scene.flagship: "submitted", scene.dev_action: "draft"}
    ended = [step for step in audit_steps(scene) if step[0] == f"{scene.action}/2025"]
    assert ended[-1] == (f"{scene.action}/2025", "delete", None, "admin")
    with make.session_on(scene.url) as session:
        entry = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.entity) == PENDING_REPORT_ENTITY)
            .order_by(col(AuditEntry.id).desc())
        ).first()
        assert entry is not None and entry.before is not None
        assert (entry.before["comment"], entry.before["state"]) == ("Brouillon ENV", "draft")

    # An admin's import of the flagship project's 2025 (and of the DEV action's 2024): the
    # submitted report of the flagship project is ended, the DEV draft of 2025 is kept.
    body = (
        "trackable_code;year;progress;status\n"
        f"{scene.flagship};2025;55;En cours\n"
        f"{scene.dev_action};2024;10;En cours\n"
    )
    dry = client.post(
        "/api/v1/progress/import?dry_run=true",
        content=body.encode(),
        headers={**scene.admin, "Content-Type": "text/csv"},
    )
    assert dry.status_code == 200, dry.text
    assert client.get(pending_url(scene, scene.flagship), headers=scene.admin).status_code == 200
    imported = client.post(
        "/api/v1/progress/import",
        content=body.encode(),
        headers={**scene.admin, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert problem(client.get(pending_url(scene, scene.flagship), headers=scene.admin), 404)
    assert client.get(pending_url(scene, scene.dev_action), headers=scene.dev).status_code == 200
    public = client.get(f"/api/v1/flagship-projects/{scene.flagship}/progress/2025").json()
    assert public["progress"] == 55
