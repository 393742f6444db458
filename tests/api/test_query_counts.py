"""Lists and the tree are answered with a fixed number of queries, whatever the plan's size."""

import pytest
import yaml

from tests.conftest import count_queries, make_client, seed_database
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import scaled_plan


@pytest.fixture(scope="module")
def large_db_url(
    databases: SqliteDatabases | PostgresDatabases,
    empty_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    plan_file = tmp_path_factory.mktemp("large") / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(scaled_plan(10), allow_unicode=True), encoding="utf-8")

    def build(url: str) -> None:
        summary = seed_database(url, plan_file)
        assert summary.counts["action"]["created"] == 590
        assert summary.counts["indicator"]["created"] == 10

    return databases.template("large", build, base=empty_template)


ROUTES = [
    "/api/v1/tree",
    "/api/v1/plan",
    "/api/v1/engagements",
    "/api/v1/engagements/E2",
    "/api/v1/axes/E2.2",
    "/api/v1/actions?limit=200",
    "/api/v1/actions?q=energie&limit=200",
    "/api/v1/actions?engagement=E1&limit=200",
    "/api/v1/actions?sort=-progress&limit=200",
    "/api/v1/actions?sort=title&commune=59172&value=V2&year=2025&priority=high",
    "/api/v1/flagship-projects?sort=-updated_at&axis=E2.4",
    "/api/v1/changes?limit=1000",
    "/api/v1/engagements?q=e",
    "/api/v1/partners",
    "/api/v1/actions/E1.1.1",
    "/api/v1/flagship-projects",
    "/api/v1/flagship-projects/PP2",
    "/api/v1/directorates",
    "/api/v1/communes",
    "/api/v1/indicators",
    "/api/v1/indicators/IND-AUTONOMIE-ENERGETIQUE",
    "/api/v1/dashboard/summary",
    "/api/v1/dashboard/directorates",
    "/api/v1/dashboard/communes",
    "/api/v1/dashboard/reporting?year=2025",
]


@pytest.mark.parametrize("path", ROUTES)
def test_query_count_does_not_grow_with_the_plan(client, large_db_url, path):
    seeded = count_queries(client, path)
    with make_client(large_db_url) as large_client:
        large = count_queries(large_client, path)
    assert seeded == large
    assert seeded <= 20


def test_large_tree_is_complete(large_db_url):
    with make_client(large_db_url) as client:
        tree = client.get("/api/v1/tree").json()
    assert len(tree["engagements"]) == 30
    assert sum(len(a["actions"]) for e in tree["engagements"] for a in e["axes"]) == 590
    assert tree["engagements"][29]["flagship_projects"][0]["action_codes"] == ["E30.1.1", "E30.2.1"]
