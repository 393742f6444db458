"""Strict parsing (issue 13): every write takes JSON booleans, numbers and dates as written and
within sane bounds, refuses unknown fields and unstorable text, and changes nothing when it
refuses; years and ids in paths have one spelling; a malformed If-Match is a 400; a 405 lists
every method of its path; the OpenAPI document lists every status an operation can answer."""

import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api import deps
from app.api.method_not_allowed import allowed_methods, install_method_not_allowed
from app.core.config import Settings
from app.core.errors import BadHeaderError
from app.core.versioning import parse_version_etag
from app.main import create_app
from app.models.indicators import IndicatorCreate, IndicatorValueInput
from app.models.structure import AxisUpdate, DirectorateCreate
from app.models.tracking import ActionCreate, ActionUpdate, MilestoneInput, ProgressReportInput
from app.revision.http_cache import NEVER_STORED
from tests.conftest import DEV_ACTION, ENV_FLAGSHIP, Tokens, auth
from tests.helpers import field_errors, problem, snapshot

INDICATOR = "IND-AUTONOMIE-ENERGETIQUE"
Path = tuple[str | int, ...]


# --- The write routes, and what each of their fields accepts --------------------------------------


@dataclass(frozen=True)
class Write:
    """A write route with a body it accepts, and its fields by kind (as paths into the body)."""

    name: str
    method: str
    url: str  # "{milestone}": the id of a milestone made for the test
    body: dict[str, Any]
    flags: tuple[Path, ...] = ()
    #: A number field and values out of its bounds.
    numbers: tuple[tuple[Path, tuple[float, ...]], ...] = ()
    #: A whole-number field and values out of its bounds.
    integers: tuple[tuple[Path, tuple[int, ...]], ...] = ()
    #: A date field, its first and last accepted days.
    dates: tuple[tuple[Path, str, str], ...] = ()
    texts: tuple[Path, ...] = ()
    #: Objects (the body, or one nested in it) that must refuse an unknown field.
    objects: tuple[Path, ...] = ((),)
    if_match: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


TRACKING_DATES: tuple[tuple[Path, str, str], ...] = tuple(
    ((name,), "2000-01-01", "2060-12-31")
    for name in ("planned_start", "planned_end", "actual_start", "actual_end")
)
WEIGHT: tuple[Path, tuple[float, ...]] = (("weight",), (0, -1, 1000.5, 1e300))
MEASURE_BOUNDS = (1.000001e15, -1.000001e15, 1e300)
EUROS: tuple[tuple[Path, tuple[float, ...]], ...] = tuple(
    ((name,), (-1, -0.01, 1.0001e12, 1e300))
    for name in (
        "budget_planned_investment",
        "budget_planned_operating",
        "budget_spent_investment",
        "budget_spent_operating",
    )
)

