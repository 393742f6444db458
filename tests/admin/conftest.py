"""What the tests of the admin pages share: a database of their own, built once from the seeded
one (``db_url`` clones it for each test), with two directorates in service (ENV, DEV) and an
archived one (OLD), an admin (Adam Durand), an editor of ENV (Élise Dupuis), a deactivated
account, a token of ENV (machine-env) and an action led by ENV; clients signed in as the admin and
as the editor (their sessions opened as the sign-in form does, without its password hashing: the
sign-in itself is tested in tests/web). Forms are posted with the session's CSRF token
(``post``)."""

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts import accounts
from app.auth import sessions
from app.core.security import SESSION_COOKIE
from app.models import Account, AuditEntry, Role
from app.reference import writes as reference_writes
from tests import factories as make
from tests.conftest import make_client
from tests.databases import PostgresDatabases, SqliteDatabases
from tests.factories import FACTORY_ACTOR, session_on
from tests.helpers import csrf_token

ADMIN = "admin@caph.fr"
EDITOR = "editrice@caph.fr"
RETIRED = "ancien@caph.fr"
TOKEN = "machine-env"


def _build(url: str) -> None:
    with session_on(url) as session:
        env = make.directorate(session, code="ENV", name="Direction de l'environnement")
        make.directorate(session, code="DEV", name="Direction du développement économique")
        make.directorate(session, code="OLD", name="Ancienne direction")
        reference_writes.archive_directorate(session=session, actor=FACTORY_ACTOR, code="OLD")
        make.account(session, email=ADMIN, display_name="Adam Durand", role=Role.admin)
        make.account(session, email=EDITOR, display_name="Élise Dupuis", directorates=[env])
        retired = make.account(
            session, email=RETIRED, display_name="Ancien", password=None, directorates=[env]
        )
        accounts.deactivate(session=session, actor=FACTORY_ACTOR, account=retired)
        make.token(session, name=TOKEN, directorates=[env])
        make.action(session, lead=env, code="E99.1.1", title="Action de l'environnement")
        session.commit()


@pytest.fixture(scope="session")
def admin_template(databases: SqliteDatabases | PostgresDatabases, seeded_template: str) -> str:
    return databases.template("admin_pages", _build, base=seeded_template)


@pytest.fixture
def db_url(databases: SqliteDatabases | PostgresDatabases, admin_template: str) -> Iterator[str]:
    """A copy of the admin pages' database, for this test alone."""
    url = databases.clone(admin_template)
    yield url
    databases.drop(url)


@dataclass
class People:
    admin: int
    editor: int
    retired: int
    action: str  # the code of the action led by ENV


@pytest.fixture
def people(db_url: str) -> People:
    with session_on(db_url) as session:
        ids = {email: id_ for email, id_ in session.exec(select(Account.email, Account.id)) if id_}
    return People(admin=ids[ADMIN], editor=ids[EDITOR], retired=ids[RETIRED], action="E99.1.1")


def signed_in(db_url: str, email: str) -> Iterator[TestClient]:
    """A client whose browser session is open for ``email``."""
    with session_on(db_url) as session:
        account = accounts.get_by_email(session=session, email=email)
        assert account is not None
        raw = sessions.start(session=session, account=account)
        session.commit()
    with make_client(db_url) as client:
        client.cookies.set(SESSION_COOKIE, raw)
        yield client


@pytest.fixture
def admin(db_url: str) -> Iterator[TestClient]:
    """A client signed in as the admin."""
    yield from signed_in(db_url, ADMIN)


@pytest.fixture
def editor(db_url: str) -> Iterator[TestClient]:
    """A client signed in as the editor of ENV."""
    yield from signed_in(db_url, EDITOR)


def post(
    client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any
) -> httpx.Response:
    """Post a form as the admin pages' own forms do: with the CSRF token of the client's session
    (read from a page), the redirect not followed."""
    token = csrf_token(client.get("/admin/").text)
    return client.post(
        path, data={"csrf_token": token, **(data or {})}, follow_redirects=False, **kwargs
    )


def refused_each(
    client: TestClient,
    path: str,
    fields: dict[str, Any],
    cases: list[tuple[dict[str, Any], int, str, str]],
) -> list[httpx.Response]:
    """Post ``fields`` changed by each case ``(changes, status, field, message)`` to ``path``:
    refused with ``status``, the French ``message`` next to ``field``, the form's alert, and no
    secret shown. The answers, in order."""
    answers = []
    for changes, status, field, message in cases:
        refused = post(client, path, fields | changes)
        assert refused.status_code == status, changes
        assert field_error(refused, field) == message, changes
        assert 'role="alert"' in refused.text and 'id="secret"' not in refused.text
        answers.append(refused)
    return answers


def page_text(response: httpx.Response) -> str:
    """A page's text, its HTML entities decoded."""
    return html.unescape(response.text)


def field_error(response: httpx.Response, field: str) -> str:
    """The message shown next to field ``field``, which is described by it."""
    found = re.search(rf'id="{field}-erreur">([^<]*)<', response.text)
    assert found is not None, f"no error next to {field}"
    assert re.search(rf'aria-describedby="[^"]*{field}-erreur', response.text)
    return html.unescape(found.group(1))


def notice(response: httpx.Response) -> str:
    """The confirmation (role="status") a page shows after a change."""
    found = re.search(r'class="form-done" role="status"><p>([^<]*)</p>', response.text)
    assert found is not None, "no confirmation on this page"
    return html.unescape(found.group(1))


def shown_secret(response: httpx.Response) -> str:
    """The secret a page shows once (an invitation link, a token)."""
    found = re.search(r'id="secret"[^>]*value="([^"]*)"', response.text)
    assert found is not None, "no secret on this page"
    return html.unescape(found.group(1))


def audit_entries(db_url: str, entity: str, key: str) -> list[AuditEntry]:
    """The audit entries of ``entity`` ``key``, oldest first."""
    with session_on(db_url) as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_key) == key)
                .order_by(col(AuditEntry.id))
            )
        )


@pytest.fixture
def keys_for_api(db_url: str) -> str:
    """An admin token, to read and write through the API."""
    with session_on(db_url) as session:
        token = make.token(session, role=Role.admin, name="admin-api")
        session.commit()
    return token
