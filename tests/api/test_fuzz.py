"""Schema-driven fuzzing: schemathesis generates requests for every operation of the app's own
OpenAPI document, anonymously and with an admin token, from valid (positive) and schema-violating
(negative) data, then chains operations in its stateful phase. Required: no 5xx; every response
conforms to its documented status codes, content type and schema; schema-violating requests are
rejected and schema-valid ones accepted (ST201/ST202); `OPTIONS` advertises exactly the documented
methods (ST205); a resource stays available after its creation and gone after its deletion."""

import contextlib
import copy
import os
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.stateful.state_machine import DEFAULT_STATE_MACHINE_SETTINGS

from app.auth import tokens
from app.core.config import Settings
from app.core.db import make_engine, session_scope
from app.main import create_app
from app.models import Directorate, Role
from tests.databases import PostgresDatabases, SqliteDatabases

#: Examples per operation, caller and generation mode (and scenarios of the stateful phase);
#: CI keeps it small to stay within its time limit.
EXAMPLES = int(os.environ.get("BOUSSOLE_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]

#: The statuses by which the API legitimately answers a schema-valid request without accepting it.
#: schemathesis' default (2xx, 3xx, 401, 403, 404, 409, 429, 5xx) plus:
POSITIVE_STATUSES = [
    *("2xx", "3xx", "401", "403", "404", "409", "429", "5xx"),
    # If-Match naming another version of the resource: the precondition, not the data, fails.
    "412",
]
#: Writes check rules a JSON schema cannot express, so schemathesis' valid data may be refused:
#: 422 for cross-field rules (an action needs an axis or a parent), date ranges (2000-2060, a
#: milestone within the plan's years), an explicit null for an optional but non-nullable field,
#: an integer sent as 4.0 (JSON Schema's `integer` admits it; the strict models do not), an empty
#: CSV file; 400 for an If-Match that is not an ETag (the header is a free string in the schema).
WRITE_STATUSES = [*POSITIVE_STATUSES, "400", "422"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
        "operations": [
            {
                "include-method": ["POST", "PUT", "PATCH", "DELETE"],
                "checks": {"positive_data_acceptance": {"expected-statuses": WRITE_STATUSES}},
            },
            {
                # Two years each valid, ``from`` after ``to``: refused with a 422.
                "include-path": "/api/v1/dashboard/progress-series",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "422"]}
                },
            },
        ],
        # Links inferred by schemathesis (dependency analysis) join those of `with_links`.
        "phases": {"stateful": {"max-steps": 10}},
    }
)


#: Where the stateful phase finds a code: the first item of a list (seeded data) or a creation.
SOURCES = {
    "/api/v1/actions": "/api/v1/actions",
    "/api/v1/flagship-projects": "/api/v1/flagship-projects",
    "/api/v1/indicators": "/api/v1/indicators",
    "/api/v1/directorates": "/api/v1/directorates",
    "/api/v1/axes": "/api/v1/axes",
}


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with links from every list and creation to the operations on the
    resource it returns (schemathesis infers only the milestones' by itself: a code is chosen
    by the client, not returned in a Location)."""
    document = copy.deepcopy(document)
    paths = document["paths"]
    for collection in SOURCES.values():
        targets = {
            f"{method} {path}": {
                "operationRef": "#/paths/" + path.replace("/", "~1") + f"/{method}",
            }
            for path, operations in paths.items()
            if path.startswith(collection + "/{code}")
            for method in operations
        }
        for method, status, pointer in (("get", "200", "/items/0/code"), ("post", "201", "/code")):
            operation = paths[collection].get(method)
            if operation is None:
                continue
            operation["responses"][status]["links"] = {
                name.replace(" ", "").replace("/", "_").replace("{", "").replace("}", ""): {
                    **target,
                    "parameters": {"path.code": f"$response.body#{pointer}"},
                }
                for name, target in targets.items()
            }
    return document


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
    yield schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG), token
    databases.drop(url)


@pytest.fixture(scope="module")
def linked_schema(fuzz_target: tuple[Any, str]) -> Any:
    schema, _ = fuzz_target
    linked = schemathesis.openapi.from_dict(with_links(schema.raw_schema), config=CONFIG)
    linked.app = schema.app
    linked.location = schema.location
    return linked


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def fuzz(schema: Any, headers: dict[str, str]) -> list[str]:
    """Every operation of the schema, from positive and negative data; the failures, as lines."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @FUZZ_SETTINGS
            def run(case: Any) -> None:
                case.call_and_validate(checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable as exc:
                # Nothing to negate (no parameter, or only free strings) is no failure.
                if mode == GenerationMode.POSITIVE:
                    failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
            except (Exception, BaseExceptionGroup) as exc:  # a group per failure
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"
                )
    return failures


