"""The communes page (each commune's own count, not the same "0 / 59 / 59" on every row) and a
page per commune: its population, the actions naming it and those of the whole territory apart,
its indicators' latest values, its place on the map; a French 404 for an unknown code; a fixed
number of queries whatever the data."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import Trackable, TrackableCommune
from app.models.base import utcnow
from app.models.indicators import Indicator
from app.web.format import number
from tests import factories as make
from tests.conftest import count_queries

BOUCHAIN, DENAIN, ABSCON = "59092", "59172", "59002"
SEEDED_ACTIONS = 59
ENERGY = "IND-AUTONOMIE-ENERGETIQUE"


def _trackable(session: Session, code: str) -> Trackable:
    return session.exec(select(Trackable).where(col(Trackable.code) == code)).one()


def _link(session: Session, code: str, insee_code: str) -> None:
    trackable_id = _trackable(session, code).id
    assert trackable_id is not None
    session.add(TrackableCommune(trackable_id=trackable_id, insee_code=insee_code))


def name_communes(session: Session) -> None:
    """E1.1.1 names Bouchain and Denain, E1.1.2 Bouchain, the archived E1.1.3 Bouchain, the
    flagship project PP1 Denain: Bouchain is named by 2 live actions, Denain by 1, and 56 live
    actions (59 less the archived one and the two naming communes) concern the whole territory."""
    links = {"E1.1.1": [BOUCHAIN, DENAIN], "E1.1.2": [BOUCHAIN], "E1.1.3": [BOUCHAIN]}
    links["PP1"] = [DENAIN]
    for code, communes in links.items():
        for insee_code in communes:
            _link(session, code, insee_code)
    archived = _trackable(session, "E1.1.3")
    archived.archived_at = utcnow()
    session.add(archived)
    session.commit()


def _energy(session: Session) -> Indicator:
    return session.exec(select(Indicator).where(col(Indicator.code) == ENERGY)).one()


def _row(page: str, name: str) -> list[str]:
    table = page.split('id="tableau"', 1)[1]
    row = table.split(f">{name}</a></th>", 1)[1].split("</tr>", 1)[0]
    # The population, then the actions naming it, then all those concerning it.
    return re.findall(r'<td class="number">(?:<a [^>]*>)?([^<]+)', row)[1:]


def test_a_seeded_plan_says_that_no_action_names_a_commune(client: TestClient) -> None:
    page = client.get("/communes").text
    assert "Aucune action ne nomme encore de commune" in page
    assert f"{SEEDED_ACTIONS} actions concernent tout le territoire" in page
    assert _row(page, "Abscon") == ["0", str(SEEDED_ACTIONS)]


def test_each_commune_has_its_own_count(client: TestClient, session: Session) -> None:
    name_communes(session)
    page = client.get("/communes").text
    assert "Aucune action ne nomme encore de commune" not in page
    assert "56 actions concernent tout le territoire" in page
    assert _row(page, "Bouchain") == ["2", "58"]
    assert _row(page, "Denain") == ["1", "57"]
    assert _row(page, "Abscon") == ["0", "56"]
    assert f'<a href="/communes/{BOUCHAIN}">Bouchain</a>' in page
    assert f'href="/actions?commune={BOUCHAIN}"' in page
    api = {c["insee_code"]: c for c in client.get("/api/v1/dashboard/communes").json()}
    assert (api[BOUCHAIN]["direct"], api[BOUCHAIN]["total"]) == (2, 58)


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_a_commune_page_shows_its_actions_indicators_and_map(
    client: TestClient, session: Session
) -> None:
    name_communes(session)
    energy = _energy(session)
    make.indicator_value(session, indicator=energy, year=2024, value=10, commune=BOUCHAIN)
    make.indicator_value(session, indicator=energy, year=2025, value=12.5, commune=BOUCHAIN)
    make.indicator_value(session, indicator=energy, year=2025, value=99, commune=DENAIN)
    make.indicator_value(session, indicator=energy, year=2025, value=77)  # the whole territory
    session.commit()
    response = client.get(f"/communes/{BOUCHAIN}")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Bouchain</h1>" in page
    assert f"{number(3996)} habitants" in page
    named = _section(page, "actions-nommees")
    assert re.findall(r'href="/actions/([^"]+)"', named) == ["E1.1.1", "E1.1.2"]
    territory = re.findall(r'href="/actions/([^"]+)"', _section(page, "actions-territoire"))
    assert len(territory) == 56
    assert not {"E1.1.1", "E1.1.2", "E1.1.3"} & set(territory)
    indicators = _section(page, "indicateurs-commune")
    assert "Autonomie énergétique du territoire" in indicators and "2025" in indicators
    assert "12" in indicators and "99" not in indicators and "77" not in indicators
    assert "58 actions, dont 2 qui la nomment" in page
    the_map = _section(page, "carte")
    highlighted = re.findall(r'<a href="/communes/(\d+)"[^>]*aria-current="page"', the_map)
    assert highlighted == [BOUCHAIN]
    assert len(re.findall(r'class="map-c\d map-highlight"', the_map)) == 1
    # Denain's page: its own action only, no indicator mixed from its neighbour.
    denain = client.get(f"/communes/{DENAIN}").text
    assert re.findall(r'href="/actions/([^"]+)"', _section(denain, "actions-nommees")) == ["E1.1.1"]
    assert "99" in _section(denain, "indicateurs-commune")
    abscon = client.get(f"/communes/{ABSCON}").text
    assert "Aucune action ne nomme Abscon pour l&#39;instant." in abscon
    assert "Aucun indicateur n&#39;a encore de valeur pour Abscon." in abscon


@pytest.mark.parametrize("code", ["99999", "abcde", "5909"])
def test_an_unknown_commune_is_a_french_404(client: TestClient, code: str) -> None:
    response = client.get(f"/communes/{code}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Page introuvable" in response.text and code in response.text


def test_the_pages_run_a_fixed_number_of_queries(client: TestClient, session: Session) -> None:
    paths = ["/communes", f"/communes/{BOUCHAIN}", "/", f"/communes?indicateur={ENERGY}"]
    energy = _energy(session)
    make.indicator_value(session, indicator=energy, year=2024, value=1, commune=ABSCON)
    session.commit()
    before = [count_queries(client, path) for path in paths]
    name_communes(session)
    for insee_code in (BOUCHAIN, DENAIN, "59038", "59064"):
        for year in (2024, 2025):
            make.indicator_value(
                session, indicator=energy, year=year, value=year, commune=insee_code
            )
    for code in ("E1.2.1", "E1.2.2", "E1.2.3"):
        _link(session, code, BOUCHAIN)
    session.commit()
    after = [count_queries(client, path) for path in paths]
    assert after == before
    commune_page_queries = before[1]
    assert commune_page_queries <= 20, commune_page_queries
