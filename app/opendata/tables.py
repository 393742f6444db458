"""The table-schema framework of the open data and its cell rules.

A resource is described once, declaratively (fields with their Table Schema type, description and
constraints, primary and foreign keys), beside the function that reads its rows: the
``datapackage.json`` descriptor, the CSV header and the JSON items are all derived from that
description. This module holds that description (``Column``, ``ForeignKey``, ``Resource``) and
how a value becomes a CSV cell or a JSON value (see app.opendata for the conventions).
"""

import csv
import io
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, TextIO

from sqlmodel import Session

from app.core.cells import format_number, neutralise

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime", "year", "array"]
Cell = str | int | float | bool | date | datetime | list[str] | None
Row = dict[str, Cell]


@dataclass(frozen=True, kw_only=True)
class Column:
    """One field of a resource, as Table Schema describes it."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    format: str | None = None
    array_item: dict[str, str] | None = None

    def descriptor(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.format is not None:
            described["format"] = self.format
        if self.array_item is not None:
            described["arrayItem"] = dict(self.array_item)
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.unique:
            constraints["unique"] = True
        if self.minimum is not None:
            constraints["minimum"] = _json_number(self.minimum)
        if self.maximum is not None:
            constraints["maximum"] = _json_number(self.maximum)
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.pattern is not None:
            constraints["pattern"] = self.pattern
        if constraints:
            described["constraints"] = constraints
        return described


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]

    def descriptor(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "reference": {"resource": self.resource, "fields": list(self.reference)},
        }


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A table of the package: what it is, its fields, its keys and how its rows are read."""

    name: str
    title: str
    description: str
    fields: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Session], Iterable[Row]]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def csv_file(self) -> str:
        return f"{self.name}.csv"

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [f.descriptor() for f in self.fields],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [fk.descriptor() for fk in self.foreign_keys]
        return schema

    def descriptor(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.csv_file,
            "title": self.title,
            "description": self.description,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {
                "delimiter": ",",
                "lineTerminator": "\r\n",
                "quoteChar": '"',
                "doubleQuote": True,
                "header": True,
            },
            "schema": self.schema(),
        }


# --- Serialisation ------------------------------------------------------------------------------
# The cell rules shared with every file Boussole writes (neutralise, format_number) are in
# app.core.cells.


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC, to the second. SQLite gives back naive values: they are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_cell(column: Column, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_number(value)
    return neutralise(value) if column.type == "string" else value


def json_value(value: Cell) -> Any:
    """Typed as in JSON; an empty text is null, as its empty CSV cell reads, and so is a number
    JSON cannot write (infinite or NaN)."""
    if value == "":
        return None
    if type(value) is float and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text_cell(value: str) -> str:
    return neutralise(value)


def _plain_text_cell(value: str) -> str:
    return value


#: csv_cell's answer by the value's exact type (a dictionary look-up rather than a chain of
#: isinstance, for tables of hundreds of thousands of rows); other types go through csv_cell.
_CELL_BY_TYPE: dict[type, Callable[[Any], str]] = {
    type(None): lambda _value: "",
    bool: lambda value: "true" if value else "false",
    int: str,
    float: format_number,
    datetime: format_datetime,
    date: date.isoformat,
}


def write_csv(resource: Resource, rows: Iterable[Row], stream: TextIO) -> int:
    """Write the table to ``stream`` row by row (never the whole text in memory); returns how
    many rows were written."""
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(resource.field_names)
    cells = [
        (
            column,
            _CELL_BY_TYPE | {str: _text_cell if column.type == "string" else _plain_text_cell},
        )
        for column in resource.fields
    ]
    count = 0
    for row in rows:
        line = []
        for column, by_type in cells:
            value = row.get(column.name)
            convert = by_type.get(type(value))
            line.append(convert(value) if convert is not None else csv_cell(column, value))
        writer.writerow(line)
        count += 1
    return count


def to_csv(resource: Resource, rows: Iterable[Row]) -> bytes:
    """The table as UTF-8 CSV bytes (encoded as it is written: no text copy of it)."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
    write_csv(resource, rows, text)
    text.flush()
    data = buffer.getvalue()
    text.detach()
    return data


def to_items(resource: Resource, rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [{c.name: json_value(row.get(c.name)) for c in resource.fields} for row in rows]
