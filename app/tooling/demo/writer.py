"""Bulk inserts (``session.execute(insert(table), rows)`` in chunks), and the count of rows
written per table."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from app.tooling.demo.constants import CHUNK


@dataclass
class DemoSummary:
    scale: int
    seed: int
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, rows: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + rows


def model_table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Writer:
    def __init__(
        self, session: Session, summary: DemoSummary, on_progress: Callable[[int], None] | None
    ) -> None:
        self.session = session
        self.summary = summary
        self.on_progress = on_progress

    def insert(self, model: Any, rows: Iterable[dict[str, Any]], *, count: bool = True) -> None:
        table = model_table(model)
        for chunk in _chunks(rows):
            self.session.execute(insert(table), chunk)
            self.summary.add(table.name, len(chunk))
            if self.on_progress is not None and count:
                self.on_progress(len(chunk))

    def ids(self, model: Any, key: Any) -> dict[str, int]:
        return {k: i for k, i in self.session.execute(select(key, col(model.id))).all()}
