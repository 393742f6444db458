"""Schema-driven fuzzing: schemathesis generates requests for every operation of the app's own
OpenAPI document, anonymously and with an admin token. Required: no 5xx, and every response
conforms to its documented status codes, content type and schema."""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import Settings
from app.core.db import make_engine, session_scope
from app.main import create_app
from app.models import Directorate, Role
from app.services import tokens
from tests.databases import PostgresDatabases, SqliteDatabases

#: Examples per operation and caller; CI keeps it small to stay within its time limit.
EXAMPLES = int(os.environ.get("BOUSSOLE_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_target(
    databases: SqliteDatabases | PostgresDatabases, seeded_template: str
) -> Iterator[tuple[Any, str]]:
    url = databases.clone(seeded_template)
    engine = make_engine(url)
    with session_scope(engine) as session:
        session.add(Directorate(code="ENV", name="Direction de l'environnement"))
        session.flush()
        _, token = tokens.create(
            session=session, name="fuzz", role=Role.admin, directorate_codes=[]
        )
    engine.dispose()
    # The brake on failed authentications would answer 429 to a fuzzer sending random tokens.
    app = create_app(Settings(database_url=url, auth_failures_allowed=10**9))
    yield schemathesis.openapi.from_asgi("/openapi.json", app), token
    databases.drop(url)


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def fuzz(schema: Any, headers: dict[str, str]) -> list[str]:
    """Every operation of the schema; the failures, as readable lines."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ_SETTINGS
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a group per failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


def test_every_operation_anonymously(fuzz_target: tuple[Any, str]) -> None:
    schema, _ = fuzz_target
    failures = fuzz(schema, headers={})
    assert not failures, "\n\n".join(failures)


def test_every_operation_as_admin(fuzz_target: tuple[Any, str]) -> None:
    schema, token = fuzz_target
    failures = fuzz(schema, headers={"Authorization": f"Bearer {token}"})
    assert not failures, "\n\n".join(failures)