WRITES = [
    Write(
        "update-action",
        "PATCH",
        f"/api/v1/actions/{DEV_ACTION}",
        {"status": "in_progress"},
        flags=(("archived",),),
        numbers=(WEIGHT,),
        dates=TRACKING_DATES,
        texts=(("title",), ("description",), ("objectives",), ("partners", 0)),
        if_match=True,
    ),
    Write(
        "create-action",
        "POST",
        "/api/v1/actions",
        {"axis": "E1.1", "title": "Une action"},
        numbers=(WEIGHT,),
        dates=TRACKING_DATES,
        texts=(("title",), ("description",), ("partners", 0)),
    ),
    Write(
        "update-flagship",
        "PATCH",
        f"/api/v1/flagship-projects/{ENV_FLAGSHIP}",
        {"priority": "high"},
        flags=(("archived",),),
        numbers=(WEIGHT,),
        dates=TRACKING_DATES,
        texts=(("title",), ("objectives",)),
        if_match=True,
    ),
    Write(
        "create-flagship",
        "POST",
        "/api/v1/flagship-projects",
        {"engagement": "E2", "title": "Maison du climat"},
        numbers=(WEIGHT,),
        dates=TRACKING_DATES,
        texts=(("title",),),
    ),
    Write(
        "put-progress",
        "PUT",
        f"/api/v1/actions/{DEV_ACTION}/progress/2030",
        {"progress": 10},
        numbers=((("progress",), (-1, -0.001, 100.001, 1e300)), *EUROS),
        texts=(("comment",),),
        if_match=True,
    ),
    Write(
        "put-flagship-progress",
        "PUT",
        f"/api/v1/flagship-projects/{ENV_FLAGSHIP}/progress/2024",
        {"progress": 10},
        numbers=((("progress",), (-1, 101)),),
        texts=(("comment",),),
        if_match=True,
    ),
    Write(
        "create-milestone",
        "POST",
        f"/api/v1/actions/{DEV_ACTION}/milestones",
        {"title": "Lancement"},
        flags=(("done",),),
        dates=(
            (("planned_on",), "2024-01-01", "2044-12-31"),
            (("achieved_on",), "2024-01-01", "2044-12-31"),
        ),
        texts=(("title",), ("description",)),
    ),
    Write(
        "update-milestone",
        "PATCH",
        "/api/v1/milestones/{milestone}",
        {"done": True},
        flags=(("done",),),
        dates=(
            (("planned_on",), "2024-01-01", "2044-12-31"),
            (("achieved_on",), "2024-01-01", "2044-12-31"),
        ),
        texts=(("title",), ("description",)),
        if_match=True,
    ),
    Write(
        "create-indicator",
        "POST",
        "/api/v1/indicators",
        {
            "code": "IND-NEW",
            "name": "Nouvel indicateur",
            "direction": "increase",
            "baseline": {"year": 2019, "value": 1},
            "targets": [{"year": 2044, "value": 5}],
        },
        numbers=(
            (("baseline", "value"), MEASURE_BOUNDS),
            (("targets", 0, "value"), MEASURE_BOUNDS),
        ),
        integers=(
            (("decimals",), (-1, 7)),
            (("baseline", "year"), (1989, 2045)),
            (("targets", 0, "year"), (2023, 2045)),
        ),
        texts=(("name",), ("unit",), ("source",), ("method",), ("update_frequency",)),
        objects=((), ("baseline",), ("targets", 0)),
    ),
    Write(
        "update-indicator",
        "PATCH",
        f"/api/v1/indicators/{INDICATOR}",
        {"baseline": {"year": 2019, "value": 1}, "targets": [{"year": 2044, "value": 5}]},
        numbers=(
            (("baseline", "value"), MEASURE_BOUNDS),
            (("targets", 0, "value"), MEASURE_BOUNDS),
        ),
        integers=(
            (("decimals",), (-1, 7)),
            (("baseline", "year"), (1989, 2045)),
            (("targets", 0, "year"), (2023, 2045)),
        ),
        texts=(("name",), ("description",)),
        objects=((), ("baseline",), ("targets", 0)),
    ),
    Write(
        "put-indicator-value",
        "PUT",
        f"/api/v1/indicators/{INDICATOR}/values/2030",
        {"value": 12.5},
        numbers=((("value",), MEASURE_BOUNDS),),
        texts=(("comment",), ("source",)),
    ),
    Write(
        "create-axis",
        "POST",
        "/api/v1/axes",
        {"engagement": "E3", "title": "Nouvel axe"},
        texts=(("title",),),
    ),
    Write(
        "update-axis",
        "PATCH",
        "/api/v1/axes/E2.3",
        {"title": "Énergies"},
        flags=(("archived",),),
        texts=(("title",),),
    ),
    Write(
        "create-directorate",
        "POST",
        "/api/v1/directorates",
        {"code": "CULT", "name": "Direction de la culture"},
        texts=(("name",),),
    ),
    Write(
        "update-directorate",
        "PATCH",
        "/api/v1/directorates/ENV",
        {"name": "Direction de la transition écologique"},
        texts=(("name",),),
    ),
]


