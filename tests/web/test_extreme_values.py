"""Extreme stored values never break a read.

The API bounds what it accepts, but a database written before those bounds, or restored from a
dump, may hold anything its columns can: ±1e308, the smallest subnormal (5e-324), zero
baselines, budgets of 1.7e308, weights whose sum overflows, 20,000-character texts, and even
infinities (both backends) and NaN (PostgreSQL's ``double precision``; SQLite stores NaN as NULL).
These tests add an engagement of their own to the seeded plan with the factories
(tests/factories.py: its actions, sub-actions, flagship project, and an indicator like the seeded
energy one), then write such values straight into the database (through the models, bypassing the
API's validation), on those and on indicators of their own; then they read every public page,
every open-data file in CSV and JSON and the API's
reads of those objects: each must answer 200, JSON must parse with a strict parser (no NaN, no
Infinity, no number beyond a double) and every chart coordinate must be a plain finite number
inside the drawing.

Also checked without a database: the arithmetic behind them (trajectories, weighted means, tick
scales, French number formats) on every combination of extreme values.
"""

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import Session, col, select

from app import opendata, revision
from app.core.db import make_engine, session_scope
from app.indicators.trajectory import Point, annual_growth, assess, expected_value, progress_rate
from app.models import (
    Directorate,
    Indicator,
    IndicatorLink,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    ProgressReport,
    Status,
    Trackable,
)
from app.models.indicators import Direction, IndicatorDetail, Trajectory
from app.trackables.rollups import weighted_mean
from app.web import charts
from app.web import format as fr
from app.web.routes import router as web_router
from tests import factories as make
from tests.conftest import make_client
from tests.databases import BACKEND, PostgresDatabases, SqliteDatabases

#: Finite values a float column can hold, from the largest to the smallest subnormal.
EXTREMES = (1.7e308, 1e308, -1e308, -1.7e308, 1e15, -1e15, 1e12, 0.0, -0.0, 5e-324, 1e-300)
LONG_TEXT = ("Très long commentaire, avec des accents et des « guillemets ». " * 320)[:20_000]
LONG_TITLE = ("Atteindre l'autonomie énergétique du territoire " * 11)[:500]
LONG_NAME = ("Indicateur au nom très long " * 11)[:300]

# What the factories make, with codes of the tests' choosing, next to the seeded plan.
DIRECTORATE = "EXT"
ENGAGEMENT = "E7"
WEIGHTS_AXIS = "E7.1"  # two actions of extreme weights, and one of weight 1 without a report
HEAVY_WEIGHT_ACTIONS = ("E7.1.1", "E7.1.2")
LIGHT_ACTION = "E7.1.3"
ENERGY_AXIS = "E7.2"
PARENT_ACTION = "E7.2.1"  # no report of its own: the mean of its two sub-actions
SUB_ACTIONS = ("E7.2.1.1", "E7.2.1.2")
HEAVY_ACTION = "E7.2.2"  # measured by ENERGY
FLAGSHIP = "PP70"  # serving HEAVY_ACTION and PARENT_ACTION
ENERGY = "IND-X-ENERGY"  # as the seeded energy indicator: "%", 50 in 2044


@dataclass(frozen=True)
class IndicatorCase:
    code: str
    direction: Direction
    baseline: tuple[int, float] | None
    targets: tuple[tuple[int, float], ...]
    values: tuple[tuple[int, float], ...]
    decimals: int = 0
    unit: str = ""
    measures: tuple[str, ...] = ()
    commune_values: tuple[tuple[str, int, float], ...] = field(default=())


