"""The data the tests of the reporting campaign's pages share (tests/web/test_reporting*.py,
tests/admin/test_campaigns*.py): on the seeded plan, two directorates (ENV, DEV), an admin, an
editor of each, and what ENV leads — an action with two milestones, a linked indicator and a
published 2024 report, and a flagship project — and what DEV leads, an action ENV contributes to.
``with_campaign`` opens the 2025 campaign."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.campaigns import campaigns
from app.models import Directorate, Indicator, Milestone, Role, Trackable, TrackableKind
from app.models.campaigns import CampaignOpen
from app.trackables import writes
from tests import factories as make
from tests.admin.conftest import signed_in
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import FACTORY_ACTOR, session_on

ADMIN = "pilotage@caph.fr"
EDITOR = "elise@caph.fr"  # ENV
OTHER = "denis@caph.fr"  # DEV
YEAR = 2025
DEADLINE = date(2026, 3, 31)
MESSAGE = "Merci de remplir vos bilans avant la fin du mois de mars."


@dataclass(frozen=True)
class Codes:
    action: str  # led by ENV: two milestones, indicator ``indicator``, a 2024 report
    flagship: str  # led by ENV
    dev_action: str  # led by DEV, ENV contributes
    indicator: str
    milestones: tuple[int, int]


def build(url: str) -> None:
    with session_on(url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        dev = make.directorate(session, code="DEV", name="Direction du développement économique")
        make.account(session, email=ADMIN, display_name="Paule Pilote", role=Role.admin)
        make.account(session, email=EDITOR, display_name="Élise Dupuis", directorates=[env])
        make.account(session, email=OTHER, display_name="Denis Martin", directorates=[dev])
        parent = make.engagement(session, title="Engagement du bilan")
        axis = make.axis(session, engagement=parent)
        action = make.action(session, axis=axis, lead=env, title="Rénover les écoles")
        make.flagship_project(session, engagement=parent, lead=env, title="Réseau de chaleur")
        dev_action = make.action(session, axis=axis, lead=dev, title="Accueillir les entreprises")
        writes.assign(
            session=session,
            actor=FACTORY_ACTOR,
            changes=[(dev_action, {"contributing_directorates": ["ENV"]})],
        )
        make.milestone(
            session, trackable=action, title="Études lancées", planned_on=date(2025, 3, 1)
        )
        make.milestone(session, trackable=action, title="Travaux", planned_on=date(2025, 9, 30))
        indicator = make.indicator(
            session, code="IND-ECOLES", name="Écoles rénovées", measures=[action], unit="écoles"
        )
        make.indicator_value(session, indicator=indicator, year=2024, value=3)
        make.report(
            session,
            trackable=action,
            year=2024,
            progress=30,
            comment="Bilan 2024 : les études sont lancées.",
            budget_planned_investment=100_000,
        )
        session.commit()


def codes(url: str) -> Codes:
    with session_on(url) as session:
        return read_codes(session)


def read_codes(session: Session) -> Codes:
    env, dev = (
        session.exec(select(Directorate.id).where(col(Directorate.code) == code)).one()
        for code in ("ENV", "DEV")
    )
    led = {
        (t.kind, t.lead_directorate_id): t
        for t in session.exec(
            select(Trackable).where(col(Trackable.lead_directorate_id).in_([env, dev]))
        )
    }
    action = led[(TrackableKind.action, env)]
    milestones = session.exec(
        select(Milestone.id)
        .where(col(Milestone.trackable_id) == action.id)
        .order_by(col(Milestone.id))
    ).all()
    indicator = session.exec(
        select(Indicator.code).where(col(Indicator.code) == "IND-ECOLES")
    ).one()
    return Codes(
        action=action.code,
        flagship=led[(TrackableKind.flagship_project, env)].code,
        dev_action=led[(TrackableKind.action, dev)].code,
        indicator=indicator,
        milestones=(milestones[0] or 0, milestones[1] or 0),
    )


def with_campaign(url: str) -> None:
    """Open the 2025 campaign (as the factories' admin)."""
    with session_on(url) as session:
        campaigns.create(
            session=session,
            actor=FACTORY_ACTOR,
            data=CampaignOpen(year=YEAR, deadline=DEADLINE, message=MESSAGE),
        )
        session.commit()


# --- Fixtures (imported by the test modules that use them) ----------------------------------------


def _build_with_campaign(url: str) -> None:
    build(url)
    with_campaign(url)


#: The template built, per set of databases: each module importing the fixture gets its own
#: session fixture, and they share one template (a PostgreSQL template has a fixed name).
_TEMPLATES: dict[int, str] = {}


@pytest.fixture(scope="session")
def reporting_template(databases: SqliteDatabases | PostgresDatabases, seeded_template: str) -> str:
    if id(databases) not in _TEMPLATES:
        built = databases.template("reporting", _build_with_campaign, base=seeded_template)
        _TEMPLATES[id(databases)] = built
    return _TEMPLATES[id(databases)]


@pytest.fixture
def db_url(
    databases: SqliteDatabases | PostgresDatabases, reporting_template: str
) -> Iterator[str]:
    """A copy of the reporting database (the 2025 campaign open), for this test alone."""
    url = databases.clone(reporting_template)
    yield url
    databases.drop(url)


@pytest.fixture
def known(db_url: str) -> Codes:
    return codes(db_url)


@pytest.fixture
def admin(db_url: str) -> Iterator[TestClient]:
    yield from signed_in(db_url, ADMIN)


@pytest.fixture
def editor(db_url: str) -> Iterator[TestClient]:
    """Élise Dupuis, editor of ENV."""
    yield from signed_in(db_url, EDITOR)


@pytest.fixture
def other(db_url: str) -> Iterator[TestClient]:
    """Denis Martin, editor of DEV."""
    yield from signed_in(db_url, OTHER)


# --- Forms as a browser sends them ----------------------------------------------------------------


class _FormReader(HTMLParser):
    """The fields of the form posted to ``action``, as a browser would send them untouched:
    inputs (checkboxes only when ticked; no buttons), the selected option, textareas."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("action") == self.action
        if not self.inside:
            return
        name = found.get("name", "")
        if tag == "input" and name and found.get("type") not in ("submit", "button"):
            if found.get("type") != "checkbox" or "checked" in found:
                self.values[name] = found.get("value", "")
        elif tag == "select":
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in found:
            self.values[self._select] = found.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                # A browser drops the newline right after <textarea>.
                self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data


def form_values(page: str, action: str) -> dict[str, str]:
    """The fields of the page's form posted to ``action``, as a browser sends them."""
    reader = _FormReader(action)
    reader.feed(page)
    assert reader.values, f"no form posted to {action} on this page"
    return reader.values
