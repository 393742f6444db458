"""The factories (tests/factories.py) make valid data that the API reads back, on an empty
migrated database, and write it as the app does (audit entries included)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import AuditEntry, Role, Status
from tests import factories as make
from tests.conftest import auth, make_client
from tests.helpers import problem


@pytest.fixture
def session(empty_db_url: str) -> Iterator[Session]:
    with make.session_on(empty_db_url) as session:
        yield session


@pytest.fixture
def api(empty_db_url: str) -> Iterator[TestClient]:
    with make_client(empty_db_url) as client:
        yield client


def test_the_tree_reads_what_the_factories_make(session: Session, api: TestClient) -> None:
    env = make.directorate(session, code="ENV", name="Environnement")
    engagement = make.engagement(session)
    axis = make.axis(session, engagement=engagement)
    first = make.action(
        session, axis=axis, lead=env, title="Isoler les écoles", status=Status.in_progress
    )
    second = make.action(session, axis=axis, weight=3.0)
    sub = make.action(session, parent=first)
    flagship = make.flagship_project(
        session, engagement=engagement, lead=env, actions=[first, second]
    )
    session.commit()
    codes = {t.code for t in (first, second, sub, flagship)}
    assert len(codes) == 4  # unique codes, generated

    action = api.get(f"/api/v1/actions/{first.code}").json()
    assert action["title"] == "Isoler les écoles"
    assert action["status"] == "in_progress"
    assert action["lead_directorate"] == "ENV"
    assert action["sub_actions"] == [{"code": sub.code, "title": sub.title}]
    assert [p["code"] for p in action["flagship_projects"]] == [flagship.code]
    assert api.get(f"/api/v1/actions/{second.code}").json()["weight"] == 3.0
    project = api.get(f"/api/v1/flagship-projects/{flagship.code}").json()
    assert [a["code"] for a in project["actions"]] == [first.code, second.code]
    assert project["lead_directorate"] == "ENV"

    tree = api.get("/api/v1/tree")
    assert tree.status_code == 200, tree.text
    (node,) = tree.json()["engagements"]
    assert node["code"] == engagement.code
    assert [a["code"] for a in node["axes"][0]["actions"]] == [first.code, second.code]
    assert [p["code"] for p in node["flagship_projects"]] == [flagship.code]
    assert api.get("/api/v1/plan").status_code == 200  # the minimal plan row
    assert [d["code"] for d in api.get("/api/v1/directorates").json()["items"]] == ["ENV"]


def test_independent_calls_make_separate_engagements(session: Session, api: TestClient) -> None:
    make.action(session)
    make.action(session)
    make.flagship_project(session)
    session.commit()
    engagements = api.get("/api/v1/engagements").json()["items"]
    assert [e["code"] for e in engagements] == ["E1", "E2", "E3"]


def test_reports_milestones_and_values_are_written_with_their_audit_entries(
    session: Session, api: TestClient
) -> None:
    action = make.action(session, status=Status.delayed)
    make.report(session, trackable=action, year=2024, progress=10.0)
    make.report(
        session,
        trackable=action,
        progress=40.0,
        status=Status.in_progress,
        budget_planned_investment=1000.0,
        budget_spent_operating=250.0,
    )
    step = make.milestone(session, trackable=action, title="Étude", done=True)
    indicator = make.indicator(
        session, measures=[action], unit="%", baseline=(2019, 5.0), targets=[(2030, 50.0)]
    )
    make.indicator_value(session, indicator=indicator, year=2025, value=12.5)
    session.commit()  # the revision contract holds: each write has its audit entry

    reports = api.get(f"/api/v1/actions/{action.code}/progress").json()
    assert [(r["year"], r["progress"], r["status"]) for r in reports] == [
        (2024, 10.0, "delayed"),  # the trackable's status by default
        (2025, 40.0, "in_progress"),
    ]
    assert (reports[1]["budget_planned"], reports[1]["budget_spent"]) == (1000.0, 250.0)
    assert api.get(f"/api/v1/actions/{action.code}").json()["progress"] == 40.0

    milestones = api.get(f"/api/v1/actions/{action.code}/milestones").json()["items"]
    assert [(m["id"], m["title"], m["done"]) for m in milestones] == [(step.id, "Étude", True)]

    detail = api.get(f"/api/v1/indicators/{indicator.code}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["unit"] == "%"
    assert [(v["year"], v["value"]) for v in body["values"]] == [(2025, 12.5)]

    entities = session.exec(select(AuditEntry.entity).order_by(col(AuditEntry.id))).all()
    assert entities.count("progress_report") == 2
    assert {"action", "axis", "milestone", "indicator", "indicator_value"} <= set(entities)


def test_tokens_carry_their_role_and_directorates(session: Session, api: TestClient) -> None:
    env = make.directorate(session)
    mine = make.action(session, lead=env)
    other = make.action(session, lead=make.directorate(session))
    admin = make.token(session, role=Role.admin)
    editor = make.token(session, directorates=[env], name="env-editor")
    stranger = make.token(session)  # an editor of a directorate of its own
    session.commit()

    body = {"status": "in_progress"}
    assert api.patch(f"/api/v1/actions/{mine.code}", json=body, headers=auth(editor)).is_success
    refused = api.patch(f"/api/v1/actions/{other.code}", json=body, headers=auth(editor))
    assert "env-editor" in problem(refused, 403)["detail"]
    assert (
        api.patch(f"/api/v1/actions/{mine.code}", json=body, headers=auth(stranger)).status_code
        == 403
    )
    assert api.patch(f"/api/v1/actions/{other.code}", json=body, headers=auth(admin)).is_success


def test_communes_get_free_insee_codes(session: Session, api: TestClient) -> None:
    make.commune(session, insee_code="59001", name="Première")
    second = make.commune(session)  # 59001 is taken: the next one
    session.commit()
    assert second.insee_code == "59002"
    communes = api.get("/api/v1/communes").json()["items"]
    assert [(c["insee_code"], c["name"]) for c in communes] == [
        ("59001", "Première"),
        ("59002", "Commune 59002"),
    ]


def test_leads_makes_two_directorates_their_actions_and_every_kind_of_token(
    session: Session, api: TestClient
) -> None:
    scene = make.leads(session)
    session.commit()
    (engagement,) = api.get("/api/v1/tree").json()["engagements"]
    assert engagement["code"] == scene.engagement
    assert [(a["code"], [x["code"] for x in a["actions"]]) for a in engagement["axes"]] == [
        (scene.axis, [scene.sibling, scene.action]),
        (scene.other_axis, [scene.dev_action]),
    ]
    assert [p["code"] for p in engagement["flagship_projects"]] == [scene.flagship]
    leads = {
        code: api.get(path).json()["lead_directorate"]
        for code, path in (
            (scene.sibling, f"/api/v1/actions/{scene.sibling}"),
            (scene.action, f"/api/v1/actions/{scene.action}"),
            (scene.dev_action, f"/api/v1/actions/{scene.dev_action}"),
            (scene.flagship, f"/api/v1/flagship-projects/{scene.flagship}"),
        )
    }
    assert leads == {
        scene.sibling: None,
        scene.action: "ENV",
        scene.dev_action: "DEV",
        scene.flagship: "ENV",
    }

    body, keys = {"status": "in_progress"}, scene.keys
    for token, code, status in (
        (keys.env, scene.action, 200),
        (keys.env, scene.dev_action, 403),
        (keys.dev, scene.dev_action, 200),
        (keys.admin, scene.sibling, 200),
        (keys.revoked, scene.sibling, 401),
    ):
        response = api.patch(f"/api/v1/actions/{code}", json=body, headers=auth(token))
        assert response.status_code == status, (code, response.text)
