"""Signing in through the organisation's OpenID provider, in Debian's Chromium: the service
(uvicorn) and a real provider (oidc-provider-mock) on loopback, on two different sites
(127.0.0.1 and localhost), so the browser key cookie crosses sites as it would in production."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Page, expect

from tests import factories
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import session_on
from tests.servers import api_process, wait_until_live
from tests.web.conftest import blocking_violations

EMAIL = "claire.martin@caph.fr"
NAME = "Claire Martin"
LABEL = "Se connecter avec le compte de votre organisation"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    claire = User(sub="claire", claims={"email": EMAIL, "email_verified": True, "name": NAME})
    stranger = User(sub="inconnu", claims={"email": "inconnu@caph.fr", "email_verified": True})
    with run_server_in_thread(user_claims=[claire, stranger]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(
    databases: SqliteDatabases | PostgresDatabases,
    seeded_template: str,
    tmp_path_factory: pytest.TempPathFactory,
    provider: str,
) -> Iterator[str]:
    """The service on a database of its own where Claire's account exists (invited by an
    admin, she never chose a password: she signs in through her organisation)."""
    url = databases.clone(seeded_template)
    with session_on(url) as session:
        factories.account(session, email=EMAIL, display_name=NAME, password=None)
        session.commit()
    env = {
        "BOUSSOLE_LOG_LEVEL": "WARNING",
        "BOUSSOLE_DEMO": "false",
        "BOUSSOLE_OIDC_ISSUER": provider,
        "BOUSSOLE_OIDC_CLIENT_ID": "boussole",
        "BOUSSOLE_OIDC_CLIENT_SECRET": "le-secret-du-client",
        "BOUSSOLE_OIDC_TIMEOUT": "5",
    }
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    try:
        with api_process(url, log, env=env) as api:
            wait_until_live([api.client], [log])
            yield api.url
    finally:
        databases.drop(url)


def test_a_person_signs_in_through_the_provider_with_the_keyboard(
    server: str, provider: str, page: Page, axe_script: Path
) -> None:
    page.goto(f"{server}/actions")
    page.get_by_role("link", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert blocking_violations(page, axe_script) == []

    # To the provider's button with the keyboard alone, then Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == LABEL:
            break
    else:
        pytest.fail(f"« {LABEL} » cannot be reached with Tab")
    page.keyboard.press("Enter")

    # The provider's own page: Claire picks her identity there.
    page.wait_for_url(f"{provider}/oauth2/authorize?**")
    page.get_by_role("button", name="claire").click()

    # Back on Boussole, on the page she came from, signed in.
    page.wait_for_url(f"{server}/actions")
    expect(page.locator(".site-header__person")).to_contain_text(NAME)
    cookies = {c["name"]: c for c in page.context.cookies(server)}
    assert cookies["boussole_session"]["httpOnly"] is True
    assert "boussole_oidc" not in cookies  # the sign-in's browser key is gone


def test_a_person_without_an_account_is_told_so(server: str, page: Page, axe_script: Path) -> None:
    page.goto(f"{server}/connexion")
    page.get_by_role("link", name=LABEL).click()
    page.get_by_role("button", name="inconnu").click()
    page.wait_for_url(f"{server}/connexion/oidc/retour?**")
    expect(page.get_by_role("alert")).to_contain_text("Aucun compte Boussole n'existe")
    expect(page.locator(".site-header__person")).to_contain_text("Se connecter")
    assert blocking_violations(page, axe_script) == []
