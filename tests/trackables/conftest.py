"""The trackables' tests' data: ``make.leads`` (ENV and DEV each leading an action of one
engagement, ENV also its flagship project, a token of each kind) added to the seeded database."""

import pytest

from tests import factories as make


@pytest.fixture
def scene(db_url: str) -> make.Leads:
    with make.session_on(db_url) as session:
        made = make.leads(session)
        session.commit()
    return made
