"""The seed: content checked against the source document, idempotency, refusal of bad files."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import app as cli_app
from app.tooling.seed import SeedError, parse_plan
from tests.conftest import SEED_FILE, seed_database
from tests.helpers import snapshot

runner = CliRunner()


def load_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    return data


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_seed_counts_match_the_document(client):
    tree = client.get("/api/v1/tree").json()
    engagements = tree["engagements"]
    assert [e["code"] for e in engagements] == ["E1", "E2", "E3"]
    assert [len(e["axes"]) for e in engagements] == [5, 7, 5]
    assert [sum(len(a["actions"]) for a in e["axes"]) for e in engagements] == [19, 23, 17]
    assert [len(e["flagship_projects"]) for e in engagements] == [3, 3, 3]
    plan = tree["plan"]
    assert len(plan["ambitions"]) == 2
    assert len(plan["values"]) == 5
    assert len(plan["diagnostic"]) == 5
    assert len(plan["prospective"]) == 6
    assert len(plan["chronology"]) == 14
    assert client.get("/api/v1/communes").json()["total"] == 47


def test_seed_plan_metadata(client):
    plan = client.get("/api/v1/plan").json()
    assert plan["siren"] == "200042190"
    assert plan["adopted_on"] == "2023-10-16"
    assert (plan["start_year"], plan["end_year"]) == (2024, 2044)
    assert plan["purpose"].startswith("Investir dans la santé, le bien-être")
    assert [a["title"] for a in plan["ambitions"]] == [
        "Vivre ensemble et faire territoire",
        "Soutenir l'innovation",
    ]
    assert plan["ambitions"][1]["quote_author"] == "Peter Drucker"
    assert "L'égalité femme-homme" in [v["title"] for v in plan["values"]]
    dates = [step["starts_on"] for step in plan["chronology"]]
    assert dates == sorted(dates)
    assert dates[0].startswith("2022") and dates[-1] == "2023-10-16"


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("E1.3.3", "Mise en œuvre de la stratégie jeunesse (15/25 ans)"),
        ("E1.4.5", "Facilitation des liens insertion - formation - emploi sur le territoire"),
        ("E2.3.2", "Atteindre 50% d'autonomie énergétique et développer un mix énergétique"),
        (
            "E2.2.5",
            "Promouvoir, dans la ZAE, l'installation d'entreprises "
            "génératrices d'emplois accessibles",
        ),
        ("E3.1.5", "Lutter contre les îlots de chaleur"),
        (
            "E3.3.3",
            "Étudier et développer les filières « économie circulaire et de la fonctionnalité »",
        ),
    ],
)
def test_seed_sample_action_titles(client, code, title):
    assert client.get(f"/api/v1/actions/{code}").json()["title"] == title


def test_seed_engagements_and_flagship_projects(client):
    engagements = client.get("/api/v1/engagements").json()["items"]
    assert engagements[0]["quote_author"] == "Victor Hugo"
    assert engagements[1]["title"] == "Faire face collectivement aux enjeux globaux"
    assert engagements[2]["quote"] == "La résilience, c'est l'art de naviguer dans les torrents"
    flagships = client.get("/api/v1/flagship-projects").json()["items"]
    assert len(flagships) == 9
    by_code = {f["code"]: f for f in flagships}
    assert by_code["PP3"]["title"] == "Pôle de référence du rail"
    assert by_code["PP8"]["engagement_code"] == "E3"


def test_seed_is_idempotent(db_url):
    before = snapshot(db_url)
    summary = seed_database(db_url)
    assert summary.changed == 0
    assert summary.counts["action"]["unchanged"] == 59
    assert snapshot(db_url) == before


def test_corrected_title_updates_in_place(db_url, client, tmp_path):
    data = load_yaml()
    data["engagements"][0]["axes"][0]["actions"][0]["title"] = (
        "Couverture équitable en services publics de proximité"
    )
    data["engagements"][0]["flagship_projects"][0]["actions"] = ["E1.1.1"]
    before = client.get("/api/v1/actions/E1.1.1").json()
    summary = seed_database(db_url, write_yaml(tmp_path / "plan.yaml", data))
    assert summary.counts["action"]["updated"] == 1
    assert summary.counts["action"]["created"] == 0
    assert summary.counts["flagship link"]["created"] == 1
    after = client.get("/api/v1/actions/E1.1.1").json()
    assert after["title"] == "Couverture équitable en services publics de proximité"
    assert after["position"] == before["position"]
    assert after["flagship_projects"] == [
        {"code": "PP1", "title": "Fabrique des savoirs et de la citoyenneté"}
    ]


def _missing_title(data: dict[str, Any]) -> None:
    del data["engagements"][1]["axes"][2]["title"]


def _duplicate_code(data: dict[str, Any]) -> None:
    data["engagements"][2]["axes"][0]["actions"][1]["code"] = "E3.1.1"


def _unknown_action(data: dict[str, Any]) -> None:
    data["engagements"][1]["flagship_projects"][1]["actions"] = ["E9.9.9"]


def _wrong_parent(data: dict[str, Any]) -> None:
    data["engagements"][0]["axes"][1]["code"] = "E2.9"


def _bad_date(data: dict[str, Any]) -> None:
    data["chronology"][0]["starts_on"] = "le 12 janvier"


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (_missing_title, "engagements[1].axes[2] (E2.3).title: Field required"),
        (_duplicate_code, "E3.1.1: duplicate code"),
        (_unknown_action, "flagship project PP5: unknown action 'E9.9.9'"),
        (_wrong_parent, "axis E2.9: code does not sit under its engagement E1"),
        (_bad_date, "chronology[0] (C01).starts_on"),
    ],
)
def test_malformed_seed_is_refused_and_changes_nothing(cli_env, tmp_path, breaks, expected):
    data = load_yaml()
    data["engagements"][0]["title"] = "A title change that must not be written"
    breaks(data)
    path = write_yaml(tmp_path / "broken.yaml", data)
    before = snapshot(cli_env)
    result = runner.invoke(cli_app, ["seed", "--file", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.output
    assert expected in result.output
    assert snapshot(cli_env) == before


def test_invalid_yaml_is_refused(cli_env, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("plan: [unclosed\n", encoding="utf-8")
    before = snapshot(cli_env)
    result = runner.invoke(cli_app, ["seed", "--file", str(path)])
    assert result.exit_code == 1
    assert "invalid YAML" in result.output
    assert snapshot(cli_env) == before


def test_every_problem_is_reported_at_once(tmp_path):
    data = load_yaml()
    _missing_title(data)
    data["engagements"][0]["axes"][0]["actions"][0]["title"] = ""
    with pytest.raises(SeedError) as raised:
        parse_plan(write_yaml(tmp_path / "broken.yaml", data))
    assert len(raised.value.problems) == 2


def test_cli_seed_prints_a_summary(cli_env):
    result = runner.invoke(cli_app, ["seed"])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output
    assert "action" in result.output


def test_seed_into_an_empty_database(empty_db_url):
    summary = seed_database(empty_db_url)
    assert summary.counts["engagement"]["created"] == 3
    assert summary.counts["action"]["created"] == 59
    assert summary.counts["commune"]["created"] == 47
