"""The bilan's workbook, `GET /api/v1/bilan/{year}.xlsx` (app.bilan.workbook), on the demo data at
scale 1 with the campaign of 2024 closed and 2025's open: every sheet, every action, sub-action
and flagship project, the budgets' totals equal to the API's, texts never formulas (also once
LibreOffice has opened and saved the workbook), the answer's headers, and the years refused."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from app.bilan.workbook import FILE_NAME, SHEETS
from app.indicators.indicators import this_year
from app.models import Trackable, TrackableKind
from app.models.indicators import Trajectory
from app.models.tracking import Status
from tests import factories
from tests.bilan.demo import demo_database
from tests.campaigns.sheets import XLSX, convert, soffice  # noqa: F401 (a fixture)
from tests.conftest import make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.helpers import problem

API = "/api/v1/bilan"
#: Comments of the demo's first action and flagship project in 2024, as someone might type them.
FORMULA = '=HYPERLINK("https://exemple.invalid";"cliquez")'
MINUS = "- étude lancée ; - marché attribué"
#: A comment with a control character no worksheet can hold (U+001A, SUB).
CONTROL = "Fait\x1a, livré"
BUDGET_GROUPS = {
    "Engagement": "engagements",
    "Axe": "axes",
    "Direction": "directorates",
    "Projet phare": "flagship_projects",
}
AMOUNTS = (
    "planned_investment",
    "planned_operating",
    "planned",
    "spent_investment",
    "spent_operating",
    "spent",
    "reports",
)


@pytest.fixture(scope="module")
def demo_url(databases: SqliteDatabases | PostgresDatabases, empty_template: str) -> Iterator[str]:
    """The demo at scale 1 and a sub-action; two comments of 2024 that a spreadsheet would take
    for formulas; the campaign of 2024 closed (its snapshot holds them), 2025's open."""
    yield from demo_database(databases, empty_template, prepare=formulas_and_a_sub_action)


def formulas_and_a_sub_action(session: Session) -> None:
    action, flagship = (
        session.exec(
            select(Trackable)
            .where(col(Trackable.kind) == kind, col(Trackable.parent_id).is_(None))
            .order_by(col(Trackable.code))
        ).first()
        for kind in (TrackableKind.action, TrackableKind.flagship_project)
    )
    assert action is not None and flagship is not None
    factories.report(session, trackable=action, year=2024, progress=30, comment=FORMULA)
    factories.report(session, trackable=flagship, year=2024, progress=40, comment=MINUS)
    sub_action = factories.action(session, parent=action)  # the demo has none
    factories.report(session, trackable=sub_action, year=2025, progress=10, comment=CONTROL)


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with make_client(demo_url) as client:
        yield client


def download(client: TestClient, year: int) -> bytes:
    response = client.get(f"{API}/{year}.xlsx")
    assert response.status_code == 200, response.text
    return response.content