def set_at(body: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of ``body`` with ``value`` at ``path``; missing containers on the way are made
    (a list where the next step is an index)."""
    result = copy.deepcopy(body)
    node: Any = result
    for part, step in itertools.pairwise(path):
        empty: Any = [None] * (step + 1) if isinstance(step, int) else {}
        node = node.setdefault(part, empty) if isinstance(node, dict) else node[part]
    node[path[-1]] = value
    return result


def make_milestone(client: TestClient, token: str) -> int:
    response = client.post(
        f"/api/v1/actions/{DEV_ACTION}/milestones",
        json={"title": "Étude", "planned_on": "2025-06-30"},
        headers=auth(token),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@dataclass
class Target:
    """A write route made ready: its URL, and the database's rows to compare with afterwards."""

    client: TestClient
    write: Write
    url: str
    token: str
    db_url: str
    before: dict[str, list[tuple[Any, ...]]]

    def send(self, body: Any = None, *, content: str | None = None, **headers: str) -> Any:
        return self.client.request(
            self.write.method,
            self.url,
            json=body if content is None else None,
            content=content,
            headers={
                **auth(self.token),
                **({"Content-Type": "application/json"} if content is not None else {}),
                **headers,
            },
        )

    def refused(self, response: Any, loc: list[str | int], status: int = 422) -> None:
        """The answer is ``status`` naming ``loc`` (or a place in it), and nothing changed."""
        body = problem(response, status)
        if status == 422:
            locs = [list(error["loc"]) for error in body["errors"]]
            assert any(found[: len(loc)] == loc for found in locs), (loc, locs)
        assert snapshot(self.db_url) == self.before, f"{loc}: a refused write changed data"


@pytest.fixture
def target(
    request: pytest.FixtureRequest, client: TestClient, keys: Tokens, db_url: str
) -> Iterator[Target]:
    write: Write = request.param
    url = write.url
    if "{milestone}" in url:
        url = url.format(milestone=make_milestone(client, keys.admin))
    yield Target(client, write, url, keys.admin, db_url, snapshot(db_url))


def writes_with(attribute: str) -> list[Any]:
    return [pytest.param(write, id=write.name) for write in WRITES if getattr(write, attribute)]


ALL_WRITES = [pytest.param(write, id=write.name) for write in WRITES]


@pytest.mark.parametrize("target", ALL_WRITES, indirect=True)
def test_the_valid_body_is_accepted(target: Target) -> None:
    """The baseline of every case below: the body they start from is a good one."""
    response = target.send(target.write.body)
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize("target", writes_with("flags"), indirect=True)
def test_booleans_are_json_booleans_only(target: Target) -> None:
    for path in target.write.flags:
        for bad in ("yes", "true", "false", 1, 0, 1.0, "on", [True]):
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("numbers"), indirect=True)
def test_numbers_are_json_numbers_only(target: Target) -> None:
    for path, _ in target.write.numbers:
        for bad in (True, False, "50", "1e3", "", [1], {"value": 1}):
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("integers"), indirect=True)
def test_whole_numbers_are_json_integers_only(target: Target) -> None:
    for path, _ in target.write.integers:
        for bad in (True, "2", 2.0, 2.5):
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("numbers"), indirect=True)
def test_non_finite_numbers_are_refused(target: Target) -> None:
    """Python's json writes NaN and Infinity, and reads 1e999 as infinity: the body is built
    by hand, as a careless client would send it."""
    for path, _ in target.write.numbers:
        placeholder = json.dumps(set_at(target.write.body, path, "__BAD__"))
        for bad in ("NaN", "Infinity", "-Infinity", "1e999", "-1e999"):
            content = placeholder.replace('"__BAD__"', bad)
            target.refused(target.send(content=content), ["body", *path])


@pytest.mark.parametrize("target", writes_with("numbers"), indirect=True)
def test_numbers_out_of_bounds_are_refused(target: Target) -> None:
    for path, values in target.write.numbers:
        for bad in values:
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("integers"), indirect=True)
def test_whole_numbers_out_of_bounds_are_refused(target: Target) -> None:
    for path, values in target.write.integers:
        for bad in (*values, 2**31, -(2**63), 10**30):
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("dates"), indirect=True)
def test_dates_are_plain_dates_within_bounds(target: Target) -> None:
    for path, first, last in target.write.dates:
        day_before = f"{int(first[:4]) - 1}-12-31"
        day_after = f"{int(last[:4]) + 1}-01-01"
        for bad in (
            day_before,
            day_after,
            "0001-01-01",
            "9999-12-31",
            "2030-06-30T00:00:00",
            "2030-06-30Z",
            "20300630",
            "2030-6-30",
            "2030-02-30",
            1_900_000_000,
            True,
        ):
            target.refused(target.send(set_at(target.write.body, path, bad)), ["body", *path])


