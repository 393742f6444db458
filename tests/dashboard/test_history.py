"""Progress over the years and budgets per year (app.trackables.history): the API's values equal
sums and weighted means computed by hand on factory data, its queries do not grow with the years
or the plan, bad years are refused in French, and the open data carries the same budgets."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.models import Status
from tests import factories
from tests.conftest import count_queries, make_client

API = "/api/v1/dashboard"


@dataclass
class Plan:
    url: str
    codes: dict[str, str]


@pytest.fixture
def plan(empty_db_url: str) -> Plan:
    return build_plan(empty_db_url)


def build_plan(empty_db_url: str) -> Plan:
    """E1 (one axis: a1 weight 1 with a sub-action s, a2 weight 3; a flagship project pp serving
    a1), E2 (one axis: b1, and b2 abandoned); directorates D1 (a1) and D2 (s)."""
    with factories.session_on(empty_db_url) as session:
        d1 = factories.directorate(session, code="D1", name="Direction un")
        d2 = factories.directorate(session, code="D2", name="Direction deux")
        e1 = factories.engagement(session, code="E1")
        e2 = factories.engagement(session, code="E2")
        x1 = factories.axis(session, engagement=e1)
        x2 = factories.axis(session, engagement=e2)
        a1 = factories.action(session, axis=x1, lead=d1, weight=1)
        s = factories.action(session, parent=a1, lead=d2)
        a2 = factories.action(session, axis=x1, weight=3)
        b1 = factories.action(session, axis=x2)
        b2 = factories.action(session, axis=x2, status=Status.abandoned)
        pp = factories.flagship_project(session, engagement=e1, actions=[a1])
        factories.report(session, trackable=a1, year=2024, progress=20)
        factories.report(
            session,
            trackable=a1,
            year=2025,
            progress=20,
            budget_planned_investment=1000,
            budget_planned_operating=500,
            budget_spent_investment=200,
        )
        factories.report(session, trackable=a1, year=2026, progress=60)
        factories.report(session, trackable=s, year=2025, progress=10, budget_planned_operating=300)
        factories.report(session, trackable=a2, year=2025, progress=40)
        factories.report(session, trackable=b1, year=2025, progress=100, budget_spent_operating=70)
        factories.report(session, trackable=b2, year=2025, progress=90)
        factories.report(
            session, trackable=pp, year=2025, progress=30, budget_planned_investment=50
        )
        session.commit()
        codes = {
            "x1": x1.code,
            "x2": x2.code,
            "a1": a1.code,
            "pp": pp.code,
        }
    return Plan(empty_db_url, codes)


@pytest.fixture
def client(plan: Plan) -> Iterator[TestClient]:
    with make_client(plan.url) as client:
        yield client


def series(client: TestClient, query: str) -> dict[str, list[tuple[int, float | None]]]:
    response = client.get(f"{API}/progress-series?{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    return {
        node["code"]: [(p["year"], p["progress"]) for p in node["points"]]
        for node in [body["plan"], *body["engagements"]]
    }


def test_progress_over_the_years_follows_the_rollup_rules(client: TestClient) -> None:
    # E1: a1 (weight 1, its latest report up to the year) and a2 (weight 3, none before 2025:
    # 0). E2: b1 only (b2 is abandoned). The plan: a1, a2 and b1 (weights 1, 3 and 1).
    assert series(client, "from=2024&to=2027") == {
        "plan": [(2024, 4.0), (2025, 48.0), (2026, 56.0), (2027, 56.0)],
        "E1": [(2024, 5.0), (2025, 35.0), (2026, 45.0), (2027, 45.0)],
        "E2": [(2024, 0.0), (2025, 100.0), (2026, 100.0), (2027, 100.0)],
    }
    # The last year with every report is the current progress.
    summary = client.get(f"{API}/summary").json()
    assert summary["plan"]["rollup"]["progress"] == 56.0
    assert series(client, "from=2025&to=2025")["E1"] == [(2025, 35.0)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2023", "from"),
        ("to=2045", "to"),
        ("from=abcd", "from"),
        ("to=+2030", "to"),
        ("from=2030&to=2025", "from"),
    ],
)
def test_bad_years_are_refused_in_french(client: TestClient, query: str, field: str) -> None:
    response = client.get(f"{API}/progress-series?{query}")
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["query", field]
    assert "année" in response.text or "doit" in response.text or "entre" in response.text


def test_the_budgets_of_a_year_are_the_sums_of_its_reports(client: TestClient, plan: Plan) -> None:
    response = client.get(f"{API}/budgets?year=2025")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2025
    assert body["total"] == {
        "planned_investment": 1050.0,
        "planned_operating": 800.0,
        "planned": 1850.0,
        "spent_investment": 200.0,
        "spent_operating": 70.0,
        "spent": 270.0,
        "reports": 6,
    }

    def planned_spent(lines: list[dict[str, object]]) -> dict[object, tuple[object, ...]]:
        return {line["code"]: (line["planned"], line["spent"], line["reports"]) for line in lines}

    assert planned_spent(body["engagements"]) == {"E1": (1850.0, 200.0, 4), "E2": (0.0, 70.0, 2)}
    codes = plan.codes
    assert planned_spent(body["axes"]) == {
        codes["x1"]: (1800.0, 200.0, 3),
        codes["x2"]: (0.0, 70.0, 2),
    }
    # The flagship project: its own report and those of the action it serves and its sub-action.
    assert planned_spent(body["flagship_projects"]) == {codes["pp"]: (1850.0, 200.0, 3)}
    assert planned_spent(body["directorates"]) == {
        "D1": (1500.0, 200.0, 1),
        "D2": (300.0, 0.0, 1),
        None: (50.0, 70.0, 4),
    }
    assert body["directorates"][-1]["title"] == "Sans direction pilote"
    # A year without reports: every line at zero.
    empty = client.get(f"{API}/budgets?year=2030").json()
    assert empty["total"]["planned"] == 0 and empty["total"]["reports"] == 0
    assert [line["planned"] for line in empty["engagements"]] == [0.0, 0.0]
    for bad in ("2023", "2045", "deux", ""):
        refused = client.get(f"{API}/budgets?year={bad}")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["loc"] == ["query", "year"]


def test_the_open_data_has_the_same_budgets(client: TestClient) -> None:
    rows = client.get("/api/v1/open-data/budgets.json").json()["items"]
    api = client.get(f"{API}/budgets?year=2025").json()
    by_key = {(r["year"], r["level"], r["code"]): r for r in rows}
    assert {r["year"] for r in rows} == {2024, 2025, 2026}  # the years with a report
    assert by_key[(2025, "plan", "plan")]["planned"] == api["total"]["planned"] == 1850.0
    assert by_key[(2025, "engagement", "E1")]["spent"] == 200.0
    assert by_key[(2025, "directorate", "sans-direction-pilote")]["planned"] == 50.0
    # Each year: the plan, 2 engagements, 2 axes, 2 directorates, 1 flagship project; in 2025
    # also the trackables with no lead directorate (only a1, led by D1, reported in 2024 and 2026).
    assert len(rows) == 8 + 9 + 8
    assert by_key[(2024, "engagement", "E1")]["planned"] == 0.0
    csv = client.get("/api/v1/open-data/budgets.csv").text
    assert csv.splitlines()[0] == (
        "year,level,code,title,planned_investment,planned_operating,planned,"
        "spent_investment,spent_operating,spent,reports"
    )


def test_queries_do_not_grow_with_the_years_or_the_plan(client: TestClient, plan: Plan) -> None:
    few = count_queries(client, f"{API}/progress-series?from=2024&to=2024")
    many = count_queries(client, f"{API}/progress-series?from=2024&to=2044")
    budgets = count_queries(client, f"{API}/budgets?year=2025")
    with factories.session_on(plan.url) as session:
        for _ in range(5):
            action = factories.action(session)
            factories.report(session, trackable=action, year=2024, budget_spent_operating=1)
            factories.report(session, trackable=action, year=2025)
        session.commit()
    assert count_queries(client, f"{API}/progress-series?from=2024&to=2044") == many == few
    assert count_queries(client, f"{API}/budgets?year=2025") == budgets
    assert many <= 10 and budgets <= 10
