"""Campaigns (app.campaigns.campaigns and /api/v1/campaigns): one open at a time, once a year,
deadline bounds, If-Match, where each trackable stands, the frozen snapshot and its export
campaign_{year}.csv, and /dashboard/reporting reading the same states."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.models import AuditEntry, CampaignSnapshot, ReportState, Status
from app.models.campaigns import CAMPAIGN_ENTITY
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


def test_one_campaign_open_at_a_time_and_once_a_year(client: TestClient, scene: Scene) -> None:
    opened = open_campaign(client, scene, message="Bilan 2025 : merci de remplir avant mars.")
    assert opened["year"] == 2025 and opened["open"] is True and opened["closed_at"] is None
    assert opened["message"] == "Bilan 2025 : merci de remplir avant mars."
    assert (opened["deadline"], opened["version"]) == ("2026-03-31", 1)
    read = client.get("/api/v1/campaigns/2025")
    assert read.status_code == 200 and read.json() == opened
    assert read.headers["ETag"].startswith('"1.')

    before = snapshot(scene.url)
    second = client.post(
        "/api/v1/campaigns", json={"year": 2026, "deadline": "2027-03-31"}, headers=scene.admin
    )
    assert problem(second, 409, "conflict")["detail"] == (
        "la campagne 2025 est encore ouverte : clôturez-la avant d'en ouvrir une autre"
    )
    assert snapshot(scene.url) == before

    closed = client.post("/api/v1/campaigns/2025/close", headers=scene.admin)
    assert closed.status_code == 200, closed.text
    assert closed.json()["open"] is False and closed.json()["closed_at"] is not None
    again = client.post("/api/v1/campaigns/2025/close", headers=scene.admin)
    assert problem(again, 409)["detail"] == "la campagne 2025 est déjà close"
    held = client.post(
        "/api/v1/campaigns", json={"year": 2025, "deadline": "2026-03-31"}, headers=scene.admin
    )
    assert problem(held, 409)["detail"] == "la campagne 2025 a déjà eu lieu"

    open_campaign(client, scene, 2026)
    listed = client.get("/api/v1/campaigns").json()
    assert [(c["year"], c["open"]) for c in listed] == [(2026, True), (2025, False)]
    missing = client.get("/api/v1/campaigns/2030")
    assert problem(missing, 404, "not-found")["detail"] == "aucune campagne pour l'année 2030"

    with make.session_on(scene.url) as session:
        entries = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.entity) == CAMPAIGN_ENTITY)
            .order_by(col(AuditEntry.id))
        ).all()
    assert [(e.entity_key, e.action.value, e.actor_name) for e in entries] == [
        ("2025", "create", "admin"),
        ("2025", "update", "admin"),
        ("2026", "create", "admin"),
    ]
    assert entries[1].after is not None and entries[1].after["open"] is False


def test_the_deadline_falls_within_the_year_and_the_two_after(
    client: TestClient, scene: Scene
) -> None:
    before = snapshot(scene.url)
    for deadline in ("2024-12-31", "2028-01-01"):
        response = client.post(
            "/api/v1/campaigns", json={"year": 2025, "deadline": deadline}, headers=scene.admin
        )
        (error,) = field_errors(response)
        assert error["loc"] == ["body", "deadline"]
        assert error["detail"] == (
            "l'échéance doit tomber entre le 1er janvier 2025 et le 31 décembre 2027"
        )
    for body in (
        {"year": 2045, "deadline": "2045-06-30"},
        {"year": 2025, "deadline": "31/03/2026"},
        {"year": 2025},
        {"year": 2025, "deadline": "2026-03-31", "opened_by": "moi"},
    ):
        response = client.post("/api/v1/campaigns", json=body, headers=scene.admin)
        assert field_errors(response), body
    assert snapshot(scene.url) == before

    open_campaign(client, scene, deadline="2025-01-01")
    late = client.patch(
        "/api/v1/campaigns/2025", json={"deadline": "2027-12-31"}, headers=scene.admin
    )
    assert late.status_code == 200 and late.json()["deadline"] == "2027-12-31"
    too_late = client.patch(
        "/api/v1/campaigns/2025", json={"deadline": "2028-01-01"}, headers=scene.admin
    )
    assert field_errors(too_late)[0]["loc"] == ["body", "deadline"]
    assert client.get("/api/v1/campaigns/2025").json()["deadline"] == "2027-12-31"


def test_a_change_names_the_version_it_read(client: TestClient, scene: Scene) -> None:
    open_campaign(client, scene)
    changed = client.patch(
        "/api/v1/campaigns/2025",
        json={"message": "Rappel : échéance repoussée."},
        headers={**scene.admin, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.headers["ETag"] == '"2"'
    assert changed.json()["deadline"] == "2026-03-31"  # unchanged: not sent

    before = snapshot(scene.url)
    for method, url, body in (
        ("PATCH", "/api/v1/campaigns/2025", {"message": "Autre"}),
        ("POST", "/api/v1/campaigns/2025/close", None),
    ):
        stale = client.request(method, url, json=body, headers={**scene.admin, "If-Match": '"1"'})
        refusal = problem(stale, 412, "precondition-failed")
        assert refusal["current_version"] == 2
        assert refusal["detail"].startswith("La campagne 2025 a été modifié entre-temps")
    assert snapshot(scene.url) == before

    client.post("/api/v1/campaigns/2025/close", headers={**scene.admin, "If-Match": '"2"'})
    late = client.patch("/api/v1/campaigns/2025", json={"message": "x"}, headers=scene.admin)
    assert problem(late, 409)["detail"] == "la campagne 2025 est close"


def states(items: list[dict[str, Any]]) -> dict[str, int]:
    return {item["state"]: item["count"] for item in items if item["count"]}


def test_where_each_trackable_stands(client: TestClient, scene: Scene) -> None:
    """Validated (published), draft, submitted, sent back, to do: overall and per lead
    directorate, and the same in /dashboard/reporting. Archived and abandoned trackables are
    not expected."""
    with make.session_on(scene.url) as session:
        action, flagship, dev_action, orphan = (
            trackable(session, code)
            for code in (scene.action, scene.flagship, scene.dev_action, scene.orphan)
        )
        make.report(session, trackable=action, year=2025)
        make.report(session, trackable=orphan, year=2024)  # another year: still to do in 2025
        make.pending_report(session, trackable=flagship, state=ReportState.draft)
        make.pending_report(session, trackable=dev_action, state=ReportState.sent_back)
        make.action(session, status=Status.abandoned)  # not expected
        session.commit()
    campaign = open_campaign(client, scene)
    assert campaign["expected"] == 4
    assert states(campaign["states"]) == {"validated": 1, "draft": 1, "sent_back": 1, "to_do": 1}
    assert [
        (d["code"], d["name"], d["expected"], states(d["states"])) for d in campaign["directorates"]
    ] == [
        ("DEV", "Direction du développement économique", 1, {"sent_back": 1}),
        ("ENV", "Direction de l'environnement", 2, {"validated": 1, "draft": 1}),
        (None, "Sans direction pilote", 1, {"to_do": 1}),
    ]
    labels = {item["state"]: item["label"] for item in campaign["states"]}
    assert labels == {
        "to_do": "À faire",
        "draft": "Brouillon",
        "submitted": "Transmis",
        "sent_back": "Renvoyé pour correction",
        "validated": "Validé",
    }

    reporting = client.get("/api/v1/dashboard/reporting", params={"year": 2025}).json()
    assert (reporting["expected"], reporting["reported"], reporting["missing"]) == (4, 1, 3)
    assert states(reporting["states"]) == states(campaign["states"])
    assert [
        (d["code"], [(m["code"], m["state"], m["state_label"]) for m in d["missing"]])
        for d in reporting["directorates"]
    ] == [
        ("DEV", [(scene.dev_action, "sent_back", "Renvoyé pour correction")]),
        ("ENV", [(scene.flagship, "draft", "Brouillon")]),
        (None, [(scene.orphan, "to_do", "À faire")]),
    ]
    assert states(reporting["directorates"][1]["states"]) == {"validated": 1, "draft": 1}

    # The editor submits the draft: the counts follow.
    response = client.post(
        f"/api/v1/flagship-projects/{scene.flagship}/progress/2025/pending/submit",
        headers=scene.env,
    )
    assert response.status_code == 200, response.text
    after = client.get("/api/v1/campaigns/2025").json()
    assert states(after["states"]) == {"validated": 1, "submitted": 1, "sent_back": 1, "to_do": 1}


def test_closing_freezes_the_published_reports(client: TestClient, scene: Scene) -> None:
    with make.session_on(scene.url) as session:
        action = trackable(session, scene.action)
        flagship = trackable(session, scene.flagship)
        make.report(
            session,
            trackable=action,
            year=2025,
            progress=33.5,
            status=Status.in_progress,
            comment="Étude livrée",
            budget_planned_investment=120000.0,
            budget_spent_operating=1234.56,
        )
        make.report(session, trackable=action, year=2024, progress=10)  # another year
        make.pending_report(session, trackable=flagship, state=ReportState.submitted)
        session.commit()
    open_campaign(client, scene)
    early = client.get("/api/v1/campaigns/2025/snapshot")
    assert problem(early, 409)["detail"] == (
        "la campagne 2025 est encore ouverte : ses bilans seront figés à sa clôture"
    )
    assert problem(client.get("/api/v1/campaigns/2025/snapshot.csv"), 409)
    assert problem(client.get("/api/v1/campaigns/2031/snapshot"), 404)

    assert client.post("/api/v1/campaigns/2025/close", headers=scene.admin).status_code == 200
    frozen = client.get("/api/v1/campaigns/2025/snapshot")
    assert frozen.status_code == 200
    (row,) = frozen.json()
    assert row["trackable_code"] == scene.action and row["kind"] == "action"
    assert (row["title"], row["lead_directorate"]) == ("Action de test", "ENV")
    assert (row["progress"], row["status"], row["status_label"]) == (
        33.5,
        "in_progress",
        "En cours",
    )
    assert (row["comment"], row["budget_planned_investment"]) == ("Étude livrée", 120000.0)
    assert (row["budget_spent_operating"], row["budget_spent_investment"]) == (1234.56, None)
    csv_before = client.get("/api/v1/campaigns/2025/snapshot.csv").content

    # Later edits, by an admin (allowed and audited), leave the snapshot as it was: a change of
    # the published report, and the validation of the report still pending.
    edited = client.put(
        f"/api/v1/actions/{scene.action}/progress/2025",
        json={"progress": 90, "status": "completed", "comment": "Corrigé après clôture"},
        headers=scene.admin,
    )
    assert edited.status_code == 200 and edited.json()["progress"] == 90
    validated = client.post(
        f"/api/v1/flagship-projects/{scene.flagship}/progress/2025/pending/validate",
        headers=scene.admin,
    )
    assert validated.status_code == 200, validated.text
    assert client.get("/api/v1/campaigns/2025/snapshot").json() == frozen.json()
    assert client.get("/api/v1/campaigns/2025/snapshot.csv").content == csv_before
    with make.session_on(scene.url) as session:
        rows = session.exec(select(CampaignSnapshot)).all()
    assert [(r.trackable_code, r.progress, r.comment) for r in rows] == [
        (scene.action, 33.5, "Étude livrée")
    ]
    # The admin's edit is in the history (then the status rule's change of the action).
    history = client.get(f"/api/v1/actions/{scene.action}/history").json()["items"]
    assert [(e["entity"], e["entity_key"], e["actor_role"]) for e in history[:2]] == [
        ("action", scene.action, "admin"),
        ("progress_report", f"{scene.action}/2025", "admin"),
    ]


def test_the_export_opens_in_a_spreadsheet_set_to_french(client: TestClient, scene: Scene) -> None:
    with make.session_on(scene.url) as session:
        make.report(
            session,
            trackable=trackable(session, scene.action),
            year=2025,
            progress=33.5,
            status=Status.delayed,
            comment='=HYPERLINK("http://x") ; deux lignes\net « guillemets »',
            budget_planned_investment=0.00001,
            budget_spent_operating=1234.56,
        )
        make.report(
            session,
            trackable=trackable(session, scene.flagship),
            year=2025,
            progress=100,
            status=Status.completed,
            comment="-10 % de dépenses",
        )
        session.commit()
    open_campaign(client, scene)
    client.post("/api/v1/campaigns/2025/close", headers=scene.admin)

    response = client.get("/api/v1/campaigns/2025/snapshot.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="campaign_2025.csv"'
    assert response.content.startswith(b"\xef\xbb\xbfCode;Type;Intitul\xc3\xa9;")
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert header == [
        "Code",
        "Type",
        "Intitulé",
        "Direction pilote",
        "Avancement (%)",
        "Statut",
        "Commentaire",
        "Budget prévu, investissement (€)",
        "Budget prévu, fonctionnement (€)",
        "Budget dépensé, investissement (€)",
        "Budget dépensé, fonctionnement (€)",
        "Bilan enregistré le (UTC)",
        "Figé le (UTC)",
    ]
    action, flagship = rows
    assert action[:7] == [
        scene.action,
        "Action",
        "Action de test",
        "ENV",
        "33,5",
        "En retard",
        '\'=HYPERLINK("http://x") ; deux lignes\net « guillemets »',
    ]
    assert action[7:11] == ["0,00001", "", "", "1234,56"]
    assert len(action[11]) == len("2025-01-01 10:00:00") and action[11][10] == " "
    assert flagship[:7] == [
        scene.flagship,
        "Projet phare",
        "Projet phare de test",
        "ENV",
        "100",
        "Réalisé",
        "'-10 % de dépenses",
    ]
    json_rows = client.get("/api/v1/campaigns/2025/snapshot").json()
    assert [r["trackable_code"] for r in json_rows] == [action[0], flagship[0]]


def test_a_pending_report_of_a_closed_year_waits_for_an_admin(
    client: TestClient, scene: Scene
) -> None:
    """Closing leaves pending reports pending: the editor can no longer touch them, the admin
    still validates or sends them back."""
    open_campaign(client, scene)
    url = f"/api/v1/actions/{scene.action}/progress/2025/pending"
    assert client.put(url, json=report_body(), headers=scene.env).status_code == 201
    client.post("/api/v1/campaigns/2025/close", headers=scene.admin)
    assert client.get(url, headers=scene.env).json()["state"] == "draft"
    before = snapshot(scene.url)
    for method, path, body in (("PUT", url, report_body()), ("POST", f"{url}/submit", None)):
        late = client.request(method, path, json=body, headers=scene.env)
        assert problem(late, 409)["detail"] == (
            "la campagne 2025 est close : le bilan 2025 ne peut plus être modifié que par "
            "l'équipe de pilotage"
        )
    assert snapshot(scene.url) == before
    assert client.post(f"{url}/submit", headers=scene.admin).status_code == 200
    assert client.post(f"{url}/validate", headers=scene.admin).status_code == 200
    assert client.get(f"/api/v1/actions/{scene.action}/progress/2025").json()["progress"] == 40