@pytest.mark.parametrize("target", writes_with("dates"), indirect=True)
def test_dates_at_their_bounds_are_accepted(target: Target) -> None:
    dates = target.write.dates
    for bound in (1, 2):  # every date at its first accepted day, then at its last
        body = target.write.body
        for path, *bounds in dates:
            body = set_at(body, path, bounds[bound - 1])
        response = target.send(body)
        assert response.status_code in (200, 201), (body, response.text)


@pytest.mark.parametrize("target", ALL_WRITES, indirect=True)
def test_unknown_fields_are_refused(target: Target) -> None:
    for path in target.write.objects:
        body = set_at(target.write.body, (*path, "staus"), "planned")
        target.refused(target.send(body), ["body", *path, "staus"])


@pytest.mark.parametrize("target", writes_with("texts"), indirect=True)
def test_unstorable_text_is_refused(target: Target) -> None:
    """A NUL character (PostgreSQL refuses it, SQLite would store it) and an unpaired surrogate
    (no database can encode it), sent as JSON escapes."""
    for path in target.write.texts:
        placeholder = json.dumps(set_at(target.write.body, path, "__BAD__"))
        for bad in ('"a\\u0000b"', '"\\u0000"', '"a\\ud800b"', '"\\udfff"'):
            content = placeholder.replace('"__BAD__"', bad)
            target.refused(target.send(content=content), ["body", *path])


@pytest.mark.parametrize("target", writes_with("if_match"), indirect=True)
def test_a_malformed_if_match_is_400(target: Target) -> None:
    for bad in ("garbage", "", '"', '""', '"3', '3"', 'W/"', '"abc"', '"-1"', "+3", '"3", "4"'):
        response = target.send(target.write.body, **{"If-Match": bad})
        target.refused(response, [], status=400)
        assert response.json()["header"] == "If-Match", response.text


# --- Models on their own (the CLI, the services) ----------------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "loc"),
    [
        (ActionCreate, {"axis": "E1.1", "title": "a\x00b"}, ("title",)),
        (ActionCreate, {"axis": "E1.1", "title": "T", "partners": ["ok", "\x00"]}, ("partners",)),
        (ActionUpdate, {"description": "\ud800"}, ("description",)),
        (ActionUpdate, {"archived": "yes"}, ("archived",)),
        (ActionUpdate, {"weight": True}, ("weight",)),
        (ActionUpdate, {"planned_start": "1999-12-31"}, ("planned_start",)),
        (ProgressReportInput, {"progress": float("nan")}, ("progress",)),
        (ProgressReportInput, {"progress": float("inf")}, ("progress",)),
        (ProgressReportInput, {"progress": True}, ("progress",)),
        (ProgressReportInput, {"progress": 1, "comment": "\x00"}, ("comment",)),
        (ProgressReportInput, {"progress": 1, "extra": 1}, ("extra",)),
        (MilestoneInput, {"title": "M", "planned_on": "9999-12-31"}, ("planned_on",)),
        (MilestoneInput, {"title": "M", "done": 1}, ("done",)),
        (IndicatorValueInput, {"value": float("-inf")}, ("value",)),
        (
            IndicatorCreate,
            {"code": "I", "name": "N", "direction": "increase", "targets": [{"year": 2044}]},
            ("targets", 0, "value"),
        ),
        (AxisUpdate, {"archived": "false"}, ("archived",)),
        (DirectorateCreate, {"code": "C", "name": "Direction\x00"}, ("name",)),
    ],
)
def test_models_refuse_on_their_own(model: Any, data: dict[str, Any], loc: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    assert any(error["loc"][: len(loc)] == loc for error in raised.value.errors())


def test_models_take_python_dates_and_integers_for_numbers() -> None:
    """What Python callers pass: date objects, ints where a number is expected."""
    from datetime import date

    milestone = MilestoneInput(title="M", planned_on=date(2030, 1, 1))
    assert milestone.planned_on == date(2030, 1, 1)
    assert ProgressReportInput(progress=50).progress == 50.0
    assert MilestoneInput.model_validate({"title": "M", "planned_on": "2044-12-31"}).planned_on


# --- The If-Match header --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "version"),
    [
        ("*", None),
        ('"3"', 3),
        ('W/"3"', 3),
        ('"3.r17t1700000000000000"', 3),
        ("3", 3),
        (' "12" ', 12),
    ],
)
def test_well_formed_if_match(header: str, version: int | None) -> None:
    assert parse_version_etag(header) == version


