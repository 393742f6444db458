"""/admin/pilotage through HTTP: the table of who leads and contributes, its filters, and the
bulk form: many rows changed in one POST, all or nothing, through the service of
``boussole assign``, audited with the admin's account as its actor (the history API shows it) and
seen by the change feed. Bad or tampered input: its French message, 422, nothing written."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.models import Role
from tests import factories as make
from tests.admin.conftest import ADMIN, notice, page_text, post, refused_each
from tests.conftest import QueryCounter, auth, count_queries
from tests.factories import session_on
from tests.helpers import csrf_token, snapshot


def _rows(html: str) -> list[str]:
    """The codes of the rows a page shows (their checkboxes)."""
    return re.findall(r'name="codes" value="([^"]+)"', html)


def _checked(html: str) -> list[str]:
    return re.findall(r'name="codes" value="([^"]+)"[^>]* checked', html)


@pytest.fixture
def three(db_url: str) -> list[str]:
    """Three actions of a new engagement, led by nobody."""
    with session_on(db_url) as session:
        axis = make.axis(session)
        codes = [make.action(session, axis=axis, title=f"Action {n}").code for n in "ABC"]
        session.commit()
    return codes


def test_the_table_and_its_filters(admin: TestClient, three: list[str]) -> None:
    everything = admin.get("/admin/pilotage")
    assert everything.status_code == 200
    codes = _rows(everything.text)
    assert {"E99.1.1", *three} <= set(codes) and len(codes) == len(set(codes))
    assert "PP1" in codes and "E1.1.1" in codes  # flagship projects and actions of the plan
    engagement = three[0].split(".")[0]

    def shown(**params: str) -> list[str]:
        answer = admin.get("/admin/pilotage", params=params)
        assert answer.status_code == 200, params
        return _rows(answer.text)

    assert shown(direction="ENV") == ["E99.1.1"]
    assert shown(engagement=engagement) == three
    assert shown(engagement=engagement, direction="aucune") == three
    assert shown(engagement=engagement, direction="ENV") == []
    assert "E99.1.1" not in shown(direction="aucune")
    assert shown(q="ENVIRONNEMENT") == ["E99.1.1"]  # the title, case and accents ignored
    assert shown(q="e99.1") == ["E99.1.1"]  # the code
    assert shown(q="Action B", engagement=engagement) == [three[1]]
    # Blank fields of the filter form are dropped; a bad parameter gets the French page.
    blank = admin.get("/admin/pilotage?engagement=&direction=ENV&q=", follow_redirects=False)
    assert blank.status_code == 303 and blank.headers["location"] == "/admin/pilotage?direction=ENV"
    too_long = admin.get("/admin/pilotage", params={"q": "x" * 201})
    assert too_long.status_code == 422 and "Paramètres invalides" in page_text(too_long)


def test_bulk_assignment_of_three_actions(
    admin: TestClient, db_url: str, three: list[str], keys_for_api: str
) -> None:
    engagement = three[0].split(".")[0]
    done = post(
        admin,
        "/admin/pilotage",
        {"codes": three, "lead": "DEV", "add": "ENV", "engagement": engagement},
    )
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"/admin/pilotage?fait=affectees&engagement={engagement}&nombre=3"
    )
    page = admin.get(done.headers["location"])
    assert notice(page) == "3 lignes modifiées."
    assert _rows(page.text) == three  # the filter kept
    for code in three:
        action = admin.get(f"/api/v1/actions/{code}").json()
        assert action["lead_directorate"] == "DEV"
        assert action["contributing_directorates"] == ["ENV"]
        [latest] = admin.get(
            f"/api/v1/actions/{code}/history", params={"limit": 1}, headers=auth(keys_for_api)
        ).json()["items"]
        assert (latest["actor"], latest["actor_role"], latest["action"]) == (
            ADMIN,
            "admin",
            "update",
        )
        assert latest["before"]["lead_directorate"] is None
        assert latest["after"]["lead_directorate"] == "DEV"
    feed = admin.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    assert [(i["entity"], i["code"], i["change"]) for i in feed[-3:]] == [
        ("action", code, "update") for code in three
    ]

    # Remove a contributor from two, the lead from the third.
    assert post(admin, "/admin/pilotage", {"codes": three[:2], "remove": "ENV"}).status_code == 303
    assert post(admin, "/admin/pilotage", {"codes": three[2], "lead": "aucune"}).status_code == 303
    assert admin.get(f"/api/v1/actions/{three[0]}").json()["contributing_directorates"] == []
    last = admin.get(f"/api/v1/actions/{three[2]}").json()
    assert last["lead_directorate"] is None and last["contributing_directorates"] == ["ENV"]
    # The same change again writes nothing.
    before = snapshot(db_url)
    again = post(admin, "/admin/pilotage", {"codes": three[2], "lead": "aucune"})
    assert notice(admin.get(again.headers["location"])) == (
        "Rien n'a changé : les lignes cochées étaient déjà ainsi."
    )
    assert snapshot(db_url) == before


def test_bad_bulk_changes_write_nothing(admin: TestClient, db_url: str, three: list[str]) -> None:
    before = snapshot(db_url)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"lead": "DEV"}, "codes", "Cochez au moins une action ou un projet phare."),
        (
            {"codes": [*three, "E0.0.0"], "lead": "DEV"},
            "codes",
            "Action ou projet phare inconnu : E0.0.0.",
        ),
        ({"codes": three, "lead": "NOPE"}, "lead", "Direction inconnue : NOPE."),
        ({"codes": three, "add": "NOPE"}, "add", "Direction inconnue : NOPE."),
        ({"codes": three, "remove": "NOPE"}, "remove", "Direction inconnue : NOPE."),
        (
            {"codes": three},
            "lead",
            "Choisissez une direction pilote, ou une direction contributrice à ajouter ou à "
            "retirer.",
        ),
        (
            {"codes": three, "add": "ENV", "remove": "ENV"},
            "remove",
            "La même direction ne peut pas être ajoutée et retirée à la fois.",
        ),
    ]
    answers = refused_each(
        admin,
        "/admin/pilotage",
        {},
        [(fields, 422, field, message) for fields, field, message in cases],
    )
    for (fields, _, _), refused in zip(cases, answers, strict=True):
        # The rows ticked stay ticked.
        assert _checked(refused.text) == [c for c in fields.get("codes", []) if c in three]
    assert snapshot(db_url) == before


def test_a_bulk_change_takes_the_same_queries_whatever_its_size(
    admin: TestClient, db_url: str
) -> None:
    with session_on(db_url) as session:
        axis = make.axis(session)
        actions = [make.action(session, axis=axis).code for _ in range(10)]
        flagships = [make.flagship_project(session).code for _ in range(3)]
        session.commit()
    token = csrf_token(admin.get("/admin/").text)

    def statements(codes: list[str], lead: str) -> int:
        engine = admin.app.state.engine  # type: ignore[attr-defined]
        counter = QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        try:
            done = admin.post(
                "/admin/pilotage",
                data={"csrf_token": token, "codes": codes, "lead": lead, "add": lead},
                follow_redirects=False,
            )
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert done.status_code == 303, done.text
        assert done.headers["location"].endswith(f"nombre={len(codes)}")
        return counter.count

    # The first change builds what the next ones keep (the indicators' trajectory counts and every
    # trackable's progress, app.trackables.kept): counted from the second on.
    statements([actions[2], flagships[2]], "DEV")
    # Actions and flagship projects both (their snapshots read differently).
    two = statements([actions[0], flagships[0]], "DEV")
    twelve = statements([*actions, *flagships[:2]], "ENV")
    assert two == twelve, (two, twelve)
    assert statements([actions[1], flagships[1]], "DEV") == two


PAGES = (
    "/admin/",
    "/admin/directions",
    "/admin/directions/ENV",
    "/admin/comptes",
    "/admin/pilotage",
    "/admin/pilotage?direction=aucune&q=action",
    "/admin/jetons",
)


def test_query_counts_do_not_grow_with_the_data(admin: TestClient, db_url: str) -> None:
    counts = {path: count_queries(admin, path) for path in PAGES}
    with session_on(db_url) as session:
        directorates = [make.directorate(session) for _ in range(8)]
        for directorate in directorates:
            make.account(session, directorates=[directorate], password=None)
            make.token(session, directorates=[directorate])
            action = make.action(session, lead=directorate)
            make.action(session, parent=action, lead=directorates[0])
        make.account(session, role=Role.admin, password=None)
        added = directorates[1].code
        session.commit()
    post(admin, "/admin/pilotage", {"codes": ["E1.1.1", "E1.1.2"], "add": added})
    assert {path: count_queries(admin, path) for path in PAGES} == counts
    assert max(counts.values()) <= 20, counts