def options(schema: Any, headers: dict[str, str]) -> list[str]:
    """`OPTIONS` on every path: its `Allow` must list exactly the documented methods (ST205)."""
    failures = []
    seen = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in seen:
            continue
        seen.add(operation.path)
        parameters = {p.name: "1" for p in operation.path_parameters}
        case = operation.Case(method="OPTIONS", path_parameters=parameters)
        try:
            case.call_and_validate(checks=[allow_header_conformance], headers=headers)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"OPTIONS {operation.path}: {exc}")
    return failures


#: schemathesis' own for its stateful phase (generation only: no shrinking, see `stateful`).
STATEFUL_SETTINGS = settings(
    DEFAULT_STATE_MACHINE_SETTINGS,
    max_examples=EXAMPLES,
    stateful_step_count=10,
    database=None,
)


def stateful(schema: Any, headers: dict[str, str]) -> list[str]:
    """Chains of operations linked by the values they return (schemathesis' stateful phase); the
    failures, as lines. They are collected rather than raised: a scenario depends on the state
    the earlier ones left in the database, so Hypothesis could not replay it to shrink it."""
    failures: list[str] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(
                    response,
                    checks=STATEFUL_CHECKS,
                    headers=headers,
                    transport_kwargs=kwargs,
                    recorder=self.recorder,
                )
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{case.method} {case.path}: {exc}")

    scenarios = 0

    class Counted(Machine):
        def teardown(self) -> None:
            nonlocal scenarios
            scenarios += 1
            super().teardown()

    # A replayed scenario meets the database the earlier ones changed (a code now taken, a
    # milestone gone): Hypothesis then raises Flaky, and schemathesis' own runner starts a new
    # suite, keeping the failures found so far. So do we, until enough scenarios ran.
    for seed in range(5):
        if scenarios >= EXAMPLES:
            break
        with contextlib.suppress(Flaky):
            hypothesis.seed(seed)(Counted).run(settings=STATEFUL_SETTINGS)
    assert scenarios >= EXAMPLES, f"only {scenarios} scenarios ran"
    return failures


def test_every_operation_anonymously(fuzz_target: tuple[Any, str]) -> None:
    schema, _ = fuzz_target
    failures = fuzz(schema, headers={}) + options(schema, headers={})
    assert not failures, "\n\n".join(failures)


def test_every_operation_as_admin(fuzz_target: tuple[Any, str]) -> None:
    schema, token = fuzz_target
    headers = {"Authorization": f"Bearer {token}"}
    failures = fuzz(schema, headers=headers) + options(schema, headers=headers)
    assert not failures, "\n\n".join(failures)


def test_stateful_anonymously(linked_schema: Any) -> None:
    failures = stateful(linked_schema, headers={})
    assert not failures, "\n\n".join(failures)


def test_stateful_as_admin(linked_schema: Any, fuzz_target: tuple[Any, str]) -> None:
    _, token = fuzz_target
    failures = stateful(linked_schema, headers={"Authorization": f"Bearer {token}"})
    assert not failures, "\n\n".join(failures)
