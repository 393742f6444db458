"""The data the campaign tests share, made by the factories on an empty migrated database
(``make.leads``): two directorates, ENV leading an action (here with a milestone and an indicator)
and a flagship project, DEV leading an action (with a milestone of its own), an action led by
nobody, and a token of every kind of caller (tests.conftest.Tokens). Import ``scene`` (and
``db_url``) into a test module to use them."""

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Trackable
from tests import factories as make
from tests.conftest import Tokens, auth


@dataclass(frozen=True)
class Scene:
    url: str
    action: str  # led by ENV
    flagship: str  # led by ENV
    dev_action: str  # led by DEV
    orphan: str  # led by nobody
    indicator: str  # led by ENV, measures ``action``
    other_indicator: str  # measures nothing
    milestone: int  # of ``action``
    dev_milestone: int  # of ``dev_action``
    keys: Tokens

    @property
    def admin(self) -> dict[str, str]:
        return auth(self.keys.admin)

    @property
    def env(self) -> dict[str, str]:
        return auth(self.keys.env)

    @property
    def dev(self) -> dict[str, str]:
        return auth(self.keys.dev)


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """The tests of a module that imports this use an empty migrated database."""
    return empty_db_url


@pytest.fixture
def scene(db_url: str) -> Scene:
    with make.session_on(db_url) as session:
        leads = make.leads(session)
        action, dev_action = trackable(session, leads.action), trackable(session, leads.dev_action)
        indicator = make.indicator(session, measures=[action], unit="GWh")
        other = make.indicator(session)
        milestone = make.milestone(session, trackable=action, title="Étude de potentiel")
        dev_milestone = make.milestone(session, trackable=dev_action, title="Foncier")
        session.commit()
        assert milestone.id is not None and dev_milestone.id is not None
        return Scene(
            url=db_url,
            action=leads.action,
            flagship=leads.flagship,
            dev_action=leads.dev_action,
            orphan=leads.sibling,
            indicator=indicator.code,
            other_indicator=other.code,
            milestone=milestone.id,
            dev_milestone=dev_milestone.id,
            keys=leads.keys,
        )


def open_campaign(client: TestClient, scene: Scene, year: int = 2025, **fields: Any) -> Any:
    """Open the campaign of ``year`` through the API (deadline: 31 March after it)."""
    body = {"year": year, "deadline": f"{year + 1}-03-31", **fields}
    response = client.post("/api/v1/campaigns", json=body, headers=scene.admin)
    assert response.status_code == 201, response.text
    return response.json()


def report_body(**fields: Any) -> dict[str, Any]:
    """A pending report's body: 40 %, in progress, and ``fields``."""
    return {"progress": 40, "status": "in_progress", **fields}


def trackable(session: Session, code: str) -> Trackable:
    """The trackable of ``code`` (the scene's rows are gone with its session)."""
    return session.exec(select(Trackable).where(col(Trackable.code) == code)).one()
