"""The campaigns' API beyond the flows: the list of pending reports (who sees what, its filters),
answers about pending reports never cached, and a fixed number of queries for the lists."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.models import ReportState
from tests import factories as make
from tests.campaigns.scene import Scene, db_url, open_campaign, report_body, scene, trackable
from tests.conftest import QueryCounter
from tests.helpers import field_errors, problem

__all__ = ["db_url", "scene"]


def test_who_sees_which_pending_reports(client: TestClient, scene: Scene) -> None:
    with make.session_on(scene.url) as session:
        action, flagship, dev_action, orphan = (
            trackable(session, code)
            for code in (scene.action, scene.flagship, scene.dev_action, scene.orphan)
        )
        make.pending_report(session, trackable=action, year=2024, state=ReportState.submitted)
        make.pending_report(session, trackable=action, year=2025)
        make.pending_report(session, trackable=flagship, state=ReportState.sent_back)
        make.pending_report(session, trackable=dev_action, state=ReportState.submitted)
        make.pending_report(session, trackable=orphan)
        session.commit()

    def listed(headers: dict[str, str], **params: object) -> list[tuple[str, int, str]]:
        response = client.get("/api/v1/pending-reports", params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "private, no-store"
        page = response.json()
        assert page["total"] == len(page["items"])
        return [(r["trackable_code"], r["year"], r["state"]) for r in page["items"]]

    assert listed(scene.env) == [
        (scene.action, 2024, "submitted"),
        (scene.action, 2025, "draft"),
        (scene.flagship, 2025, "sent_back"),
    ]
    assert listed(scene.dev) == [(scene.dev_action, 2025, "submitted")]
    assert len(listed(scene.admin)) == 5
    assert listed(scene.admin, year=2025, state="submitted") == [
        (scene.dev_action, 2025, "submitted")
    ]
    assert listed(scene.env, year=2024) == [(scene.action, 2024, "submitted")]
    paged = client.get("/api/v1/pending-reports?limit=2&offset=1", headers=scene.admin).json()
    assert (paged["total"], len(paged["items"]), paged["offset"]) == (5, 2, 1)

    for params in ({"state": "validated"}, {"year": 2023}, {"year": "2025a"}, {"limit": 0}):
        response = client.get("/api/v1/pending-reports", params=params, headers=scene.admin)
        assert field_errors(response), params
    anonymous = client.get("/api/v1/pending-reports")
    assert problem(anonymous, 401, "unauthorized")["detail"] == (
        "Cette opération demande un jeton : Authorization: Bearer <jeton>."
    )
    revoked = client.get("/api/v1/pending-reports", headers={"Authorization": "Bearer bsl_x"})
    assert problem(revoked, 401)["detail"] == "Jeton invalide ou révoqué."


def test_answers_about_pending_reports_are_never_cached(client: TestClient, scene: Scene) -> None:
    """Not stored, and no revision validator: an If-None-Match naming the current revision does
    not get a 304 in place of the 401 (nor of the report)."""
    open_campaign(client, scene)
    url = f"/api/v1/actions/{scene.action}/progress/2025/pending"
    client.put(url, json=report_body(), headers=scene.env)
    revision_tag = client.get("/api/v1/campaigns").headers["ETag"]
    for path in (url, "/api/v1/pending-reports"):
        for headers in ({}, {"If-None-Match": revision_tag}):
            anonymous = client.get(path, headers=headers)
            assert anonymous.status_code == 401, (path, headers)
            assert anonymous.headers["Cache-Control"] == "private, no-store"
        read = client.get(path, headers={**scene.env, "If-None-Match": revision_tag})
        assert read.status_code == 200
        assert read.headers["Cache-Control"] == "private, no-store"
        assert "Last-Modified" not in read.headers
    assert client.get(url, headers=scene.env).headers["ETag"] == '"1"'
    # The campaign itself is public, and cached like the rest of the API.
    public = client.get("/api/v1/campaigns/2025")
    assert public.headers["Cache-Control"] == "public, no-cache"
    again = client.get("/api/v1/campaigns/2025", headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 304


def count_queries(client: TestClient, path: str, headers: dict[str, str]) -> int:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    counter = QueryCounter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def test_the_lists_take_a_fixed_number_of_queries(client: TestClient, scene: Scene) -> None:
    """2 then 22 pending reports, 2 then 3 campaigns, a snapshot of 2 then of 22 reports."""

    def paths(frozen: int) -> list[tuple[str, dict[str, str]]]:
        return [
            ("/api/v1/campaigns", {}),
            ("/api/v1/campaigns/2025", {}),
            (f"/api/v1/campaigns/{frozen}/snapshot", {}),
            (f"/api/v1/campaigns/{frozen}/snapshot.csv", {}),
            ("/api/v1/dashboard/reporting?year=2025", {}),
            ("/api/v1/pending-reports?limit=200", scene.admin),
            ("/api/v1/pending-reports?limit=200", scene.env),
        ]

    def grow(count: int, published: int) -> None:
        """``count`` actions of ENV, with a report of ``published`` and a pending one of 2026."""
        with make.session_on(scene.url) as session:
            env = make.directorate(session, code=f"ENV{count}")
            for _ in range(count):
                action = make.action(session, lead=env)
                make.report(session, trackable=action, year=published)
                make.pending_report(session, trackable=action, year=2026)
            session.commit()

    open_campaign(client, scene, 2024)
    grow(2, 2024)
    client.post("/api/v1/campaigns/2024/close", headers=scene.admin)
    open_campaign(client, scene, 2025)
    small = [count_queries(client, path, headers) for path, headers in paths(2024)]
    grow(20, 2025)
    client.post("/api/v1/campaigns/2025/close", headers=scene.admin)
    open_campaign(client, scene, 2026)
    large = [count_queries(client, path, headers) for path, headers in paths(2025)]
    assert len(client.get("/api/v1/campaigns/2025/snapshot").json()) == 20
    assert large == small
    assert max(small) <= 10, small