def load(content: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def rows(sheet: Worksheet) -> list[dict[str, Any]]:
    """The sheet's rows under its header, as dictionaries by column title."""
    header, *lines = sheet.iter_rows(values_only=True)
    return [dict(zip(map(str, header), line, strict=True)) for line in lines]


def notice(book: Workbook) -> list[str]:
    return [str(row[0]) for row in book["Notice"].iter_rows(values_only=True)]


def near(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-14)


def bilan(client: TestClient, year: int) -> dict[str, Any]:
    response = client.get(f"{API}/{year}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_answer_is_an_attachment(client: TestClient) -> None:
    response = client.get(f"{API}/2025.xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == 'attachment; filename="bilan-2025.xlsx"'
    assert FILE_NAME.format(year=2025) == "bilan-2025.xlsx"
    assert response.content.startswith(b"PK")


def test_years_outside_the_plan_or_after_this_one_are_refused(client: TestClient) -> None:
    if this_year() < 2044:
        later = client.get(f"{API}/{this_year() + 1}.xlsx")
        assert f"Aucun bilan pour {this_year() + 1}" in problem(later, 404)["detail"]
    for year in ("2023", "2045", "abcd"):
        refused = client.get(f"{API}/{year}.xlsx")
        assert problem(refused, 422)["errors"][0]["loc"] == ["path", "year"]


def test_every_level_has_its_sheet_and_every_item_its_row(client: TestClient) -> None:
    body = bilan(client, 2025)
    book = load(download(client, 2025))
    assert book.sheetnames == list(SHEETS)
    for name in SHEETS[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "B2", name
        last = get_column_letter(sheet.max_column)
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", name
        assert all(cell.font.b for cell in sheet[1]), name
        assert sheet.column_dimensions["A"].width and sheet.column_dimensions["B"].width, name
    (plan,) = rows(book["Plan"])
    # Numbers as numbers: XLSX keeps 15 to 17 significant digits of them.
    assert plan["Code"] == "plan" and plan["Avancement 2025 (%)"] == near(body["plan"]["progress"])
    assert plan["Évolution (points)"] == near(body["plan"]["change"])
    assert plan["Actions : à venir"] == body["plan"]["status_counts"].get("planned", 0)
    assert [r["Code"] for r in rows(book["Engagements"])] == [
        e["code"] for e in body["engagements"]
    ]
    axes = [(a["engagement_code"], a["code"]) for e in body["engagements"] for a in e["axes"]]
    assert [(r["Engagement"], r["Code"]) for r in rows(book["Axes"])] == axes
    # Every action and sub-action, in the tree's order, and the nine flagship projects.
    actions = rows(book["Actions"])
    assert [r["Code"] for r in actions] == [a["code"] for a in body["actions"]]
    assert {r["Niveau"] for r in actions} == {"Action", "Sous-action"}
    # The control character left out (it may be stored: the API takes it).
    sub_action = next(line for line in actions if line["Niveau"] == "Sous-action")
    assert sub_action["Commentaire du bilan 2025"] == "Fait, livré"
    flagships = rows(book["Projets phares"])
    assert [r["Code"] for r in flagships] == [p["code"] for p in body["flagship_projects"]]
    assert len(flagships) == 9
    for line, item in zip(actions, body["actions"], strict=True):
        assert line["Action parente"] == item["parent_code"]
        assert line["Statut 2025"] == (Status(item["status"]).label if item["status"] else None)
        assert line["Avancement 2025 (%)"] == near(item["progress"])
        assert line["Avancement 2024 (%)"] == near(item["previous_progress"])
        assert line["Commentaire du bilan 2025"] == (item["comment"].replace("\x1a", "") or None)
        assert line["Bilan 2025 publié"] == ("Oui" if item["reported"] else "Non")
        assert line["Budget prévu, investissement (€)"] == item["budget_planned_investment"]
    indicators = rows(book["Indicateurs"])
    assert [r["Code"] for r in indicators] == [i["code"] for i in body["indicators"]]
    for line, item in zip(indicators, body["indicators"], strict=True):
        trajectory = Trajectory(item["trajectory"]["trajectory"])
        assert line["Trajectoire en 2025"] == trajectory.label
        assert line["Cible"] == near(item["trajectory"]["target_value"])
    directorates = rows(book["Directions"])
    assert [
        (r["Code"], r["Actions et projets pilotés"], r["Bilans 2025 publiés"]) for r in directorates
    ] == [(d["code"], d["expected"], d["reported"]) for d in body["directorates"]]
    # Provisional: the campaign of 2025 is open.
    title, state, *_ = notice(book)
    assert "bilan 2025" in title
    assert state.startswith("Bilan provisoire : la campagne du bilan 2025 est en cours")


def test_budget_totals_are_the_apis(client: TestClient) -> None:
    for year in (2024, 2025):
        dashboard = client.get(f"/api/v1/dashboard/budgets?year={year}").json()
        assert bilan(client, year)["budgets"] == dashboard
        lines = rows(load(download(client, year))["Budgets"])
        assert {line["Regroupement"] for line in lines} == set(BUDGET_GROUPS)
        for group, key in BUDGET_GROUPS.items():
            *items, total = [line for line in lines if line["Regroupement"] == group]
            assert total["Code"] == "Total"
            assert [figures(total)] == [figures(dashboard["total"])], (year, group)
            assert [line["Code"] for line in items] == [b["code"] for b in dashboard[key]]
            assert [figures(line) for line in items] == [figures(b) for b in dashboard[key]]
        assert dashboard["total"]["planned"] > 0


def figures(line: dict[str, Any]) -> tuple[float, ...]:
    """A budget line's amounts, from the API (by field) or the sheet (by French title)."""
    titles = {
        "planned_investment": "Prévu, investissement (€)",
        "planned_operating": "Prévu, fonctionnement (€)",
        "planned": "Prévu, total (€)",
        "spent_investment": "Réalisé, investissement (€)",
        "spent_operating": "Réalisé, fonctionnement (€)",
        "spent": "Réalisé, total (€)",
        "reports": "Bilans comptés",
    }
    return tuple(float(line[name] if name in line else line[titles[name]]) for name in AMOUNTS)


def test_a_frozen_year_says_so_and_texts_are_never_formulas(client: TestClient) -> None:
    body = bilan(client, 2024)
    assert body["provisional"] is False
    book = load(download(client, 2024))
    _, state, *_ = notice(book)
    assert state.startswith("Bilan arrêté : la campagne du bilan 2024 est close")
    assert "figés le " in state
    comments = {
        row[0].value: row[11]
        for row in book["Actions"].iter_rows(min_row=2)
        if row[11].value in (FORMULA, MINUS)
    } | {
        row[0].value: row[8]
        for row in book["Projets phares"].iter_rows(min_row=2)
        if row[8].value in (FORMULA, MINUS)
    }
    assert sorted(str(cell.value) for cell in comments.values()) == sorted([FORMULA, MINUS])
    for cell in comments.values():
        # A text as typed (no quote added), stored as a text, and marked as one for editing.
        assert cell.data_type == "s" and cell.quotePrefix
    # Numbers are numbers.
    first = next(book["Actions"].iter_rows(min_row=2, values_only=True))
    assert isinstance(first[9], int | float)


def test_libreoffice_opens_it(client: TestClient, soffice: Path, tmp_path: Path) -> None:  # noqa: F811
    content = download(client, 2024)
    saved = load(convert(soffice, content, ".xlsx", "xlsx", tmp_path).read_bytes())
    original = load(content)
    assert saved.sheetnames == original.sheetnames
    for name in SHEETS:
        assert saved[name].max_row == original[name].max_row, name
    # Saved again by LibreOffice, the comments are still texts, not formulas, and the totals
    # still numbers.
    texts = [
        cell
        for row in saved["Actions"].iter_rows(min_row=2)
        for cell in row
        if cell.value == FORMULA
    ]
    assert len(texts) == 1 and texts[0].data_type == "s"
    totals = [r for r in rows(saved["Budgets"]) if r["Code"] == "Total"]
    assert len(totals) == 4
    assert {figures(t) for t in totals} == {figures(bilan(client, 2024)["budgets"]["total"])}
