"""People sign in, through HTTP (TestClient) on the migrated and seeded database: the sign-in form,
sessions and their ends, the invitation link, "Mon compte", CSRF on every form, the brake, the
caches, and the API that keeps to Bearer tokens. Every refusal is checked to write nothing."""

import html
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from app.accounts import accounts
from app.auth import credentials, passwords
from app.auth.authentication import READ_METHODS
from app.core.config import Settings
from app.core.security import CSRF_COOKIE, SESSION_COOKIE
from app.main import create_app
from app.models import Account, Directorate, Invitation, Role, WebSession
from app.models.base import utcnow
from app.web.account_routes import WRONG_CREDENTIALS
from app.web.signed_in import PAGE_DEPENDENCIES, AdminPerson, verify_csrf
from tests import factories as make
from tests.factories import FACTORY_ACTOR, session_on
from tests.helpers import csrf_token, json_lines, sign_in, snapshot

EDITOR = "editrice@caph.fr"
ADMIN = "admin@caph.fr"
NEW_PASSWORD = "un tout autre mot de passe"


@dataclass
class People:
    editor: int
    admin: int


@pytest.fixture
def people(db_url: str) -> People:
    """An editor of ENV (Élise Dupuis) and an admin (Adam Durand), both with a password."""
    with session_on(db_url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        editor = make.account(
            session, email=EDITOR, display_name="Élise Dupuis", directorates=[env]
        )
        admin = make.account(session, email=ADMIN, display_name="Adam Durand", role=Role.admin)
        session.commit()
        assert editor.id and admin.id
        return People(editor=editor.id, admin=admin.id)


def _session_rows(db_url: str, account_id: int) -> list[WebSession]:
    with session_on(db_url) as session:
        return list(session.exec(select(WebSession).where(WebSession.account_id == account_id)))


def _set_session(db_url: str, **values: Any) -> None:
    with session_on(db_url) as session:
        session.execute(update(WebSession).values(**values))
        session.commit()


def _signed_in_as(client: TestClient) -> str | None:
    """Whose name the header shows; None for a visitor."""
    page = client.get("/")
    assert page.status_code == 200
    if "Se connecter</a>" in page.text:
        return None
    marker = "Connecté·e : <strong>"
    assert marker in page.text
    return page.text.split(marker, 1)[1].split("</strong>", 1)[0]


def _page_token(client: TestClient, path: str = "/") -> str:
    return csrf_token(client.get(path).text)


def form(client: TestClient) -> str:
    return client.get("/connexion").text


def text(response: Any) -> str:
    """A page's text, its HTML entities decoded."""
    return html.unescape(response.text)


# --- Signing in and out -----------------------------------------------------------------------


def test_sign_in_then_out(client: TestClient, people: People, db_url: str) -> None:
    answer = sign_in(client, EDITOR.upper(), make.PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/mes-actions"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # BOUSSOLE_PUBLIC_URL is not https here
    raw = client.cookies[SESSION_COOKIE]
    [row] = _session_rows(db_url, people.editor)
    assert row.token_hash != raw and raw not in row.token_hash  # only the hash is stored
    assert _signed_in_as(client) == "Élise Dupuis"
    home = client.get("/").text
    assert ">Mes actions</a>" in home and "Administration" not in home
    assert ">Se déconnecter</button>" in home
    assert "Mes actions" in client.get("/mes-actions").text
    with session_on(db_url) as session:
        assert session.get(Account, people.editor).last_sign_in_at is not None  # type: ignore[union-attr]

    out = client.post(
        "/deconnexion", data={"csrf_token": _page_token(client)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert out.headers["set-cookie"].startswith(f'{SESSION_COOKIE}=""')
    assert _session_rows(db_url, people.editor) == []
    assert _signed_in_as(client) is None
    # The old cookie, sent again, signs nobody in: the page removes it.
    client.cookies.set(SESSION_COOKIE, raw)
    again = client.get("/mon-compte", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/connexion?suivant=/mon-compte"
    assert again.headers["set-cookie"].startswith(f'{SESSION_COOKIE}=""')


def test_an_admin_is_offered_the_administration(client: TestClient, people: People) -> None:
    assert sign_in(client, ADMIN, make.PASSWORD).headers["location"] == "/"
    home = client.get("/").text
    assert '<a href="/admin/">Administration</a>' in home and "Mes actions" not in home
    assert "Adam Durand" in home


def test_cookies_are_secure_behind_https(db_url: str, people: People) -> None:
    settings = Settings(database_url=db_url, public_url="https://boussole.example.fr")
    with TestClient(create_app(settings), base_url="https://boussole.example.fr") as client:
        form = client.get("/connexion")
        assert (
            "Secure" in form.headers["set-cookie"]
            and "SameSite=strict" in form.headers["set-cookie"]
        )
        answer = sign_in(client, EDITOR, make.PASSWORD)
        assert "Secure" in answer.headers["set-cookie"]
    forced = Settings(database_url=db_url, public_url="https://x.fr", cookie_secure=False)
    assert not forced.secure_cookies
    assert Settings(database_url=db_url, cookie_secure=True).secure_cookies


def test_wrong_password_and_unknown_email_are_one_answer_in_the_same_time(
    client: TestClient, people: People, db_url: str
) -> None:
    # What one Argon2 verification costs here (the best of three), in CPU time: this process's
    # (the app answers in a thread of it), so that other work on the machine does not count.
    hashed = passwords.hash_password("mesure")
    costs = []
    for _ in range(3):
        started = time.process_time()
        passwords.verify_password("autre", hashed)
        costs.append(time.process_time() - started)
    cost = min(costs)
    before = snapshot(db_url)
    answers, durations = [], []
    for email, password in (
        (EDITOR, "pas le bon mot de passe"),
        ("personne@caph.fr", make.PASSWORD),
    ):
        token = _page_token(client, "/connexion")
        started = time.process_time()
        answer = client.post(
            "/connexion", data={"email": email, "password": password, "csrf_token": token}
        )
        durations.append(time.process_time() - started)
        assert answer.status_code == 400
        assert WRONG_CREDENTIALS in answer.text
        answers.append(answer.text.replace(email, "EMAIL"))
    assert answers[0] == answers[1]
    # Both verified a hash: neither took much less work than one verification (an answer
    # without one takes a few milliseconds; half the cost leaves room for measurement).
    assert min(durations) >= 0.5 * cost, (durations, cost)
    assert snapshot(db_url) == before
    print(f"argon2 {cost * 1000:.0f} ms; refusals {[round(d * 1000) for d in durations]} ms")


def test_a_deactivated_account_is_signed_out_at_once(
    client: TestClient, people: People, db_url: str
) -> None:
    sign_in(client, EDITOR, make.PASSWORD)
    assert _signed_in_as(client) == "Élise Dupuis"
    with session_on(db_url) as session:
        editor = session.get(Account, people.editor)
        assert editor is not None
        accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=editor)
        session.commit()
    assert _signed_in_as(client) is None
    assert client.get("/mes-actions", follow_redirects=False).status_code == 303
    refused = sign_in(client, EDITOR, make.PASSWORD)
    assert refused.status_code == 400 and WRONG_CREDENTIALS in refused.text


def test_a_tampered_cookie_signs_nobody_in(client: TestClient, people: People) -> None:
    sign_in(client, EDITOR, make.PASSWORD)
    raw = client.cookies[SESSION_COOKIE]
    for forged in (
        raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        raw + "x",
        "bsl_" + "A" * 43,
        "x" * 5000,
    ):
        client.cookies.set(SESSION_COOKIE, forged)
        assert _signed_in_as(client) is None
    client.cookies.set(SESSION_COOKIE, raw)
    assert _signed_in_as(client) == "Élise Dupuis"


def test_idle_and_absolute_ends(client: TestClient, people: People, db_url: str) -> None:
    sign_in(client, EDITOR, make.PASSWORD)
    # Seen less than a minute ago: not written again; more: written.
    recently = utcnow() - timedelta(seconds=20)
    _set_session(db_url, last_seen_at=recently)
    assert _signed_in_as(client) == "Élise Dupuis"
    assert _session_rows(db_url, people.editor)[0].last_seen_at == recently
    _set_session(db_url, last_seen_at=utcnow() - timedelta(minutes=119))
    assert _signed_in_as(client) == "Élise Dupuis"
    assert utcnow() - _session_rows(db_url, people.editor)[0].last_seen_at < timedelta(minutes=1)
    # Idle for the setting's 120 minutes: ended.
    _set_session(db_url, last_seen_at=utcnow() - timedelta(minutes=120, seconds=1))
    assert _signed_in_as(client) is None
    # Past its absolute end (12 hours after sign-in), however active.
    sign_in(client, EDITOR, make.PASSWORD)
    [row] = [r for r in _session_rows(db_url, people.editor) if r.last_seen_at > recently]
    assert row.expires_at - row.created_at == timedelta(hours=12)
    _set_session(db_url, expires_at=utcnow() - timedelta(seconds=1))
    assert _signed_in_as(client) is None
    # The next sign-in deletes the sessions past their end.
    sign_in(client, EDITOR, make.PASSWORD)
    assert len(_session_rows(db_url, people.editor)) == 1


def test_the_session_settings_are_read(db_url: str, people: People) -> None:
    settings = Settings(database_url=db_url, session_idle_minutes=5, session_lifetime_hours=1)
    with TestClient(create_app(settings)) as client:
        sign_in(client, EDITOR, make.PASSWORD)
        [row] = _session_rows(db_url, people.editor)
        assert row.expires_at - row.created_at == timedelta(hours=1)
        _set_session(db_url, last_seen_at=utcnow() - timedelta(minutes=5, seconds=1))
        assert _signed_in_as(client) is None


# --- Mon compte -------------------------------------------------------------------------------


def _change_password(client: TestClient, current: str, new: str, confirmation: str | None = None):
    return client.post(
        "/mon-compte/mot-de-passe",
        data={
            "csrf_token": _page_token(client, "/mon-compte"),
            "current_password": current,
            "password": new,
            "confirmation": new if confirmation is None else confirmation,
        },
        follow_redirects=False,
    )


def test_a_new_password_ends_the_other_sessions(db_url: str, people: People) -> None:
    app = create_app(Settings(database_url=db_url))
    with TestClient(app) as here, TestClient(app) as elsewhere:
        sign_in(here, EDITOR, make.PASSWORD)
        sign_in(elsewhere, EDITOR, make.PASSWORD)
        old_cookie = here.cookies[SESSION_COOKIE]
        page = here.get("/mon-compte")
        assert page.headers["Cache-Control"] == "private, no-store"
        assert EDITOR in text(page) and "Direction de l'environnement (ENV)" in text(page)

        before = snapshot(db_url)
        for current, new, confirmation, message in (
            ("pas le bon", NEW_PASSWORD, None, "Le mot de passe actuel n'est pas le bon."),
            (make.PASSWORD, NEW_PASSWORD, "autre chose", "ne sont pas identiques"),
            (make.PASSWORD, "court", None, "au moins 12 caractères"),
            (make.PASSWORD, "editrice-et-mot", None, "reprendre votre adresse"),
            (make.PASSWORD, make.PASSWORD, None, "différent de l'actuel"),
        ):
            refused = _change_password(here, current, new, confirmation)
            assert refused.status_code == 422 and message in text(refused), message
        assert snapshot(db_url) == before

        changed = _change_password(here, make.PASSWORD, NEW_PASSWORD)
        assert changed.status_code == 303
        assert changed.headers["location"] == "/mon-compte?mot_de_passe=change"
        assert here.cookies[SESSION_COOKIE] != old_cookie  # a new session for this browser
        assert "Votre mot de passe a été changé" in here.get(changed.headers["location"]).text
        assert _signed_in_as(here) == "Élise Dupuis"
        assert _signed_in_as(elsewhere) is None  # the other session ended
        assert len(_session_rows(db_url, people.editor)) == 1
    with TestClient(app) as fresh:
        assert sign_in(fresh, EDITOR, make.PASSWORD).status_code == 400
        assert sign_in(fresh, EDITOR, NEW_PASSWORD).status_code == 303


# --- Invitations ------------------------------------------------------------------------------


def _invite(db_url: str) -> tuple[int, str]:
    with session_on(db_url) as session:
        env = session.exec(select(Directorate).where(Directorate.code == "ENV")).one()
        account, token = make.invited_account(
            session, email="invitee@caph.fr", display_name="Inès Vitée", directorates=[env]
        )
        session.commit()
        assert account.id is not None
        return account.id, token


def _accept(client: TestClient, token: str, password: str, confirmation: str | None = None):
    page = client.get(f"/invitation/{token}")
    return client.post(
        f"/invitation/{token}",
        data={
            # A refused link shows no form: the sign-in form's token is this browser's too.
            "csrf_token": csrf_token(page.text if page.status_code == 200 else form(client)),
            "password": password,
            "confirmation": password if confirmation is None else confirmation,
        },
        follow_redirects=False,
    )


def test_an_invitation_link_chooses_the_password_and_signs_in(
    client: TestClient, people: People, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    account_id, token = _invite(db_url)
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200
    assert "Inès Vitée" in page.text and "invitee@caph.fr" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    before = snapshot(db_url)
    for password, confirmation, message in (
        (NEW_PASSWORD, "pas pareil", "ne sont pas identiques"),
        ("court", None, "au moins 12 caractères"),
    ):
        refused = _accept(client, token, password, confirmation)
        assert refused.status_code == 422 and message in text(refused)
    assert snapshot(db_url) == before

    accepted = _accept(client, token, NEW_PASSWORD)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/mes-actions"
    assert _signed_in_as(client) == "Inès Vitée"
    assert len(_session_rows(db_url, account_id)) == 1
    # The link served once: it is refused now, and nothing is written.
    before = snapshot(db_url)
    again = client.get(f"/invitation/{token}")
    assert again.status_code == 400 and "Lien d'invitation non valable" in text(again)
    assert accounts.INVALID_INVITATION in text(again)
    assert _accept(client, token, "encore un mot de passe").status_code == 400
    assert snapshot(db_url) == before
    # The token never reaches the service's log (the test's own HTTP client logs its URLs).
    lines = json_lines(capsys.readouterr().err)
    assert [line for line in lines if line["logger"] != "httpx" and token in repr(line)] == []
    assert any(line.get("path") == "/invitation/…" for line in lines)


def test_expired_and_superseded_links_are_refused(
    client: TestClient, people: People, db_url: str
) -> None:
    account_id, first = _invite(db_url)
    with session_on(db_url) as session:
        account = session.get(Account, account_id)
        assert account is not None
        second = accounts.invite_again(session=session, actor=FACTORY_ACTOR, account=account)
        session.commit()
    before = snapshot(db_url)
    assert _accept(client, first, NEW_PASSWORD).status_code == 400  # superseded
    with session_on(db_url) as session:
        session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    before = snapshot(db_url)
    for token in (second, "inconnu"):  # expired, unknown
        refused = _accept(client, token, NEW_PASSWORD)
        assert refused.status_code == 400
    assert snapshot(db_url) == before


# --- CSRF ---------------------------------------------------------------------------------------


def test_every_form_needs_its_csrf_token(client: TestClient, people: People, db_url: str) -> None:
    _, token = _invite(db_url)
    anonymous_token = _page_token(client, "/connexion")
    forms: list[tuple[str, dict[str, str]]] = [
        ("/connexion", {"email": EDITOR, "password": make.PASSWORD}),
        (f"/invitation/{token}", {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}),
    ]
    before = snapshot(db_url)
    for path, data in forms:
        for sent in ({}, {"csrf_token": "faux"}, {"csrf_token": ""}):
            refused = client.post(path, data=data | sent, follow_redirects=False)
            assert refused.status_code == 403, (path, sent)
            assert "Formulaire refusé" in refused.text
        # The right token without its cookie (another site cannot read or set it).
        cookie = client.cookies.pop(CSRF_COOKIE)
        refused = client.post(path, data=data | {"csrf_token": anonymous_token})
        assert refused.status_code == 403
        client.cookies.set(CSRF_COOKIE, cookie)
    assert snapshot(db_url) == before

    sign_in(client, EDITOR, make.PASSWORD)
    signed_forms = [
        ("/deconnexion", {}),
        (
            "/mon-compte/mot-de-passe",
            {
                "current_password": make.PASSWORD,
                "password": NEW_PASSWORD,
                "confirmation": NEW_PASSWORD,
            },
        ),
    ]
    before = snapshot(db_url)
    for path, data in signed_forms:
        # Signed in, the session's token is needed: the anonymous cookie's is not enough.
        for sent in ({}, {"csrf_token": "faux"}, {"csrf_token": client.cookies[CSRF_COOKIE]}):
            refused = client.post(path, data=data | sent, follow_redirects=False)
            assert refused.status_code == 403, (path, sent)
        # JSON is no form.
        as_json = client.post(path, json=data | {"csrf_token": _page_token(client)})
        assert as_json.status_code == 403
    assert snapshot(db_url) == before
    assert _signed_in_as(client) == "Élise Dupuis"  # the refused sign-out ended nothing


def test_every_page_write_route_checks_csrf(client: TestClient) -> None:
    def depends_on_csrf(dependant: Any) -> bool:
        return dependant.call is verify_csrf or any(
            depends_on_csrf(sub) for sub in dependant.dependencies
        )

    writes = [
        (method, route.path)
        for route in iter_route_contexts(client.app.router.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute) and not (route.path or "").startswith("/api/")
        for method in (route.methods or set()) - READ_METHODS
    ]
    assert ("POST", "/connexion") in writes and ("POST", "/deconnexion") in writes
    unchecked = [
        (method, path)
        for route in iter_route_contexts(client.app.router.routes)  # type: ignore[attr-defined]
        if isinstance(route.original_route, APIRoute)
        for method, path in writes
        if route.path == path
        and method in (route.methods or set())
        and not depends_on_csrf(route.dependant)
    ]
    assert unchecked == []


# --- Where to go after signing in -------------------------------------------------------------


def test_only_local_pages_are_followed_after_sign_in(client: TestClient, people: People) -> None:
    for wanted, landed in (
        ("/actions?q=eau&sort=code", "/actions?q=eau&sort=code"),
        ("https://pirate.example/", "/mes-actions"),
        ("//pirate.example/", "/mes-actions"),
        ("/\\pirate.example/", "/mes-actions"),
        ("javascript:alert(1)", "/mes-actions"),
        ("/\x0d\x0aSet-Cookie:x=y", "/mes-actions"),
        ("/" + "a" * 600, "/mes-actions"),
    ):
        client.cookies.clear()
        answer = sign_in(client, EDITOR, make.PASSWORD, next_path=wanted)
        assert answer.headers["location"] == landed, wanted
    client.cookies.clear()
    for wanted in ("//pirate.example/", "https://pirate.example/"):
        form = client.get("/connexion", params={"suivant": wanted}).text
        assert "pirate" not in form
    # A page that needs a person sends to the sign-in page, which sends back after.
    client.cookies.clear()
    sent = client.get("/mon-compte", follow_redirects=False)
    assert sent.headers["location"] == "/connexion?suivant=/mon-compte"
    form = client.get(sent.headers["location"]).text
    assert 'name="suivant" value="/mon-compte"' in form
    assert (
        sign_in(client, EDITOR, make.PASSWORD, next_path="/mon-compte").headers["location"]
        == "/mon-compte"
    )
    # Signed in already: the sign-in page sends on.
    assert client.get("/connexion", follow_redirects=False).headers["location"] == "/mes-actions"


# --- The brake ----------------------------------------------------------------------------------


def test_failures_slow_the_account_and_stop_the_client_but_lock_no_one_out(
    db_url: str, people: People
) -> None:
    app = create_app(Settings(database_url=db_url))
    # The defaults (10 failures a minute, 0.25 s doubling to 3 s) made small for the test.
    app.state.sign_in_brake = credentials.SignInBrake(
        attempts=3, free_failures=2, base_delay=0.2, max_delay=0.4
    )
    guesser = TestClient(app, client=("203.0.113.7", 50000))
    owner = TestClient(app, client=("198.51.100.2", 50000))
    for _ in range(3):
        assert sign_in(guesser, EDITOR, "devinette").status_code == 400
    before = snapshot(db_url)
    # Over its limit, the guesser is refused before any check, even with the right password.
    stopped = sign_in(guesser, EDITOR, make.PASSWORD)
    assert stopped.status_code == 429
    assert int(stopped.headers["Retry-After"]) >= 1
    assert "Trop de tentatives de connexion" in stopped.text
    assert sign_in(guesser, ADMIN, make.PASSWORD).status_code == 429  # per client
    assert snapshot(db_url) == before
    # The owner, elsewhere, signs in: after the account's delay (3 failures: 0.4 s), not refused.
    started = time.perf_counter()
    answer = sign_in(owner, EDITOR, make.PASSWORD)
    waited = time.perf_counter() - started
    assert answer.status_code == 303 and waited >= 0.4
    # Signed in, the account's failures are forgotten: no more delay.
    owner.cookies.clear()
    started = time.perf_counter()
    assert sign_in(owner, EDITOR, make.PASSWORD).status_code == 303
    assert time.perf_counter() - started < waited


# --- Caches and the API ---------------------------------------------------------------------------


def test_signed_in_answers_are_private_and_never_kept(
    client: TestClient, people: People, db_url: str
) -> None:
    anonymous = client.get("/")
    assert anonymous.headers["Cache-Control"] == "no-cache"  # public pages stay cacheable
    assert "set-cookie" not in anonymous.headers
    assert client.get("/connexion").headers["Cache-Control"] == "private, no-store"
    api = client.get("/api/v1/tree")
    assert api.headers["Cache-Control"] == "public, no-cache" and "ETag" in api.headers

    sign_in(client, EDITOR, make.PASSWORD)
    for path in ("/", "/actions", "/mon-compte", "/mes-actions", "/api/v1/tree", "/api/v1/plan"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in answer.headers, path
    # /api/v1/tree was kept for visitors above: the signed-in answer was not that one (its
    # Cache-Control says so). Nor is a signed-in answer kept: the visitor after gets its own.
    assert client.get("/api/v1/communes").headers["Cache-Control"] == "private, no-store"
    visitor = TestClient(client.app)
    for _ in range(2):
        assert visitor.get("/api/v1/communes").headers["Cache-Control"] == "public, no-cache"


def test_the_api_refuses_the_session_cookie(
    client: TestClient, people: People, db_url: str
) -> None:
    sign_in(client, ADMIN, make.PASSWORD)
    assert _signed_in_as(client) == "Adam Durand"
    before = snapshot(db_url)
    written = client.post("/api/v1/directorates", json={"code": "SIG", "name": "Système"})
    assert written.status_code == 401
    assert written.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot(db_url) == before


def test_signing_in_changes_no_etag(client: TestClient, people: People) -> None:
    etag = client.get("/api/v1/tree").headers["ETag"]
    sign_in(client, EDITOR, make.PASSWORD)
    client.get("/mon-compte")
    client.post("/deconnexion", data={"csrf_token": _page_token(client)})
    assert client.get("/api/v1/tree").headers["ETag"] == etag


# --- The dependencies other page modules use ----------------------------------------------------


def test_admin_person_refuses_editors_with_a_french_page(db_url: str, people: People) -> None:
    app = create_app(Settings(database_url=db_url))
    pages = APIRouter(dependencies=PAGE_DEPENDENCIES)

    @pages.get("/admin/essai")
    def admin_only(person: AdminPerson) -> dict[str, str]:
        return {"actor": person.actor.name}

    app.include_router(pages)
    with TestClient(app) as client:
        sent = client.get("/admin/essai", follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"] == "/connexion?suivant=/admin/essai"
        sign_in(client, EDITOR, make.PASSWORD)
        refused = client.get("/admin/essai")
        assert refused.status_code == 403 and "Accès réservé" in refused.text
        assert refused.headers["Cache-Control"] == "private, no-store"
        client.cookies.clear()
        sign_in(client, ADMIN, make.PASSWORD)
        assert client.get("/admin/essai").json() == {"actor": ADMIN}


def test_sign_in_rows_hold_only_hashes(client: TestClient, people: People, db_url: str) -> None:
    sign_in(client, EDITOR, make.PASSWORD)
    raw = client.cookies[SESSION_COOKIE]
    dumped = repr(snapshot(db_url))
    assert raw not in dumped and make.PASSWORD not in dumped
    with session_on(db_url) as session:
        hashes = session.exec(select(col(Account.password_hash))).all()
    assert all(h is None or h.startswith("$argon2id$") for h in hashes)