@pytest.mark.parametrize(
    "header", ["garbage", "", '""', '"3', "W/3", '"3" "4"', '"3", "4"', '*, "3"', "٣"]
)
def test_malformed_if_match(header: str) -> None:
    with pytest.raises(BadHeaderError):
        parse_version_etag(header)


def test_every_well_formed_if_match_writes(client: TestClient, keys: Tokens) -> None:
    url = f"/api/v1/actions/{DEV_ACTION}"
    for form in ("*", '"{v}"', 'W/"{v}"', "{v}", "{etag}"):
        read = client.get(url)
        version, etag = read.json()["version"], read.headers["ETag"]
        header = form.format(v=version, etag=etag)
        response = client.patch(
            url, json={"status": "in_progress"}, headers={**auth(keys.admin), "If-Match": header}
        )
        assert response.status_code == 200, (header, response.text)
    stale = client.patch(url, json={}, headers={**auth(keys.admin), "If-Match": '"1"'})
    assert stale.status_code == 412


def test_a_malformed_if_match_is_400_even_for_unknown_resources(
    client: TestClient, keys: Tokens
) -> None:
    for method, url in (
        ("PATCH", "/api/v1/actions/E9.9.9"),
        ("PATCH", "/api/v1/milestones/999999"),
        ("DELETE", "/api/v1/milestones/999999"),
        ("PUT", "/api/v1/actions/E9.9.9/progress/2030"),
    ):
        response = client.request(
            method,
            url,
            json={"progress": 1} if method == "PUT" else {},
            headers={**auth(keys.admin), "If-Match": "garbage"},
        )
        assert response.status_code == 400, (method, url, response.text)


# --- Years and ids in paths and queries ------------------------------------------------------

BAD_YEARS = ["+2030", "02030", " 2030", "2030.0", "2_030", "2023", "2045", "٢٠٣٠", "0x7ee"]


@pytest.mark.parametrize("year", BAD_YEARS)
def test_years_in_paths_are_four_digits_of_the_plan(
    client: TestClient, keys: Tokens, db_url: str, year: str
) -> None:
    before = snapshot(db_url)
    admin = auth(keys.admin)
    for method, url, body in (
        ("GET", f"/api/v1/actions/{DEV_ACTION}/progress/{year}", None),
        ("PUT", f"/api/v1/actions/{DEV_ACTION}/progress/{year}", {"progress": 1}),
        ("GET", f"/api/v1/flagship-projects/{ENV_FLAGSHIP}/progress/{year}", None),
        ("PUT", f"/api/v1/flagship-projects/{ENV_FLAGSHIP}/progress/{year}", {"progress": 1}),
        ("PUT", f"/api/v1/indicators/{INDICATOR}/values/{year}", {"value": 1}),
    ):
        response = client.request(method, url, json=body, headers=admin)
        assert field_errors(response)[0]["loc"] == ["path", "year"], (method, url)
    response = client.get("/api/v1/dashboard/reporting", params={"year": year})
    assert field_errors(response)[0]["loc"] == ["query", "year"]
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    "year",
    [
        "2023",
        "2045",
        "+2030",
        "02030",
    ],
)
def test_the_year_filter_of_lists_is_four_digits_of_the_plan(client: TestClient, year: str) -> None:
    for url in ("/api/v1/actions", "/api/v1/flagship-projects"):
        response = client.get(url, params={"year": year})
        assert response.status_code == 422, (url, response.text)