INDICATORS = (
    # Like the seeded one (target 50 in 2044), with extreme values added.
    IndicatorCase(
        ENERGY,
        Direction.increase,
        baseline=(2020, 0.0),
        targets=((2030, -1e308), (2044, 50.0)),
        values=((2021, 1e308), (2022, -1e308), (2023, 5e-324), (2024, 0.0), (2025, 1e15)),
        unit="%",
        commune_values=(("59002", 2024, 1.7e308), ("59092", 2024, -1.7e308)),
    ),
    # From -1e308 to 1e308: every difference overflows a double.
    IndicatorCase(
        "IND-X-SPAN",
        Direction.increase,
        baseline=(2020, -1e308),
        targets=((2044, 1e308),),
        values=((2023, 0.0), (2024, 1e307)),
        decimals=6,
        unit="u" * 30,
        measures=(PARENT_ACTION,),
    ),
    # From a subnormal to 1e308: compound growth ratios overflow; absurd stored decimals.
    IndicatorCase(
        "IND-X-TINY",
        Direction.increase,
        baseline=(2020, 5e-324),
        targets=((2044, 1e308),),
        values=((2021, 1e-300), (2025, 1e15)),
        decimals=1000,
        measures=(HEAVY_ACTION,),
    ),
    IndicatorCase(
        "IND-X-ZERO",
        Direction.maintain,
        baseline=(2020, 0.0),
        targets=((2044, 0.0),),
        values=((2024, 0.0),),
    ),
    IndicatorCase(
        "IND-X-ZERO-MISSED",
        Direction.increase,
        baseline=(2020, 0.0),
        targets=((2044, 0.0),),
        values=((2024, -1e-300),),
        decimals=-1,
    ),
    IndicatorCase(
        "IND-X-FALL",
        Direction.decrease,
        baseline=(2020, 1e308),
        targets=((2044, -1e308),),
        values=((2024, 1.7e308),),
        measures=(FLAGSHIP,),
    ),
    IndicatorCase(
        "IND-X-NEGATIVE",
        Direction.decrease,
        baseline=(2020, -50.0),
        targets=((2044, -1e308),),
        values=((2022, -1e15), (2024, 1e15)),
        decimals=2,
    ),
    IndicatorCase(
        "IND-X-NO-BASELINE",
        Direction.increase,
        baseline=None,
        targets=((2044, 1.7e308),),
        values=((2024, -1.7e308),),
    ),
    IndicatorCase("IND-X-EMPTY", Direction.increase, baseline=None, targets=(), values=()),
    # A value written for a far year: the chart's year axis must not label every year.
    IndicatorCase(
        "IND-X-FAR-YEAR",
        Direction.increase,
        baseline=(2020, 1.0),
        targets=((2044, 3.0),),
        values=((2024, 2.0), (100_000, 1e308)),
    ),
)
INDICATOR_CODES = [case.code for case in INDICATORS]


# --- Writing extreme values straight into the database ------------------------------------------


def _trackable(session: Session, code: str) -> Trackable:
    return session.exec(select(Trackable).where(col(Trackable.code) == code)).one()


def _report(
    session: Session, trackable: Trackable, year: int, progress: float, **fields: Any
) -> None:
    assert trackable.id is not None
    session.add(
        ProgressReport(
            trackable_id=trackable.id,
            year=year,
            progress=progress,
            status=Status.in_progress,
            reported_by="restored-dump",
            **fields,
        )
    )


def make_structure(url: str) -> None:
    """The engagement the extremes are written on, made by the factories as the API would."""
    with make.session_on(url) as session:
        engagement = make.engagement(session, code=ENGAGEMENT, title="Engagement extrême")
        weights = make.axis(session, engagement=engagement, code=WEIGHTS_AXIS)
        for code in (*HEAVY_WEIGHT_ACTIONS, LIGHT_ACTION):
            make.action(session, axis=weights, code=code)
        energy = make.axis(session, engagement=engagement, code=ENERGY_AXIS)
        parent = make.action(session, axis=energy, code=PARENT_ACTION)
        for code in SUB_ACTIONS:
            make.action(session, parent=parent, code=code)
        heavy = make.action(session, axis=energy, code=HEAVY_ACTION)
        make.flagship_project(
            session, engagement=engagement, code=FLAGSHIP, actions=[heavy, parent]
        )
        make.indicator(
            session,
            code=ENERGY,
            name="Autonomie énergétique du territoire",
            unit="%",
            measures=[heavy],
            targets=[(2044, 50.0)],
        )
        session.commit()


