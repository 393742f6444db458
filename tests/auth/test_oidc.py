"""OpenID Connect sign-in against a real provider on loopback (oidc-provider-mock): its discovery
document, keys, authorization form and token endpoint answer over HTTP, nothing is mocked.

The provider signs whatever claims a test gives its user (``PUT /users/{sub}``), its own
``iss``/``aud``/``nonce``/``exp`` included: that is how a test gets a genuinely signed ID token
from another issuer or for another audience through the whole flow.
"""

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider_mock import run_server_in_thread
from pydantic import ValidationError
from sqlalchemy import event, func, text
from sqlmodel import col, select

from app.accounts import accounts as account_service
from app.auth.oidc import OidcClient
from app.core.config import Settings
from app.core.errors import UnauthorizedError
from app.core.security import SESSION_COOKIE, hash_token
from app.main import create_app
from app.models import Account, AuditEntry, OidcSignIn, WebSession
from tests import factories
from tests.conftest import QueryCounter
from tests.factories import FACTORY_ACTOR, session_on

CLIENT_ID = "boussole"
CLIENT_SECRET = "le-secret-du-client"
CALLBACK = "http://testserver/connexion/oidc/retour"


@dataclass
class Provider:
    issuer: str

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def authorize(self, location: str, sub: str) -> str:
        """The person ``sub`` signs in on the provider's form: where it sends the browser."""
        assert location.startswith(f"{self.issuer}/oauth2/authorize?"), location
        answer = httpx.post(location, data={"sub": sub}, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with run_server_in_thread() as server:
        yield Provider(f"http://localhost:{server.server_port}")


@pytest.fixture(scope="module")
def other_provider() -> Iterator[Provider]:
    """A second provider: its own issuer and its own signing key."""
    with run_server_in_thread() as server:
        yield Provider(f"http://localhost:{server.server_port}")


def oidc_settings(db_url: str, issuer: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_timeout": 2,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def app_client(db_url: str, provider: Provider) -> Iterator[TestClient]:
    with TestClient(create_app(oidc_settings(db_url, provider.issuer))) as client:
        yield client


_subjects = iter(range(10**6))


def person(
    provider: Provider, db_url: str, *, active: bool = True, **claims: Any
) -> tuple[str, str]:
    """An account (active or not) and the provider's user with its e-mail, verified, plus
    ``claims``: (the provider's subject, the e-mail)."""
    n = next(_subjects)
    email = f"agent{n}@caph.fr"
    with session_on(db_url) as session:
        account = factories.account(session, email=email, display_name=f"Agent Numéro {n}")
        if not active:
            account_service.deactivate(session=session, actor=FACTORY_ACTOR, account=account)
        session.commit()
    sub = f"sub-{n}"
    provider.set_user(sub, {"email": email, "email_verified": True, "name": "X", **claims})
    return sub, email


def begin(client: TestClient, next_path: str | None = "/mon-compte") -> str:
    """GET /connexion/oidc: the provider's authorization URL it redirects to."""
    params = {"suivant": next_path} if next_path else {}
    answer = client.get("/connexion/oidc", params=params, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["cache-control"] == "private, no-store"
    return answer.headers["location"]


def callback(location: str) -> str:
    """The path and query of the return address the provider sent the browser to."""
    assert location.startswith(CALLBACK + "?"), location
    return location.removeprefix("http://testserver")


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def sign_in(client: TestClient, provider: Provider, sub: str, next_path: str | None = None):
    back = callback(provider.authorize(begin(client, next_path), sub))
    return client.get(back, follow_redirects=False)


def returning(client: TestClient, provider: Provider, db_url: str, change: str) -> str:
    """A person's way back from the provider, once the sign-in kept was changed by ``change``
    (an SQL ``SET`` clause on ``oidc_sign_in``)."""
    sub, _ = person(provider, db_url)
    back = callback(provider.authorize(begin(client), sub))
    with session_on(db_url) as session:
        session.execute(text(f"UPDATE oidc_sign_in {change}"))
        session.commit()
    return back


@dataclass
class Counts:
    accounts: int
    sessions: int
    pending: int
    audit: int


def counts(db_url: str) -> Counts:
    with session_on(db_url) as session:

        def count(model: type) -> int:
            return session.exec(select(func.count()).select_from(model)).one()

        return Counts(count(Account), count(WebSession), count(OidcSignIn), count(AuditEntry))


def refused(answer: httpx.Response, status: int, words: str) -> None:
    """A French page with ``status`` and ``words``, and no session cookie."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert words in answer.text, answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


# --- The way in --------------------------------------------------------------------------------


def test_an_existing_account_signs_in_and_its_session_works(
    app_client: TestClient, provider: Provider, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sub, email = person(provider, db_url)
    provider.set_user(sub, {"email": email.upper(), "email_verified": True})  # any case
    sign_in_page = app_client.get("/connexion")
    assert "Se connecter avec le compte de votre organisation" in sign_in_page.text
    assert 'href="/connexion/oidc"' in sign_in_page.text

    location = begin(app_client, "/mon-compte")
    params = parse_qs(urlsplit(location).query)
    assert params["client_id"] == [CLIENT_ID]
    assert params["redirect_uri"] == [CALLBACK]
    assert params["response_type"] == ["code"]
    assert params["scope"] == ["openid email profile"]
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43
    state, nonce = params["state"][0], params["nonce"][0]
    with session_on(db_url) as session:  # only the state's hash is kept, bound to this browser
        row = session.exec(select(OidcSignIn)).one()
        assert row.state_hash == hash_token(state)
        assert row.nonce == nonce and row.next_path == "/mon-compte"
        assert row.browser_hash == hash_token(app_client.cookies["boussole_oidc"])
        assert state not in (row.nonce, row.code_verifier, row.browser_hash)

    back = callback(provider.authorize(location, sub))
    answer = app_client.get(back, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/mon-compte"
    cookies = answer.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert any(c.startswith('boussole_oidc=""') for c in cookies)  # the browser key deleted

    page = app_client.get("/mon-compte")
    assert page.status_code == 200
    assert "Agent Numéro" in page.text and "Connecté·e" in page.text
    after = counts(db_url)
    assert (after.sessions, after.pending) == (1, 0)
    # Neither the code, the state nor the nonce reached the service's log (the test's own
    # HTTP client and the provider log the URLs they send and serve).
    code = parse_qs(urlsplit(back).query)["code"][0]
    ours = [r for r in caplog.records if r.name.startswith(("app", "boussole", "uvicorn"))]
    assert any(r.name == "boussole.access" for r in ours)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert code not in logged and state not in logged and nonce not in logged


def test_sign_in_page_without_oidc_shows_no_button_and_its_addresses_are_404(
    client: TestClient,
) -> None:
    assert "/connexion/oidc" not in client.get("/connexion").text
    for path in ("/connexion/oidc", "/connexion/oidc/retour?state=x&code=y"):
        answer = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert answer.status_code == 404


def test_the_next_page_must_be_on_this_site(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url)
    answer = sign_in(app_client, provider, sub, next_path="//elsewhere.example/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/mes-actions"  # an editor's home


def test_the_redirect_uri_is_built_from_the_public_url(db_url: str, provider: Provider) -> None:
    settings = oidc_settings(db_url, provider.issuer, public_url="https://boussole.example.fr")
    with TestClient(create_app(settings)) as client:
        location = begin(client)
        answer = client.get("/connexion/oidc", follow_redirects=False)
    redirect_uri = parse_qs(urlsplit(location).query)["redirect_uri"]
    assert redirect_uri == ["https://boussole.example.fr/connexion/oidc/retour"]
    browser_cookie = answer.headers["set-cookie"]
    assert "Secure" in browser_cookie and "Path=/connexion/oidc/retour" in browser_cookie


# --- Who may not sign in -------------------------------------------------------------------------


def test_an_unknown_email_is_refused_and_no_account_is_made(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    provider.set_user("stranger", {"email": "inconnu@caph.fr", "email_verified": True})
    before = counts(db_url)
    answer = sign_in(app_client, provider, "stranger")
    refused(answer, 403, "Aucun compte Boussole n&#39;existe pour cette adresse")
    assert counts(db_url) == Counts(before.accounts, before.sessions, 0, before.audit)
    with session_on(db_url) as session:
        assert (
            session.exec(select(Account).where(col(Account.email) == "inconnu@caph.fr")).first()
            is None
        )


def test_a_deactivated_account_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url, active=False)
    before = counts(db_url)
    refused(sign_in(app_client, provider, sub), 403, "Ce compte Boussole est désactivé")
    assert counts(db_url) == Counts(before.accounts, before.sessions, 0, before.audit)


def test_an_email_the_provider_does_not_vouch_for_is_refused(
    db_url: str, provider: Provider
) -> None:
    unverified, _ = person(provider, db_url, email_verified=False)
    silent, email = person(provider, db_url)
    provider.set_user(silent, {"email": email})  # no email_verified claim at all
    with TestClient(create_app(oidc_settings(db_url, provider.issuer))) as client:
        refused(sign_in(client, provider, unverified), 403, "n&#39;atteste pas que votre adresse")
        refused(sign_in(client, provider, silent), 403, "n&#39;atteste pas que votre adresse")
        assert counts(db_url).sessions == 0
    lenient = oidc_settings(db_url, provider.issuer, oidc_require_email_verified=False)
    with TestClient(create_app(lenient)) as client:
        refused(sign_in(client, provider, unverified), 403, "n&#39;atteste pas")  # false is false
        assert sign_in(client, provider, silent).status_code == 303  # silence is accepted


# --- state, nonce, issuer, audience ------------------------------------------------------------


def test_a_wrong_or_replayed_state_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url)
    back = callback(provider.authorize(begin(app_client), sub))
    for state in ("forged-state", ""):
        refused(app_client.get(with_query(back, state=state)), 400, "inconnue ou a déjà servi")
    assert counts(db_url).pending == 1  # a wrong state consumes nothing
    assert app_client.get(back, follow_redirects=False).status_code == 303
    sessions = counts(db_url).sessions
    refused(app_client.get(back), 400, "inconnue ou a déjà servi")  # single use
    assert counts(db_url).sessions == sessions


def test_a_state_begun_in_another_browser_is_refused_and_consumed(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url)
    back = callback(provider.authorize(begin(app_client), sub))
    with TestClient(app_client.app) as other_browser:  # same app, no browser key cookie
        refused(other_browser.get(back), 400, "pas été commencée dans ce navigateur")
    after = counts(db_url)
    assert (after.sessions, after.pending) == (0, 0)
    refused(app_client.get(back), 400, "inconnue ou a déjà servi")  # the victim's is gone too


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ("SET expires_at = created_at", 400, "a expiré"),
        # The provider signed the nonce it was sent, not the one kept now.
        ("SET nonce = 'another-sign-in-s-nonce'", 401, "ne correspond pas à cette demande"),
    ],
    ids=["expired", "other-nonce"],
)
def test_an_expired_sign_in_or_another_nonce_is_refused(
    app_client: TestClient, provider: Provider, db_url: str, change: str, status: int, words: str
) -> None:
    back = returning(app_client, provider, db_url, change)
    refused(app_client.get(back), status, words)
    after = counts(db_url)
    assert (after.sessions, after.pending) == (0, 0)


def test_a_nonce_of_the_provider_s_choosing_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url, nonce="replayed-nonce")
    refused(sign_in(app_client, provider, sub), 401, "ne correspond pas")
    assert counts(db_url).sessions == 0


def test_an_id_token_from_another_issuer_is_refused(
    app_client: TestClient, provider: Provider, other_provider: Provider, db_url: str
) -> None:
    # Signed with the configured provider's key, but naming the other provider as its issuer.
    sub, _ = person(provider, db_url, iss=other_provider.issuer)
    refused(sign_in(app_client, provider, sub), 401, "émis par un autre fournisseur")
    assert counts(db_url).sessions == 0


def test_an_id_token_of_the_other_provider_fails_the_signature(
    db_url: str, provider: Provider, other_provider: Provider
) -> None:
    """A genuine ID token of the other provider (its key, its issuer), for this client and
    nonce, is refused by the configured provider's keys."""
    ours = OidcClient(oidc_settings(db_url, provider.issuer))
    theirs = OidcClient(oidc_settings(db_url, other_provider.issuer))
    other_provider.set_user("agent", {"email": "agent@caph.fr", "email_verified": True})

    async def scenario() -> None:
        location = await theirs.authorization_url(
            redirect_uri=CALLBACK, state="s", nonce="the-nonce", code_verifier="v" * 43
        )
        code = parse_qs(urlsplit(other_provider.authorize(location, "agent")).query)["code"][0]
        id_token = await theirs.exchange(code=code, code_verifier="v" * 43, redirect_uri=CALLBACK)
        assert (await theirs.verify_id_token(id_token, nonce="the-nonce"))["sub"] == "agent"
        with pytest.raises(UnauthorizedError, match="signature"):
            await ours.verify_id_token(id_token, nonce="the-nonce")

    asyncio.run(scenario())


def test_an_id_token_for_another_audience_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url, aud="another-application")
    refused(sign_in(app_client, provider, sub), 401, "destiné à une autre application")
    # Several audiences: the token must name Boussole as the party it was issued to (azp).
    sub, _ = person(provider, db_url, aud=[CLIENT_ID, "another-application"])
    refused(sign_in(app_client, provider, sub), 401, "destiné à une autre application")
    sub, _ = person(provider, db_url, aud=[CLIENT_ID, "another"], azp=CLIENT_ID)
    assert sign_in(app_client, provider, sub).status_code == 303
    assert counts(db_url).sessions == 1


def test_a_code_issued_to_another_client_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    """The browser is sent to the provider with another client's id: the provider's code is that
    client's, and the token endpoint refuses it to Boussole."""
    sub, _ = person(provider, db_url)
    location = with_query(begin(app_client), client_id="another-application")
    refused(app_client.get(callback(provider.authorize(location, sub))), 400, "invalid_grant")
    assert counts(db_url).sessions == 0


def test_an_expired_id_token_is_refused(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url, exp=int(time.time()) - 3600)
    refused(sign_in(app_client, provider, sub), 401, "expiré")


# --- The provider's refusals and failures ------------------------------------------------------


def test_the_provider_s_refusal_is_shown(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    location = begin(app_client)
    denied = httpx.post(location, data={"action": "deny"}, timeout=5)
    back = callback(denied.headers["location"])
    message = "n&#39;a pas accordé la connexion (access_denied)"
    refused(app_client.get(back), 400, message)  # this provider's refusal omits the state…
    assert counts(db_url).pending == 1
    state = parse_qs(urlsplit(location).query)["state"][0]
    refused(app_client.get(with_query(back, state=state)), 400, message)  # …others send it
    assert counts(db_url).pending == 0  # consumed
    assert counts(db_url).sessions == 0


def test_a_code_the_token_endpoint_refuses(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    sub, _ = person(provider, db_url)
    back = callback(provider.authorize(begin(app_client), sub))
    refused(app_client.get(with_query(back, code="not-a-code")), 400, "refusé de confirmer")
    assert counts(db_url).pending == 0  # consumed: the good code cannot be tried after
    refused(app_client.get(back), 400, "inconnue ou a déjà servi")


def test_a_discovery_document_of_another_issuer_is_refused(db_url: str, provider: Provider) -> None:
    # The provider names itself without the trailing slash: not the issuer configured.
    settings = oidc_settings(db_url, provider.issuer + "/")
    with TestClient(create_app(settings)) as client:
        refused(client.get("/connexion/oidc"), 502, "réponse inattendue")
    assert counts(db_url).pending == 0


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("where", ["silent_server", "closed_port"])
def test_an_unreachable_provider_is_a_clear_503_not_a_hang(
    db_url: str, where: str, request: pytest.FixtureRequest
) -> None:
    issuer = request.getfixturevalue(where)
    settings = oidc_settings(db_url, issuer, oidc_timeout=0.5)
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        answer = client.get("/connexion/oidc")
        elapsed = time.monotonic() - started
    refused(answer, 503, "Le fournisseur d&#39;identité ne répond pas")
    assert answer.headers["retry-after"] == "30"
    assert elapsed < 3
    assert counts(db_url).pending == 0


def test_a_provider_gone_during_the_sign_in_is_a_503(db_url: str) -> None:
    """The provider answered the beginning, then stopped before the token exchange."""
    with run_server_in_thread() as server:
        gone = Provider(f"http://localhost:{server.server_port}")
        sub, _ = person(gone, db_url)
        settings = oidc_settings(db_url, gone.issuer, oidc_timeout=0.5)
        client = TestClient(create_app(settings))
        back = callback(gone.authorize(begin(client), sub))
    with client:
        refused(client.get(back), 503, "ne répond pas")
    assert counts(db_url).sessions == 0


def test_a_client_beginning_too_many_sign_ins_is_braked(db_url: str, provider: Provider) -> None:
    """Each sign-in begun writes a row and takes a writer's turn: beyond
    ``oidc_starts_per_minute`` from one address, a French 429 page with Retry-After, before any
    work (no statement but the page's reads); other addresses are not concerned."""
    app = create_app(oidc_settings(db_url, provider.issuer, oidc_starts_per_minute=3))
    with TestClient(app) as client:
        for _ in range(3):
            begin(client)
        counter = QueryCounter()
        event.listen(app.state.engine, "before_cursor_execute", counter)
        try:
            answer = client.get("/connexion/oidc", follow_redirects=False)
        finally:
            event.remove(app.state.engine, "before_cursor_execute", counter)
        refused(answer, 429, "Trop de connexions commencées depuis votre poste")
        assert 1 <= int(answer.headers["retry-after"]) <= 60
        assert "boussole_oidc" not in answer.headers.get("set-cookie", "")
        assert counter.statements and all(s.startswith("SELECT") for s in counter.statements)
        assert counts(db_url).pending == 3
        # Still refused while it insists; another address begins as usual.
        assert client.get("/connexion/oidc", follow_redirects=False).status_code == 429
        with TestClient(app, client=("192.0.2.7", 50000)) as colleague:
            begin(colleague)
    assert counts(db_url).pending == 4


def test_the_sign_ins_under_way_are_capped(db_url: str, provider: Provider) -> None:
    """At most ``oidc_pending_max`` rows are kept: beyond, a 503 page until the oldest expires
    (expired ones are deleted by the next sign-in begun), nothing written."""
    settings = oidc_settings(db_url, provider.issuer, oidc_pending_max=2)
    with TestClient(create_app(settings)) as client:
        begin(client)
        begin(client)
        answer = client.get("/connexion/oidc", follow_redirects=False)
        refused(answer, 503, "Trop de connexions sont en cours")
        assert 590 <= int(answer.headers["retry-after"]) <= 600  # the oldest's ten minutes
        assert counts(db_url).pending == 2
        with session_on(db_url) as session:  # one of them expired
            session.execute(
                text(
                    "UPDATE oidc_sign_in SET expires_at = :past "
                    "WHERE id = (SELECT min(id) FROM oidc_sign_in)"
                ),
                {"past": datetime(2020, 1, 1, tzinfo=UTC)},
            )
            session.commit()
        begin(client)
    assert counts(db_url).pending == 2


def test_signing_in_again_ends_this_browser_s_previous_session_only(
    app_client: TestClient, provider: Provider, db_url: str
) -> None:
    first, first_email = person(provider, db_url)
    second, second_email = person(provider, db_url)
    with TestClient(app_client.app) as elsewhere:
        assert sign_in(elsewhere, provider, first).status_code == 303
    assert sign_in(app_client, provider, first).status_code == 303
    assert sign_in(app_client, provider, second).status_code == 303
    with session_on(db_url) as session:
        emails = session.exec(
            select(Account.email).join(WebSession, col(WebSession.account_id) == Account.id)
        ).all()
    assert sorted(emails) == sorted([first_email, second_email])


# --- The settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"oidc_issuer": "https://idp.example.org"}, "go together"),
        ({"oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET}, "go together"),
        ({"oidc_issuer": "http://idp.example.org"}, "must be an https URL"),
        ({"oidc_issuer": "https://idp.example.org?x=1"}, "query or a fragment"),
        ({"oidc_scopes": "email profile"}, "must contain openid"),
    ],
)
def test_oidc_settings_are_checked(values: dict[str, Any], problem: str) -> None:
    complete: dict[str, Any] = {
        "oidc_issuer": "https://idp.example.org",
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
    }
    given = values if "go together" in problem else {**complete, **values}
    with pytest.raises(ValidationError, match=problem):
        Settings(**given)
    assert Settings(**complete).oidc_enabled
    assert not Settings(oidc_issuer=None, oidc_client_id=None, oidc_client_secret=None).oidc_enabled


def test_a_return_naming_another_issuer_is_refused(
    app_client: TestClient, provider: Provider, other_provider: Provider, db_url: str
) -> None:
    """RFC 9207: a provider that says who answered (``iss``) must be the configured one."""
    sub, _ = person(provider, db_url)
    back = callback(provider.authorize(begin(app_client), sub))
    answer = app_client.get(with_query(back, iss=other_provider.issuer))
    refused(answer, 400, "ne vient pas du fournisseur d&#39;identité configuré")
    after = counts(db_url)
    assert (after.sessions, after.pending) == (0, 0)
