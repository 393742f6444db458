"""The yearly bilan's figures (app.bilan): values computed by hand on factory data, read from the
campaign's snapshot once it is closed (provisional before), unchanged by a later edit, the same
budgets as the dashboard's, indicators as of the year, and a fixed number of queries."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.indicators.indicators import this_year
from app.models import Status, Trackable
from tests import factories
from tests.conftest import count_queries, make_client
from tests.dashboard.test_history import Plan, build_plan
from tests.helpers import problem

API = "/api/v1/bilan"


@pytest.fixture
def plan(empty_db_url: str) -> Plan:
    """tests.dashboard.test_history's plan (E1: a1 with its sub-action s, a2; E2: b1, b2
    abandoned; pp serving a1), and an indicator measuring a1 with values in 2024 and 2026."""
    built = build_plan(empty_db_url)
    with factories.session_on(empty_db_url) as session:
        a1 = trackable(session, built.codes["a1"])
        indicator = factories.indicator(
            session, code="IND-A", measures=[a1], baseline=(2023, 10), targets=[(2030, 20)]
        )
        factories.indicator_value(session, indicator=indicator, year=2024, value=12)
        factories.indicator_value(session, indicator=indicator, year=2026, value=19)
        session.commit()
    return built


@pytest.fixture
def client(plan: Plan) -> Iterator[TestClient]:
    with make_client(plan.url) as client:
        yield client


def trackable(session: Any, code: str) -> Trackable:
    return session.exec(select(Trackable).where(col(Trackable.code) == code)).one()


def bilan(client: TestClient, year: int = 2025) -> dict[str, Any]:
    response = client.get(f"{API}/{year}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_bilan_of_a_year_without_campaign_is_provisional(
    client: TestClient, plan: Plan
) -> None:
    body = bilan(client)
    assert (body["year"], body["previous_year"]) == (2025, 2024)
    assert body["source"] == "live" and body["provisional"] is True
    assert body["campaign_state"] is None and body["frozen_at"] is None
    # The plan: a1 (weight 1), a2 (3), b1 (1) — 2025: (20 + 120 + 100) / 5; 2024: a1 only.
    assert (body["plan"]["progress"], body["plan"]["previous_progress"]) == (48.0, 4.0)
    assert body["plan"]["change"] == 44.0
    e1, e2 = body["engagements"]
    assert (e1["progress"], e1["previous_progress"], e1["change"]) == (35.0, 5.0, 30.0)
    assert (e2["progress"], e2["previous_progress"], e2["change"]) == (100.0, 0.0, 100.0)
    assert [a["code"] for a in e1["axes"]] == [plan.codes["x1"]]
    assert e1["axes"][0]["progress"] == 35.0
    # Status counts: the top-level actions by the status of their report of 2025.
    assert body["plan"]["status_counts"] == {"planned": 3, "abandoned": 1}
    # The flagship project: its own report of 2025.
    (pp,) = body["flagship_projects"]
    assert (pp["code"], pp["progress"], pp["previous_progress"]) == (plan.codes["pp"], 30.0, 20.0)
    # Actions in tree order, the sub-action right after its parent, with the year's report.
    codes = [a["code"] for a in body["actions"]]
    a1 = codes.index(plan.codes["a1"])
    assert body["actions"][a1 + 1]["parent_code"] == plan.codes["a1"]
    first = body["actions"][a1]
    assert first["reported"] is True and first["budget_planned_investment"] == 1000
    assert (first["progress"], first["previous_progress"]) == (20.0, 20.0)
    # Which directorates reported: D1 leads a1 (reported), D2 the sub-action s (reported).
    assert body["directorates"] == [
        {"code": "D1", "name": "Direction un", "expected": 1, "reported": 1},
        {"code": "D2", "name": "Direction deux", "expected": 1, "reported": 1},
    ]


def test_the_budgets_are_the_dashboards(client: TestClient) -> None:
    body = bilan(client)
    dashboard = client.get("/api/v1/dashboard/budgets?year=2025").json()
    assert body["budgets"] == dashboard
    assert body["budgets"]["total"]["planned"] == 1850.0


def test_indicators_are_assessed_with_the_values_up_to_the_year(client: TestClient) -> None:
    (indicator,) = bilan(client)["indicators"]
    assert indicator["code"] == "IND-A" and indicator["measures"]
    trajectory = indicator["trajectory"]
    assert (trajectory["current_year"], trajectory["current_value"]) == (2024, 12.0)
    assert trajectory["expected_year"] == 2025
    later = bilan(client, 2026)["indicators"][0]["trajectory"]
    assert (later["current_year"], later["current_value"]) == (2026, 19.0)


def test_a_closed_campaign_is_read_from_its_snapshot(client: TestClient, plan: Plan) -> None:
    with factories.session_on(plan.url) as session:
        factories.campaign(session, year=2025, closed=True)
        session.commit()
    frozen = bilan(client)
    assert frozen["source"] == "snapshot" and frozen["provisional"] is False
    assert frozen["campaign_state"] == "closed" and frozen["frozen_at"] is not None
    # A later edit of a 2025 report (an admin's, published) changes the live figures...
    with factories.session_on(plan.url) as session:
        a1 = trackable(session, plan.codes["a1"])
        factories.report(
            session, trackable=a1, year=2025, progress=95, status=Status.delayed, comment="Revu"
        )
        session.commit()
    assert client.get("/api/v1/dashboard/progress-series?from=2025&to=2025").json()["plan"][
        "points"
    ] == [{"year": 2025, "progress": 63.0}]
    # ... not the bilan: the same figures, comments and budgets as when the campaign closed.
    again = bilan(client)
    assert again == frozen
    assert again["plan"]["progress"] == 48.0


def test_an_open_campaign_gives_a_provisional_bilan(client: TestClient, plan: Plan) -> None:
    with factories.session_on(plan.url) as session:
        factories.campaign(session, year=2024, closed=True)
        factories.campaign(session, year=2025)
        session.commit()
    body = bilan(client)
    assert body["provisional"] is True and body["campaign_state"] == "open"
    # 2024's snapshot gives the previous year: a1 at 20 then.
    assert body["plan"]["previous_progress"] == 4.0


def test_years_outside_the_plan_or_after_this_one_are_refused(client: TestClient) -> None:
    for year in (2023, 2045, "abcd"):
        response = client.get(f"{API}/{year}")
        assert problem(response, 422)["errors"][0]["loc"] == ["path", "year"]
    if this_year() < 2044:
        later = client.get(f"{API}/{this_year() + 1}")
        assert f"Aucun bilan pour {this_year() + 1}" in problem(later, 404)["detail"]


def test_the_bilan_reads_a_fixed_number_of_queries(plan: Plan, empty_db_url: str) -> None:
    with make_client(plan.url) as client:
        small = count_queries(client, f"{API}/2025")
    with factories.session_on(plan.url) as session:
        engagement = factories.engagement(session)
        axis = factories.axis(session, engagement=engagement)
        for _ in range(12):
            action = factories.action(session, axis=axis)
            factories.action(session, parent=action)
            factories.report(session, trackable=action, year=2025, comment="Fait")
            factories.flagship_project(session, engagement=engagement, actions=[action])
        factories.indicator(session, measures=[axis])
        factories.campaign(session, year=2024, closed=True)
        factories.campaign(session, year=2025, closed=True)
        session.commit()
    with make_client(plan.url) as client:
        large = count_queries(client, f"{API}/2025")
    assert small == large == 15  # app.bilan.bilan.build
