"""The table-schema framework of the open data and its cell rules.

A resource is described once, declaratively (fields with their Table Schema type, description and
constraints, primary and foreign keys), beside the function that reads its rows: the
``datapackage.json`` descriptor, the CSV header and the JSON items are all derived from that
description. This module holds that description (``Column``, ``ForeignKey``, ``Resource``) and
how a value becomes a CSV cell or a JSON value (see app.opendata for the conventions).
"""

import csv
import io
import itertools
import json
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, TextIO

from sqlmodel import Session

from app.core.cells import FORMULA_STARTS, format_number, neutralise

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime", "year", "array"]
Cell = str | int | float | bool | date | datetime | list[str] | None
#: A row of a resource: its values in the order of the resource's fields.
Row = tuple[Cell, ...]


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
    #: The rows, each a tuple of the values of ``fields`` in their order.
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
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if value.year < 1000:  # isoformat pads the year to four digits, strftime does not
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat(timespec="seconds") + "Z"


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


#: The first characters of the texts neutralise may change (a formula start, or quotes that may
#: precede one); any other text is written as it is.
_RISKY_STARTS = "".join(FORMULA_STARTS) + "'"
#: Rows converted and written together: a table of hundreds of thousands of rows is never whole
#: in memory as text.
CHUNK_ROWS = 10_000


#: How a whole column of values of one type becomes its cells (csv_cell for the other types).
_CELLS_BY_TYPE: dict[type, Callable[[Sequence[Any]], list[str]]] = {
    float: lambda values: list(map(format_number, values)),
    datetime: lambda values: list(map(format_datetime, values)),
    date: lambda values: list(map(date.isoformat, values)),
    bool: lambda values: ["true" if value else "false" for value in values],
}


def _column_cells(column: Column, values: Sequence[Cell]) -> Sequence[Any]:
    """The CSV cells of one column's ``values``, as csv_cell writes them, a whole column at a
    time (a large table has millions of cells: no Python call per cell where it can be helped).
    What the csv module writes as csv_cell would (None as an empty cell, an int, a text that needs
    no quote) is passed as it is; a column of one type is converted once per distinct value."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds <= {int}:
        return values
    if kinds == {str}:
        if column.type != "string":
            return values
        texts: Sequence[str | None] = values  # type: ignore[assignment]
        return [neutralise(v) if v and v[0] in _RISKY_STARTS else v for v in texts]
    if len(kinds) == 1 and (kind := kinds.pop()).__hash__ is not None:
        # One type, hashable: equal values are then written alike (mixed types are not: 1 and
        # True are equal, their cells are not). None stays None: an empty cell.
        distinct = list(set(values) - {None})
        convert = _CELLS_BY_TYPE.get(kind)
        cells = (
            convert(distinct)
            if convert is not None
            else [csv_cell(column, value) for value in distinct]
        )
        return list(map(dict(zip(distinct, cells, strict=True)).get, values))
    return [csv_cell(column, value) for value in values]


def write_csv(resource: Resource, rows: Iterable[Row], stream: TextIO) -> int:
    """Write the table to ``stream`` (CHUNK_ROWS rows at a time: never the whole text in
    memory); returns how many rows were written. ``rows``: tuples in the order of the fields."""
    writer = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(resource.field_names)
    count = 0
    pending = iter(rows)
    while chunk := list(itertools.islice(pending, CHUNK_ROWS)):
        columns = zip(*chunk, strict=True)
        writer.writerows(
            zip(
                *(
                    _column_cells(column, values)
                    for column, values in zip(resource.fields, columns, strict=True)
                ),
                strict=True,
            )
        )
        count += len(chunk)
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
    names = resource.field_names
    return [dict(zip(names, map(json_value, row), strict=True)) for row in rows]


def by_name(resource: Resource, rows: Iterable[dict[str, Cell]]) -> list[Row]:
    """Rows written as dictionaries (the small tables, built field by field), as tuples in the
    order of the resource's fields; a field missing from a row is an error (KeyError)."""
    names = resource.field_names
    if len(names) == 1:
        return [(row[names[0]],) for row in rows]
    values = operator.itemgetter(*names)
    return [values(row) for row in rows]
