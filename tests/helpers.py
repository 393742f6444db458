"""Helpers shared by tests."""

import gc
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import SQLModel

from app.core.config import PROJECT_ROOT
from app.core.db import make_engine
from app.core.logging import ACCESS_LOGGER

SEED_FILE = PROJECT_ROOT / "seed" / "plan.yaml"


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a refused operation changed nothing."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(
                    (tuple(row) for row in connection.execute(select(table))), key=repr
                )
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def scaled_plan(factor: int) -> dict[str, Any]:
    """The seeded plan with its engagements repeated ``factor`` times under new codes."""
    data: dict[str, Any] = yaml.safe_load(SEED_FILE.read_text(encoding="utf-8"))
    engagements: list[dict[str, Any]] = []
    flagship_number = 0
    for copy in range(factor):
        for engagement in data["engagements"]:
            old, new = engagement["code"], f"E{len(engagements) + 1}"
            text = yaml.safe_dump(engagement, allow_unicode=True)
            clone = yaml.safe_load(text.replace(f"code: {old}", f"code: {new}"))
            for flagship in clone["flagship_projects"]:
                flagship_number += 1
                flagship["code"] = f"PP{flagship_number}"
                flagship["actions"] = [f"{new}.1.1", f"{new}.2.1"]
            clone["title"] = f"{clone['title']} ({copy})"
            engagements.append(clone)
    data["engagements"] = engagements
    data["indicators"] = [
        {
            **indicator,
            "code": indicator["code"] if copy == 0 else f"{indicator['code']}-{copy}",
            "measures": [f"E{3 * copy + 2}.3.2", f"E{3 * copy + 1}.1"],
        }
        for copy in range(factor)
        for indicator in data["indicators"]
    ]
    return data


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every non-empty line parsed as JSON (fails on a line that is not)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def access_lines(text: str) -> list[dict[str, Any]]:
    """The access log's lines among JSON log lines."""
    return [line for line in json_lines(text) if line.get("logger") == ACCESS_LOGGER]


# --- Error answers (app.core.errors) --------------------------------------------------------------

#: Pydantic's and FastAPI's English, which no error answer may hold.
ENGLISH = ("Input should", "Field required", "not found", "Not Found", "should be", "Value error")


def problem(response: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    """The RFC 9457 problem of an error answer, checked: its content type, its status, its
    members (French ``title`` and ``detail``), and its ``type`` when ``kind`` is given
    (``not-found`` for ``urn:boussole:problem:not-found``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status, body
    assert body["type"].startswith("urn:boussole:problem:"), body
    if kind is not None:
        assert body["type"] == f"urn:boussole:problem:{kind}", body
    assert body["title"] and body["detail"], body
    texts = [body["title"], body["detail"], *(item["detail"] for item in body.get("errors", []))]
    assert not [text for text in texts if any(english in text for english in ENGLISH)], body
    return body


def field_errors(response: httpx.Response, status: int = 422) -> list[dict[str, Any]]:
    """The ``errors`` of an invalid request's problem (one per field at fault)."""
    errors: list[dict[str, Any]] = problem(response, status)["errors"]
    assert errors, response.text
    return errors


# --- People who sign in (app.web.signed_in) -----------------------------------------------------

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF_FIELD.search(html)
    assert found is not None, "no form with a CSRF token on this page"
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str, *, next_path: str | None = None
) -> httpx.Response:
    """Sign in through the sign-in form (its CSRF cookie and token included); the 303 or the
    refusal, not followed."""
    data = {
        "email": email,
        "password": password,
        "csrf_token": csrf_token(client.get("/connexion").text),
    }
    if next_path is not None:
        data["suivant"] = next_path
    return client.post("/connexion", data=data, follow_redirects=False)


@dataclass
class CpuTime:
    seconds: float = 0.0


@contextmanager
def cpu_time() -> Iterator[CpuTime]:
    """The CPU time of the block in this process (TestClient runs the app in it), for a bound on
    what some work costs whatever else the machine runs. The heap the earlier tests left (some
    9 million objects late in the suite) is frozen first: a full collection over it, landing in
    the block, cost 6 s of CPU in CI and is none of the work measured."""
    gc.collect()
    gc.freeze()
    measured = CpuTime()
    start = time.process_time()
    try:
        yield measured
    finally:
        measured.seconds = time.process_time() - start
        gc.unfreeze()