def write_extremes(url: str) -> None:
    """What an old database or a restored dump may hold, written through the models (table
    models do not validate) on the factories' engagement, next to the seeded plan."""
    make_structure(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            # Written as an old database or a restored dump holds them: a bulk load.
            revision.touch(session, bulk_load=True)
            directorate = Directorate(code=DIRECTORATE, name=LONG_NAME)
            session.add(directorate)
            session.flush()

            heavy = _trackable(session, HEAVY_ACTION)
            heavy.title = LONG_TITLE
            heavy.description = LONG_TEXT
            heavy.objectives = LONG_TEXT
            heavy.weight = 1.7e308
            heavy.lead_directorate_id = directorate.id
            heavy.status = Status.in_progress
            everything = dict.fromkeys(
                (
                    "budget_planned_investment",
                    "budget_planned_operating",
                    "budget_spent_investment",
                    "budget_spent_operating",
                ),
                1.7e308,
            )
            _report(session, heavy, 2024, 0.0, comment=LONG_TEXT, **everything)
            _report(
                session,
                heavy,
                2025,
                100.0,
                budget_planned_investment=1.7e308,
                budget_planned_operating=1.7e308,
                budget_spent_investment=1e12,
                budget_spent_operating=5e-324,
            )
            assert heavy.id is not None
            session.add(
                Milestone(trackable_id=heavy.id, title=LONG_TITLE[:300], description=LONG_TEXT)
            )

            parent = _trackable(session, PARENT_ACTION)
            parent.lead_directorate_id = directorate.id
            assert parent.id is not None
            for code, progress in zip(SUB_ACTIONS, (100.0, 0.0), strict=True):
                sub = _trackable(session, code)
                sub.title = LONG_TITLE
                sub.weight = 1.7e308
                sub.lead_directorate_id = directorate.id
                _report(session, sub, 2025, progress, budget_planned_investment=1e12)

            for code, weight, progress in zip(
                HEAVY_WEIGHT_ACTIONS, (1.7e308, 5e-324), (100.0, 0.0), strict=True
            ):
                action = _trackable(session, code)
                action.weight = weight
                action.lead_directorate_id = directorate.id
                _report(session, action, 2024, progress, budget_spent_operating=5e-324)

            flagship = _trackable(session, FLAGSHIP)
            flagship.lead_directorate_id = directorate.id
            flagship.title = LONG_TITLE
            # Two 1.7e308 budgets in the same column: their sum overflows a double.
            _report(session, flagship, 2024, 0.0, budget_planned_investment=1.7e308)
            _report(
                session,
                flagship,
                2025,
                100.0,
                budget_planned_investment=1.7e308,
                budget_planned_operating=1e12,
            )

            for case in INDICATORS:
                _write_indicator(session, case, directorate)
    finally:
        engine.dispose()


def _write_indicator(session: Session, case: IndicatorCase, directorate: Directorate) -> None:
    indicator = session.exec(select(Indicator).where(col(Indicator.code) == case.code)).first()
    if indicator is None:
        indicator = Indicator(code=case.code, name=LONG_NAME, direction=case.direction)
        session.add(indicator)
    indicator.direction = case.direction
    indicator.decimals = case.decimals
    indicator.unit = case.unit or indicator.unit
    indicator.description = LONG_TEXT
    indicator.method = LONG_TEXT
    indicator.lead_directorate_id = directorate.id
    indicator.baseline_year = case.baseline[0] if case.baseline else None
    indicator.baseline_value = case.baseline[1] if case.baseline else None
    session.flush()
    assert indicator.id is not None
    existing = {
        t.year
        for t in session.exec(
            select(IndicatorTarget).where(col(IndicatorTarget.indicator_id) == indicator.id)
        )
    }
    for year, value in case.targets:
        if year not in existing:
            session.add(IndicatorTarget(indicator_id=indicator.id, year=year, value=value))
    rows = [(year, "", value) for year, value in case.values] + [
        (year, commune, value) for commune, year, value in case.commune_values
    ]
    for index, (year, commune, value) in enumerate(rows):
        session.add(
            IndicatorValue(
                indicator_id=indicator.id,
                year=year,
                commune=commune,
                value=value,
                comment=LONG_TEXT if index == 0 else "",
                source=LONG_NAME,
                recorded_by="restored-dump",
            )
        )
    for code in case.measures:
        trackable = _trackable(session, code)
        session.add(IndicatorLink(indicator_id=indicator.id, trackable_id=trackable.id))


#: NaN where the backend can hold it (SQLite stores NaN as NULL, which NOT NULL columns refuse).
NAN = math.nan if BACKEND == "postgresql" else math.inf


def write_non_finite(url: str) -> None:
    """The finite extremes, then infinities and NaN on top: in weights (PostgreSQL's check
    ``weight > 0`` lets NaN through), budgets, an indicator's latest value, a baseline, a
    target. The same objects as ``write_extremes``: every address exists in both."""
    write_extremes(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            revision.touch(session, bulk_load=True)
            heavy = _trackable(session, HEAVY_ACTION)
            heavy.weight = math.inf
            _trackable(session, HEAVY_WEIGHT_ACTIONS[1]).weight = NAN
            _report(
                session,
                heavy,
                2026,
                50.0,
                budget_planned_investment=math.inf,
                budget_spent_operating=math.nan,  # NULL on SQLite
            )
            sub = _trackable(session, SUB_ACTIONS[0])
            _report(session, sub, 2026, 10.0, budget_planned_operating=-math.inf)

            def indicator(code: str) -> Indicator:
                return session.exec(select(Indicator).where(col(Indicator.code) == code)).one()

            energy = indicator(ENERGY)
            assert energy.id is not None
            for year, value in ((2026, math.inf), (2027, -math.inf), (2028, NAN)):
                session.add(
                    IndicatorValue(
                        indicator_id=energy.id, year=year, value=value, recorded_by="restored-dump"
                    )
                )
            session.add(IndicatorTarget(indicator_id=energy.id, year=2035, value=math.inf))
            indicator("IND-X-SPAN").baseline_value = -math.inf
            fall = indicator("IND-X-FALL")
            session.exec(
                select(IndicatorTarget).where(col(IndicatorTarget.indicator_id) == fall.id)
            ).one().value = NAN
    finally:
        engine.dispose()


def _database(
    databases: SqliteDatabases | PostgresDatabases, template: str, write: Callable[[str], None]
) -> Iterator[TestClient]:
    """A database of the module's own (its tests only read it) and a client on it."""
    url = databases.clone(template)
    write(url)
    with make_client(url) as client:
        yield client
    databases.drop(url)


@pytest.fixture(scope="module")
def finite_reader(
    databases: SqliteDatabases | PostgresDatabases, seeded_template: str
) -> Iterator[TestClient]:
    yield from _database(databases, seeded_template, write_extremes)


@pytest.fixture(scope="module")
def non_finite_reader(
    databases: SqliteDatabases | PostgresDatabases, seeded_template: str
) -> Iterator[TestClient]:
    yield from _database(databases, seeded_template, write_non_finite)


@pytest.fixture(
    scope="module", params=["finite_reader", "non_finite_reader"], ids=["finite", "non-finite"]
)
def reader(request: pytest.FixtureRequest) -> TestClient:
    """Each of the two databases in turn: finite extremes, then infinities and NaN."""
    client: TestClient = request.getfixturevalue(request.param)
    return client


# --- What every answer must be ------------------------------------------------------------------


def strict_json(text: str) -> Any:
    """``json.loads`` refusing NaN and ±Infinity, and numbers no double can hold (``1e400``, a
    400-digit integer): what a strict reader (JavaScript, a typed client) would choke on."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def finite_float(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise ValueError(f"{literal[:40]} does not fit in a double")
        return value

    def finite_int(literal: str) -> int:
        value = int(literal)
        float(value)  # OverflowError beyond a double
        return value

    return json.loads(
        text, parse_constant=refuse_constant, parse_float=finite_float, parse_int=finite_int
    )


#: SVG attributes holding coordinates or lengths.
GEOMETRY = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "points", "d"}
#: How far outside the view box a coordinate may go (labels above the top mark, say).
MARGIN = 50


class ChartGeometry(HTMLParser):
    """Every coordinate of the charts' SVG (not the legend's swatches), as its text."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.charts = 0
        self.numbers: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "svg" and "chart" in classes:
            self.depth, self.charts = 1, self.charts + 1
            return
        if self.depth:
            if tag == "svg":
                self.depth += 1
            for name, value in attrs:
                if name in GEOMETRY and value is not None:
                    # Path commands and separators aside, only numbers remain.
                    for token in re.split(r"[\s,]+", re.sub(r"[MLZ]", " ", value).strip()):
                        self.numbers.append((name, token))

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "svg":
            self.depth -= 1


def assert_finite_charts(html: str) -> int:
    geometry = ChartGeometry()
    geometry.feed(html)
    for name, token in geometry.numbers:
        assert re.fullmatch(r"-?\d+(\.\d+)?", token), f"{name}={token[:40]!r} is not a plain number"
        assert -MARGIN <= float(token) <= charts.WIDTH + MARGIN, f"{name}={token} is off the chart"
    return geometry.charts


# --- Every page, every open-data file, every read -----------------------------------------------

PAGES = [
    "/",
    "/engagements/E1",
    "/engagements/E2",
    "/engagements/E3",
    f"/engagements/{ENGAGEMENT}",
    "/actions",
    "/actions?sort=-progress",
    "/actions?sort=progress&limit=200",
    f"/actions/{HEAVY_ACTION}",
    f"/actions/{PARENT_ACTION}",
    *(f"/actions/{code}" for code in (*SUB_ACTIONS, *HEAVY_WEIGHT_ACTIONS)),
    "/projets-phares",
    f"/projets-phares/{FLAGSHIP}",
    "/indicateurs",
    *(f"/indicateurs/{code}" for code in INDICATOR_CODES),
    "/directions",
    "/communes",
    "/donnees-ouvertes",
]

OPEN_DATA_JSON = [f"/api/v1/open-data/{r.name}.json" for r in opendata.RESOURCES]
OPEN_DATA_CSV = [f"/api/v1/open-data/{r.name}.csv" for r in opendata.RESOURCES]
OPEN_DATA = [
    "/api/v1/open-data",
    "/api/v1/open-data/datapackage.json",
    "/api/v1/open-data/tree.json",
    *OPEN_DATA_JSON,
]

API_READS = [
    "/api/v1/plan",
    "/api/v1/tree",
    "/api/v1/dashboard/summary",
    "/api/v1/dashboard/directorates",
    "/api/v1/dashboard/communes",
    "/api/v1/dashboard/reporting?year=2025",
    f"/api/v1/engagements/{ENGAGEMENT}",
    f"/api/v1/axes/{WEIGHTS_AXIS}",
    f"/api/v1/axes/{ENERGY_AXIS}",
    "/api/v1/indicators",
    "/api/v1/indicators?limit=100",
    *(f"/api/v1/indicators/{code}" for code in INDICATOR_CODES),
    "/api/v1/actions",
    "/api/v1/actions?sort=-progress&limit=200",
    *(
        f"/api/v1/actions/{code}{suffix}"
        for code in (HEAVY_ACTION, PARENT_ACTION, *SUB_ACTIONS, *HEAVY_WEIGHT_ACTIONS)
        for suffix in ("", "/progress")
    ),
    f"/api/v1/actions/{HEAVY_ACTION}/progress/2024",
    f"/api/v1/actions/{HEAVY_ACTION}/progress/2025",
    f"/api/v1/actions/{HEAVY_ACTION}/milestones",
    f"/api/v1/actions/{HEAVY_ACTION}/history",
    "/api/v1/flagship-projects",
    f"/api/v1/flagship-projects/{FLAGSHIP}",
    f"/api/v1/flagship-projects/{FLAGSHIP}/progress",
    f"/api/v1/directorates/{DIRECTORATE}",
    "/api/v1/changes",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(reader: TestClient, path: str) -> None:
    response = reader.get(path)
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/html")
    assert_finite_charts(response.text)


@pytest.mark.parametrize("path", [*OPEN_DATA, *API_READS])
def test_every_json_read_is_strict_json(reader: TestClient, path: str) -> None:
    response = reader.get(path)
    assert response.status_code == 200, response.text[-2000:]
    strict_json(response.text)


@pytest.mark.parametrize("path", OPEN_DATA_CSV)
def test_every_csv_has_the_rows_of_its_json_and_plain_numbers(
    reader: TestClient, path: str
) -> None:
    response = reader.get(path)
    assert response.status_code == 200, response.text[-2000:]
    resource = opendata.get_resource(path.rsplit("/", 1)[1].removesuffix(".csv"))
    header, *rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert header == resource.field_names
    items = strict_json(reader.get(path.removesuffix(".csv") + ".json").text)["items"]
    assert len(rows) == len(items)
    numeric = [c.name for c in resource.fields if c.type in ("number", "integer")]
    for row, item in zip(rows, items, strict=True):
        cells = dict(zip(header, row, strict=True))
        for name in numeric:
            if cells[name] in opendata.NON_FINITE.values():
                assert item[name] is None  # Table Schema's INF, -INF, NaN; JSON has none
            elif cells[name]:
                assert re.fullmatch(r"-?\d+(\.\d+)?", cells[name]), cells[name][:40]
                assert float(cells[name]) == item[name]


def test_the_lists_above_cover_every_page_and_open_data_file(finite_reader: TestClient) -> None:
    """A page or a resource added later must be added to the lists above."""
    for route in web_router.routes:
        assert isinstance(route, APIRoute)
        pattern = re.sub(r"\{[^}]+\}", "[^/?]+", route.path) + r"(\?.*)?"
        assert any(re.fullmatch(pattern, path) for path in PAGES), route.path
    index = strict_json(finite_reader.get("/api/v1/open-data").text)
    listed = {
        urlsplit(link).path
        for resource in index["resources"]
        for link in (resource["csv"], resource["json"])
    }
    assert listed == {*OPEN_DATA_CSV, *OPEN_DATA_JSON}
    for name in ("datapackage", "tree"):
        assert urlsplit(index[name]).path in OPEN_DATA


# --- The values themselves, as pages and files show them ----------------------------------------


@pytest.mark.parametrize("case", INDICATORS, ids=INDICATOR_CODES)
def test_indicator_pages_label_every_true_value(
    finite_reader: TestClient, case: IndicatorCase
) -> None:
    """Clamped in the drawing, every stored value is still written out, as the page formats it."""
    html = finite_reader.get(f"/indicateurs/{case.code}").text
    assert assert_finite_charts(html) == 1
    detail = IndicatorDetail.model_validate(
        finite_reader.get(f"/api/v1/indicators/{case.code}").json()
    )
    shown = [*case.values, *case.targets, *([case.baseline] if case.baseline else [])]
    for _, value in shown:
        text = fr.quantity(value, detail.unit, detail.decimals)
        assert str(escape(text)) in html, text


def test_the_api_gives_stored_values_back_exactly(finite_reader: TestClient) -> None:
    for case in INDICATORS:
        body = strict_json(finite_reader.get(f"/api/v1/indicators/{case.code}").text)
        assert [(v["year"], v["value"]) for v in body["values"]] == list(case.values)
        assert [(t["year"], t["value"]) for t in body["targets"]] == sorted(
            {*case.targets, *([(2044, 50.0)] if case.code == ENERGY else [])}
        )
        trajectory = body["trajectory"]
        for name in ("progress_rate", "growth_ratio", "expected_value"):
            assert trajectory[name] is None or math.isfinite(trajectory[name])
        if trajectory["progress_rate"] is not None:
            assert 0 <= trajectory["progress_rate"] <= 100


def test_budgets_whose_sum_overflows(finite_reader: TestClient) -> None:
    """Two budgets of 1.7e308 sum beyond a double: the national export leaves the total empty
    rather than writing a number no reader can hold; each stored budget is exported as is."""
    items = strict_json(finite_reader.get("/api/v1/open-data/projets_territoire.json").text)[
        "items"
    ]
    by_id = {item["id"]: item for item in items}
    for code in (HEAVY_ACTION, FLAGSHIP):
        assert by_id[opendata.project_id(code)]["budgetPrevisionnel"] is None
    # Sub-actions with a budget of 1e12 each: exact.
    assert by_id[opendata.project_id(SUB_ACTIONS[0])]["budgetPrevisionnel"] == 10**12
    progress = strict_json(finite_reader.get("/api/v1/open-data/progress.json").text)["items"]
    stored = [
        p["budget_planned_investment"] for p in progress if p["trackable_code"] == HEAVY_ACTION
    ]
    assert stored == [1.7e308, 1.7e308]


def axis_progress(reader: TestClient, code: str) -> float | None:
    tree = strict_json(reader.get("/api/v1/tree").text)
    axes = [a for e in tree["engagements"] for a in e["axes"] if a["code"] == code]
    progress: float | None = axes[0]["rollup"]["progress"]
    return progress


def test_rollups_over_weights_whose_sum_overflows(finite_reader: TestClient) -> None:
    # E7.1.1 (weight 1.7e308, 100 %) outweighs E7.1.2 (5e-324, 0 %) and E7.1.3 (1, 0 %).
    assert axis_progress(finite_reader, WEIGHTS_AXIS) == pytest.approx(100.0)
    # E7.2.2 (1.7e308, 100 %) outweighs E7.2.1 (1, the mean of its two sub-actions of 1.7e308).
    assert axis_progress(finite_reader, ENERGY_AXIS) == pytest.approx(100.0)
    plan = strict_json(finite_reader.get("/api/v1/dashboard/summary").text)
    # The plan: the two actions of weight 1.7e308, both at 100 %, outweigh all others.
    assert plan["plan"]["rollup"]["progress"] == pytest.approx(100.0)


# --- The arithmetic, on every combination of extremes -------------------------------------------


def _finite_or_none(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def test_trajectories_are_total() -> None:
    for direction, (b, t, c) in itertools.product(Direction, itertools.product(EXTREMES, repeat=3)):
        result = assess(
            direction=direction,
            baseline=Point(2020, b),
            target=Point(2044, t),
            current=Point(2026, c),
            year=2030,
        )
        assert result.progress_rate is not None and 0 <= result.progress_rate <= 100
        assert _finite_or_none(result.growth_ratio), (direction, b, t, c)
        assert result.expected_value is not None and math.isfinite(result.expected_value)
        assert min(b, t) <= result.expected_value <= max(b, t)
        assert result.explanation


def test_trajectory_arithmetic_where_doubles_overflow() -> None:
    # (1e307 + 1e308) / (1e308 + 1e308) = 55 %, though both differences overflow a double.
    assert progress_rate(-1e308, 1e308, 1e307) == pytest.approx(55.0)
    assert progress_rate(-1e308, 1e308, 1.7e308) == 100.0
    assert progress_rate(1e308, -1e308, 1.7e308) == 0.0
    # Half-way from -1e308 to 1e308 is 0.
    assert expected_value(Point(2020, -1e308), Point(2044, 1e308), 2032) == pytest.approx(0.0)
    assert expected_value(Point(2020, 1.7e308), Point(2044, 1.7e308), 2032) == 1.7e308
    # Linear growth (the baseline is negative): 2/24 a year needed, 1.1/4 observed: 3.3 ×.
    result = assess(
        direction=Direction.increase,
        baseline=Point(2020, -1e308),
        target=Point(2044, 1e308),
        current=Point(2024, 1e307),
        year=2024,
    )
    assert result.growth_ratio == pytest.approx((1.1 / 4) / (2 / 24))
    assert result.trajectory == Trajectory.on_track
    # Compound growth from a subnormal: both rates beyond a double, their ratio is not.
    needed = (math.log(1e308) - math.log(5e-324)) / 24
    observed = (math.log(1e15) - math.log(5e-324)) / 5
    tiny = assess(
        direction=Direction.increase,
        baseline=Point(2020, 5e-324),
        target=Point(2044, 1e308),
        current=Point(2025, 1e15),
        year=2025,
    )
    assert tiny.growth_ratio == pytest.approx(math.exp(observed - needed), rel=1e-6)
    assert tiny.trajectory == Trajectory.on_track
    assert math.isinf(annual_growth(Point(2020, 5e-324), Point(2021, 1e308)))


def test_weighted_means_are_total() -> None:
    for weights in itertools.product((1.7e308, 1.0, 5e-324), repeat=3):
        mean = weighted_mean(zip((100.0, 0.0, 50.0), weights, strict=True))
        assert mean is not None and 0 <= mean <= 100, weights
    assert weighted_mean([(100.0, 1.7e308), (0.0, 1.7e308)]) == pytest.approx(50.0)
    assert weighted_mean([(100.0, 1.7e308), (0.0, 1.0)]) == pytest.approx(100.0)
    assert weighted_mean([(100.0, 5e-324), (0.0, 5e-324)]) == pytest.approx(50.0)
    assert weighted_mean([]) is None


def test_tick_scales_are_total() -> None:
    for low, high in itertools.product(EXTREMES, repeat=2):
        ticks = charts.nice_ticks(*charts.drawable_domain([low, high]))
        assert 2 <= len(ticks) <= 12, (low, high, ticks)
        assert all(math.isfinite(t) for t in ticks)
        assert ticks == sorted(set(ticks))


def test_french_numbers_are_total() -> None:
    for value, decimals in itertools.product(
        (*EXTREMES, math.inf, -math.inf, math.nan), (-1, 0, 2, 6, 1000)
    ):
        text = fr.number(value, decimals)
        assert 0 < len(text) < 40, (value, decimals, text)
        assert not re.search(r"\d[eE]|inf|nan", text), text  # no "1e+308", "inf" or "nan"
        fr.percent(value)
        fr.quantity(value, "€", decimals)
    assert fr.number(1e12) == "1\u202f000\u202f000\u202f000\u202f000"
    assert fr.number(1.7e308) == "1,7\u202f×\u202f10³⁰⁸"
    assert fr.number(-1e-300, 2) == "0,00"


def test_infinities_and_nan_are_shown_as_such(non_finite_reader: TestClient) -> None:
    """Where a stored value is infinite or NaN, the page says so (∞, "valeur non numérique"),
    the JSON gives null, the CSV Table Schema's INF, -INF or NaN, and the trajectory no data."""
    energy = strict_json(non_finite_reader.get(f"/api/v1/indicators/{ENERGY}").text)
    assert [v["value"] for v in energy["values"] if v["year"] >= 2026] == [None, None, None]
    assert energy["trajectory"]["trajectory"] == "no_data"
    assert energy["trajectory"]["progress_rate"] is None
    html = non_finite_reader.get(f"/indicateurs/{ENERGY}").text
    assert f"2026 : {fr.quantity(math.inf, '%')}" in html
    assert f"2027 : {fr.quantity(-math.inf, '%')}" in html
    assert f"2028 : {fr.quantity(NAN, '%')}" in html
    values = non_finite_reader.get("/api/v1/open-data/indicator_values.csv").text
    assert f"{ENERGY},2026,,INF," in values and f"{ENERGY},2027,,-INF," in values
    assert f"{ENERGY},2028,,{'NaN' if math.isnan(NAN) else 'INF'}," in values
    for code in ("IND-X-SPAN", "IND-X-FALL"):
        body = strict_json(non_finite_reader.get(f"/api/v1/indicators/{code}").text)
        assert body["trajectory"]["trajectory"] == "no_data"

    # An infinite weight outweighs every finite one (E7.2.2 at 50 % in 2026); E7.1.2's NaN weight
    # counts for nothing, leaving E7.1.1's 100 % (on SQLite, its infinite weight and 0 % win).
    assert axis_progress(non_finite_reader, ENERGY_AXIS) == pytest.approx(50.0)
    assert axis_progress(non_finite_reader, WEIGHTS_AXIS) == pytest.approx(
        100.0 if math.isnan(NAN) else 0.0
    )


def test_far_years_do_not_label_or_draw_every_year(finite_reader: TestClient) -> None:
    html = finite_reader.get("/indicateurs/IND-X-FAR-YEAR").text
    [svg] = re.findall(r'<svg class="chart[^>]*>.*?</svg>', html, re.S)
    year_labels = re.findall(r'<text class="tick"[^>]*text-anchor="middle">(\d+)</text>', svg)
    assert "2020" in year_labels and "100000" in year_labels
    assert len(year_labels) <= charts.YEAR_LABELS + 2
    chart = charts.progress_chart(
        "far", "E9", [(2024, 0.0), (100_000, 100.0)], first_year=2024, last_year=2026
    )
    assert chart.count('<rect class="bar"') == 2
    assert chart.count('text-anchor="middle">') <= 4  # two years and their two values
    assert_finite_charts(str(chart))
