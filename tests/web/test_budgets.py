"""The budgets page and the charts of progress over the years, served by the app (TestClient)
on the factory plan of tests/dashboard/test_history.py: French amounts, the same figures as the
API, bad years refused with a French page."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client
from tests.dashboard.test_history import build_plan
from tests.web.test_web import svgs

NNBSP = "\u202f"


@pytest.fixture
def client(empty_db_url: str) -> Iterator[TestClient]:
    build_plan(empty_db_url)
    with make_client(empty_db_url) as client:
        yield client


def test_the_budgets_page_gives_the_apis_totals_in_french(client: TestClient) -> None:
    response = client.get("/budgets?annee=2025")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Budgets 2025</h1>" in html
    api = client.get("/api/v1/dashboard/budgets?year=2025").json()
    assert api["total"]["planned"] == 1850.0
    assert f"1{NNBSP}850{NNBSP}€" in html  # planned, in total, for E1 and its flagship project
    assert f"1{NNBSP}050{NNBSP}€" in html  # planned investment
    assert f"270{NNBSP}€" in html and f"70{NNBSP}€" in html
    assert "Sans direction pilote" in html and "Direction un" in html
    assert '<option value="2025" selected>2025</option>' in html
    assert "/api/v1/dashboard/budgets?year=2025" in html


@pytest.mark.parametrize("year", ["2023", "2045", "deux", "+2025"])
def test_a_bad_year_gets_a_french_page(client: TestClient, year: str) -> None:
    response = client.get(f"/budgets?annee={year}", headers={"accept": "text/html"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in response.text


def test_the_default_year_is_this_one(client: TestClient) -> None:
    response = client.get("/budgets")
    assert response.status_code == 200
    assert "<h1>Budgets 20" in response.text


def test_home_and_engagement_pages_chart_progress_over_the_years(client: TestClient) -> None:
    home = client.get("/").text
    [series] = [svg for svg in svgs(home) if "chart--series" in svg]
    assert 'data-lines="3"' in series and 'role="img"' in series
    assert "<title" in series and "<desc" in series
    assert f"Ensemble du plan : 2024 : 4{NNBSP}%, 2025 : 48{NNBSP}%, 2026 : 56{NNBSP}%" in series
    assert f"Engagement E1 : 2024 : 5{NNBSP}%, 2025 : 35{NNBSP}%" in series
    assert (
        f'<th scope="row">2025</th><td>48{NNBSP}%</td><td>35{NNBSP}%</td><td>100{NNBSP}%</td>'
        in home
    )
    assert '<th scope="col">Plan</th><th scope="col">E1</th><th scope="col">E2</th>' in home
    assert 'href="/budgets"' in home
    page = client.get("/engagements/E1").text
    [series] = [svg for svg in svgs(page) if "chart--series" in svg]
    assert 'data-lines="2"' in series
    assert series.index("Engagement E1 :") < series.index("Ensemble du plan :")
    assert "Engagement E2" not in series
