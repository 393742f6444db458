"""The CSV files are written a whole column at a time (app.opendata.tables.write_csv): every cell
must be what the cell rules (csv_cell) give for it, one value at a time, whatever the mix of
types in a column and across the chunks a large table is cut into."""

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app import opendata
from app.models import Status
from app.models.dashboard import BudgetTotals
from app.opendata import tables
from app.opendata.tables import Cell, Column, Resource, Row, csv_cell, write_csv

PARIS_SUMMER = timezone(timedelta(hours=2))
NAN = math.nan

COLUMNS = (
    Column(name="text", type="string", description="Texte"),
    Column(name="code", type="string", description="Code"),
    Column(name="stamp", type="string", description="Texte à l'allure de date"),
    Column(name="amount", type="number", description="Nombre"),
    Column(name="mixed", type="number", description="Entiers, décimaux, booléens"),
    Column(name="count", type="integer", description="Entier"),
    Column(name="done", type="boolean", description="Booléen"),
    Column(name="day", type="date", description="Date"),
    Column(name="moment", type="datetime", description="Date et heure"),
    Column(name="items", type="array", description="Liste", array_item={"type": "string"}),
    Column(name="status", type="string", description="Statut (énumération)"),
)
TABLE = Resource(
    name="cells",
    title="Cellules",
    description="Des valeurs de tous les genres",
    fields=COLUMNS,
    primary_key=("code",),
    rows=lambda _session: [],
)

#: Per column, values a reader could meet (repeated, so that equal values meet in one chunk).
VALUES: dict[str, list[Cell]] = {
    "text": [
        "plain",
        "=SUM(A1)",
        "+33 3 27",
        "-10 %",
        "@Evil Corp",
        "\tTab",
        "\rReturn",
        "'quoted",
        "'=quoted formula",
        "''+1",
        "a, b",
        'say "hi"',
        "two\nlines",
        "",
        None,
        "été",
    ],
    "code": ["E1.1", "PP5", "E2.3.2", None, "E1.1"],
    "stamp": ["2025-01-01T00:00:00Z", "=not a date", None],
    "amount": [
        20.0,
        12.5,
        -3.25,
        -0.0,
        0.0,
        1e-05,
        1e16,
        1e308,
        0.1 + 0.2,
        math.inf,
        -math.inf,
        NAN,
        float("nan"),
        None,
        1000.5,
        20.0,
    ],
    "mixed": [1, 1.0, True, False, 0, 2.5, None, 10**17],
    "count": [0, -1, 2**40, None, 7],
    "done": [True, False, None, True],
    "day": [date(2025, 1, 1), date(999, 12, 31), None, date(2025, 1, 1)],
    "moment": [
        datetime(2025, 1, 15, 11, 44),
        datetime(2025, 1, 15, 11, 44, tzinfo=UTC),
        datetime(2025, 7, 1, 14, 0, 59, 999999, tzinfo=PARIS_SUMMER),
        datetime(999, 1, 1, 0, 0),
        None,
    ],
    "items": [["90-21", "90-71"], [], ["Vélo"], None],
    "status": [Status.planned, Status.in_progress, None, Status.planned],
}


def rows(count: int) -> list[Row]:
    """``count`` rows cycling through each column's values at its own pace."""
    return [
        tuple(VALUES[c.name][(i * (k + 1)) % len(VALUES[c.name])] for k, c in enumerate(COLUMNS))
        for i in range(count)
    ]


def one_cell_at_a_time(table: Resource, values: list[Row]) -> str:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(table.field_names)
    for row in values:
        writer.writerow(
            [csv_cell(column, value) for column, value in zip(table.fields, row, strict=True)]
        )
    return stream.getvalue()


@pytest.mark.parametrize("chunk", [1, 3, 50, tables.CHUNK_ROWS])
def test_a_column_at_a_time_writes_what_the_cell_rules_write(monkeypatch, chunk):
    monkeypatch.setattr(tables, "CHUNK_ROWS", chunk)
    values = rows(200)
    stream = io.StringIO(newline="")
    assert write_csv(TABLE, values, stream) == 200
    assert stream.getvalue() == one_cell_at_a_time(TABLE, values)


def test_the_rules_the_columns_rely_on():
    """What write_csv relies on, checked on the values above: a float's cell, whichever of two
    equal values (0.0 and -0.0) comes first; a NaN is written once per object but alike; a text
    keeps its formula guard; a naive date-time is UTC."""
    amount = COLUMNS[3]
    assert csv_cell(amount, -0.0) == csv_cell(amount, 0.0) == "0"
    assert csv_cell(amount, NAN) == csv_cell(amount, float("nan")) == "NaN"
    assert csv_cell(COLUMNS[0], "'=quoted formula") == "''=quoted formula"
    assert csv_cell(COLUMNS[8], datetime(2025, 1, 15, 11, 44)) == "2025-01-15T11:44:00Z"
    assert csv_cell(COLUMNS[8], datetime(2025, 7, 1, 14, 0, 59, 999999, PARIS_SUMMER)) == (
        "2025-07-01T12:00:59Z"
    )
    assert tables.format_datetime(datetime(999, 1, 1)) == datetime(999, 1, 1).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_a_table_of_no_rows_is_its_header():
    stream = io.StringIO(newline="")
    assert write_csv(TABLE, [], stream) == 0
    assert stream.getvalue() == ",".join(TABLE.field_names) + "\r\n"


def test_rows_by_name_need_every_field():
    row = dict(zip(TABLE.field_names, rows(1)[0], strict=True))
    assert tables.by_name(TABLE, [row]) == rows(1)
    del row["status"]
    with pytest.raises(KeyError):
        tables.by_name(TABLE, [row])


def test_budget_columns_are_the_totals_fields_in_their_order():
    """budgets.csv writes each line's sums as history.BudgetSum.values gives them."""
    names = opendata.get_resource("budgets").field_names
    assert names[:4] == ["year", "level", "code", "title"]
    assert names[4:] == list(BudgetTotals.model_fields)