def test_a_plain_year_is_accepted(client: TestClient, keys: Tokens) -> None:
    url = f"/api/v1/actions/{DEV_ACTION}/progress/2030"
    assert client.put(url, json={"progress": 1}, headers=auth(keys.admin)).status_code == 201
    assert client.get(url).status_code == 200
    assert client.get("/api/v1/dashboard/reporting", params={"year": "2030"}).status_code == 200


@pytest.mark.parametrize("bad", ["+1", "01", " 1", "1.0", "1_0", "0", "-1", "2147483648"])
def test_milestone_ids_are_plain_digits(client: TestClient, keys: Tokens, bad: str) -> None:
    make_milestone(client, keys.admin)
    assert client.get(f"/api/v1/milestones/{bad}").status_code == 422
    response = client.patch(f"/api/v1/milestones/{bad}", json={}, headers=auth(keys.admin))
    assert response.status_code == 422


@pytest.mark.parametrize("bad", ["+1", "01", "1.0", "-1"])
def test_change_feed_cursors_are_plain_digits(client: TestClient, bad: str) -> None:
    assert client.get("/api/v1/changes", params={"since": bad}).status_code == 422
    assert client.get("/api/v1/changes", params={"limit": bad}).status_code == 422
    assert client.get("/api/v1/changes", params={"since": "0", "limit": "10"}).status_code == 200


# --- 405 and its Allow header -----------------------------------------------------------------

#: A path, a method it does not take, and the methods it takes.
NOT_ALLOWED = [
    ("DELETE", f"/api/v1/actions/{DEV_ACTION}", {"GET", "PATCH"}),
    ("PUT", "/api/v1/actions", {"GET", "POST"}),
    ("DELETE", f"/api/v1/actions/{DEV_ACTION}/progress/2030", {"GET", "PUT", "PATCH"}),
    ("PATCH", f"/api/v1/actions/{DEV_ACTION}/milestones", {"GET", "POST"}),
    ("POST", "/api/v1/milestones/1", {"GET", "PATCH", "DELETE"}),
    ("POST", f"/api/v1/indicators/{INDICATOR}", {"GET", "PATCH"}),
    ("GET", f"/api/v1/indicators/{INDICATOR}/values/2030", {"PUT"}),
    ("DELETE", "/api/v1/directorates/ENV", {"GET", "PATCH"}),
    ("POST", "/api/v1/plan", {"GET"}),
]


def test_allowed_methods_of_every_route_of_a_path(db_url: str, keys: Tokens) -> None:
    """The handler itself, installed on an app of the test's own (see the next test for the
    app's own wiring)."""
    app = create_app(Settings(database_url=db_url))
    install_method_not_allowed(app)
    with TestClient(app) as client:
        for method, url, allowed in NOT_ALLOWED:
            response = client.request(method, url, headers=auth(keys.admin))
            assert response.status_code == 405, (method, url, response.text)
            assert set(response.headers["Allow"].split(", ")) == allowed, (method, url)
        # Other HTTP errors are answered as before.
        assert problem(client.get("/api/v1/nowhere"), 404, "not-found")
    scope = {"type": "http", "method": "DELETE", "path": "/api/v1/milestones/1", "root_path": ""}
    assert allowed_methods(app.router.routes, scope) == ["GET", "PATCH", "DELETE"]
    static = {"type": "http", "method": "POST", "path": "/static/app.css", "root_path": ""}
    assert allowed_methods(app.router.routes, static) == ["GET", "HEAD"]


def test_the_app_answers_405_with_every_allowed_method(client: TestClient, keys: Tokens) -> None:
    for method, url, allowed in NOT_ALLOWED:
        response = client.request(method, url, headers=auth(keys.admin))
        assert response.status_code == 405, (method, url, response.text)
        assert set(response.headers["Allow"].split(", ")) == allowed, (method, url)


