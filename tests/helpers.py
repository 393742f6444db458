"""Helpers shared by tests."""

import json
from typing import Any

import yaml
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
