"""The tree kept across writes (app.plan.tree: refreshed from the last one built) is always the
tree built from scratch: after every kind of write, the answer of a server that has followed
them equals, byte for byte, that of a server that has just started."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from app import revision
from app.indicators import indicators
from app.models import ProgressReport
from app.plan import tree
from app.trackables import kept
from app.trackables.rollups import Computed
from tests.conftest import DEV_ACTION, ENV_ACTION, ENV_FLAGSHIP, Tokens, auth, make_client

ACTIONS = "/api/v1/actions"
INDICATOR = "/api/v1/indicators/IND-AUTONOMIE-ENERGETIQUE"


def test_the_kept_tree_is_the_tree_built_from_scratch_after_every_kind_of_write(
    client: TestClient, db_url: str, keys: Tokens
) -> None:
    admin = auth(keys.admin)

    def send(method: str, path: str, body: Any = None) -> Any:
        response = client.request(method, path, json=body, headers=admin)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None

    def report(code: str, progress: float, **more: Any) -> Callable[[], Any]:
        return lambda: send(
            "PUT", f"{ACTIONS}/{code}/progress/2025", {"progress": progress, **more}
        )

    sub: dict[str, str] = {}

    def new_sub_action() -> None:
        sub["code"] = send("POST", ACTIONS, {"title": "Sous-action", "parent": ENV_ACTION})["code"]

    milestone: dict[str, int] = {}

    def new_milestone() -> None:
        made = send("POST", f"{ACTIONS}/{DEV_ACTION}/milestones", {"title": "Étude"})
        milestone["id"] = made["id"]

    first = client.get("/api/v1/tree")
    assert first.status_code == 200
    flagship = f"/api/v1/flagship-projects/{ENV_FLAGSHIP}"
    writes: list[tuple[str, Callable[[], Any]]] = [
        # The project's progress is that of the actions it serves, until its own report.
        ("links", lambda: send("PATCH", flagship, {"actions": [ENV_ACTION, DEV_ACTION]})),
        ("progress", report(ENV_ACTION, 20)),
        ("progress again", report(ENV_ACTION, 35.5)),
        ("progress of another action", report(DEV_ACTION, 10)),
        ("progress and status", report(DEV_ACTION, 60, status="in_progress")),
        ("milestone", new_milestone),
        (
            "milestone done",
            lambda: send("PATCH", f"/api/v1/milestones/{milestone['id']}", {"done": True}),
        ),
        (
            "flagship progress",
            lambda: send(
                "PUT", f"/api/v1/flagship-projects/{ENV_FLAGSHIP}/progress/2025", {"progress": 45}
            ),
        ),
        (
            "title",
            lambda: send("PATCH", f"{ACTIONS}/{ENV_ACTION}", {"title": "Autonomie énergétique"}),
        ),
        ("weight", lambda: send("PATCH", f"{ACTIONS}/{DEV_ACTION}", {"weight": 3})),
        # The progress and trajectory counts kept across the title and the weight, then read on.
        ("progress after a title", report(ENV_ACTION, 33)),
        ("indicator value", lambda: send("PUT", f"{INDICATOR}/values/2025", {"value": 12})),
        # The indicator's counts move from one engagement's roll-ups to another's.
        ("indicator links", lambda: send("PATCH", INDICATOR, {"measures": [DEV_ACTION]})),
        ("sub-action", new_sub_action),
        ("sub-action progress", lambda: report(sub["code"], 80)()),
        ("parent progress", report(ENV_ACTION, 50)),
        ("status", lambda: send("PATCH", f"{ACTIONS}/{sub['code']}", {"status": "abandoned"})),
        ("archive", lambda: send("PATCH", f"{ACTIONS}/{DEV_ACTION}", {"archived": True})),
        ("progress after archive", report(ENV_ACTION, 5)),
        ("restore", lambda: send("PATCH", f"{ACTIONS}/{DEV_ACTION}", {"archived": False})),
    ]
    for kind, write in writes:
        write()
        kept = client.get("/api/v1/tree")
        with make_client(db_url) as fresh_client:
            fresh = fresh_client.get("/api/v1/tree")
        assert kept.status_code == fresh.status_code == 200
        assert kept.content == fresh.content, kind
    # The writes did show: the last ones are in the tree.
    assert ENV_ACTION in first.text and "Autonomie énergétique" in kept.text
    assert sub["code"] in kept.text


def test_after_progress_alone_only_the_changed_branch_is_built_again(
    client: TestClient, engine: Engine, keys: Tokens
) -> None:
    with Session(engine) as session:
        before = tree.get(session=session)
    response = client.put(
        f"{ACTIONS}/{ENV_ACTION}/progress/2025", json={"progress": 42}, headers=auth(keys.admin)
    )
    assert response.status_code == 201, response.text
    with Session(engine) as session:
        after = tree.get(session=session)
    engagement = ENV_ACTION.split(".")[0]
    for old, new in zip(before.engagements, after.engagements, strict=True):
        if old.code == engagement:
            assert new is not old and new.rollup != old.rollup
            pairs = zip(old.axes, new.axes, strict=True)
            assert [b.code for a, b in pairs if b is not a] == [ENV_ACTION.rsplit(".", 1)[0]]
        elif ENV_FLAGSHIP not in {f.code for f in old.flagship_projects}:
            assert new is old  # shared with the tree before, untouched
    assert after.plan.rollup != before.plan.rollup
    # A milestone moves neither the structure stamp nor the tree.
    response = client.post(
        f"{ACTIONS}/{ENV_ACTION}/milestones", json={"title": "Étude"}, headers=auth(keys.admin)
    )
    assert response.status_code == 201, response.text
    with Session(engine) as session:
        assert tree.get(session=session) is after


def kept_figures(engine: Engine) -> tuple[Any, Any]:
    """The trajectory counts and the latest progress the last tree was computed from."""
    with Session(engine) as session:
        tree.get(session=session)
        last = kept.previous(session, ("rollups", indicators.this_year()))
    assert isinstance(last, Computed)
    return last.trajectories, last.rows.progress


def test_a_title_keeps_the_trajectory_counts_and_the_progress_an_indicator_does_not(
    client: TestClient, engine: Engine, keys: Tokens
) -> None:
    admin = auth(keys.admin)
    trajectories, progress = kept_figures(engine)
    renamed = client.patch(f"{ACTIONS}/{ENV_ACTION}", json={"title": "Renommée"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    after_title = kept_figures(engine)
    assert after_title[0] is trajectories and after_title[1] is progress
    assert "Renommée" in client.get("/api/v1/tree").text
    # A title and a progress report in one transaction: the report's audit entry is read.
    response = client.put(
        f"{ACTIONS}/{ENV_ACTION}/progress/2025", json={"progress": 64}, headers=admin
    )
    assert response.status_code == 201, response.text
    assert kept_figures(engine)[1] != progress
    value = client.put(f"{INDICATOR}/values/2025", json={"value": 3}, headers=admin)
    assert value.status_code in (200, 201), value.text
    after_value = kept_figures(engine)
    assert after_value[0] is not trajectories and after_value[1] is not progress


def test_a_bulk_load_after_a_title_rebuilds_the_progress(
    client: TestClient, engine: Engine, db_url: str, keys: Tokens
) -> None:
    """A bulk load writes reports without audit entries: the tree must not keep their progress,
    even though the skeleton stays."""
    response = client.put(
        f"{ACTIONS}/{ENV_ACTION}/progress/2025", json={"progress": 20}, headers=auth(keys.admin)
    )
    assert response.status_code == 201, response.text
    assert kept_figures(engine)[1]
    with Session(engine) as session:
        revision.touch(session, bulk_load=True)
        session.execute(update(ProgressReport).values(progress=77))
        session.commit()
    kept_tree = client.get("/api/v1/tree")
    with make_client(db_url) as fresh_client:
        assert kept_tree.content == fresh_client.get("/api/v1/tree").content
    assert {p for _, p in kept_figures(engine)[1].values()} == {77}