# --- The OpenAPI document lists what each operation can answer -------------------------------


def _calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def expected_statuses(route: Any, method: str) -> set[str]:
    """What an operation can answer besides success, from what it depends on."""
    calls = set(_calls(route.dependant))
    expected = set()
    writes = method != "GET"
    api = route.path.startswith("/api/")
    if deps.get_session in calls or (writes and api) or deps.get_optional_actor in calls:
        expected.add("503")  # waiting for a database turn (app.core.admission)
    if (
        route.dependant.path_params
        or route.dependant.query_params
        or route.dependant.header_params
        or route.body_field is not None
    ):
        expected.add("422")
    if route.dependant.path_params:
        expected.add("404")
    if deps.get_optional_actor in calls or (writes and api):
        expected |= {"401", "429"}
    if writes and api:
        expected |= {"403", "408", "413"}
    if deps.get_if_match in calls:
        expected |= {"400", "412"}
    never_stored = NEVER_STORED.search(route.path.replace("{year}", "2025"))
    if not writes and route.path.startswith("/api/v1") and not never_stored:
        expected.add("304")  # app.revision.http_cache (the answers it never stores have none)
    return expected


#: Operations of modules the lead edits (imports, open data, health), not yet documented fully.
LEAD_OPERATIONS = {"/api/v1/progress/import", "/api/v1/open-data"}


def missing_statuses(client: TestClient, *, lead: bool) -> tuple[int, list[str]]:
    """How many operations were checked, and what each fails to document."""
    document = client.get("/openapi.json").json()
    checked, missing = 0, []
    routes = client.app.router.routes  # type: ignore[attr-defined]
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path: str = route.path or ""
        if any(path.startswith(prefix) for prefix in LEAD_OPERATIONS) != lead:
            continue
        for method in route.methods or ():
            checked += 1
            documented = set(document["paths"][path][method.lower()]["responses"])
            for status in sorted(expected_statuses(route, method) - documented):
                missing.append(f"{method} {path}: {status}")
    return checked, missing


def test_every_operation_documents_what_it_can_answer(client: TestClient) -> None:
    checked, missing = missing_statuses(client, lead=False)
    assert checked >= 40  # the walk found the operations
    assert missing == []


def test_the_import_and_open_data_operations_document_what_they_can_answer(
    client: TestClient,
) -> None:
    assert missing_statuses(client, lead=True)[1] == []


def test_the_documented_statuses_are_in_the_document(client: TestClient) -> None:
    """Spot checks of the wording and the Retry-After header in the served document."""
    document = client.get("/openapi.json").json()
    put = document["paths"]["/api/v1/actions/{code}/progress/{year}"]["put"]["responses"]
    assert "Retry-After" in put["503"]["headers"]
    assert put["400"]["description"].startswith("A malformed If-Match")
    year = next(
        p
        for p in document["paths"]["/api/v1/actions/{code}/progress/{year}"]["get"]["parameters"]
        if p["name"] == "year"
    )
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2024, 2044)
    # Bounds are JSON Schema keywords, not pydantic's names for them.
    assert '"ge"' not in json.dumps(document) and '"le"' not in json.dumps(document)


def _refs(schema: Any) -> Iterator[str]:
    """The component names a schema refers to, anywhere inside it."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            yield schema["$ref"].rsplit("/", 1)[-1]
        for value in schema.values():
            yield from _refs(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _refs(value)


def test_every_json_body_refuses_unknown_fields_in_the_document(client: TestClient) -> None:
    """Every object a JSON body may hold, nested ones included, says additionalProperties:
    false, so that generated clients and schema-driven fuzzers know it."""
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    seen: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            pending = list(_refs(content.get("application/json", {})))
            while pending:
                name = pending.pop()
                if name in seen:
                    continue
                seen.add(name)
                schema = components[name]
                if schema.get("type") == "object":
                    assert schema.get("additionalProperties") is False, name
                pending.extend(_refs(schema))
    assert {"ProgressReportInput", "BaselineInput", "TargetInput", "AxisUpdate"} <= seen
