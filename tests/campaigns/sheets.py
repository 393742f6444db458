"""What the spreadsheet tests share (tests/campaigns/test_spreadsheet*.py,
tests/web/test_spreadsheet*.py, tests/trackables/test_import*.py): a campaign opened or closed
on a test's database, workbooks made with openpyxl as a person's spreadsheet would save them,
and LibreOffice (Debian's, installed when missing, as the browser tests install Chromium)."""

import io
import subprocess
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import col, select

from app.campaigns import campaigns
from app.models import PendingReport, Trackable
from app.models.campaigns import CampaignOpen
from tests.factories import FACTORY_ACTOR, session_on
from tests.web.conftest import run_or_fail

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
SOFFICE = Path("/usr/bin/soffice")


def open_campaign_on(url: str, year: int = 2025) -> None:
    """Open the campaign of ``year`` (as the factories' admin)."""
    with session_on(url) as session:
        campaigns.create(
            session=session,
            actor=FACTORY_ACTOR,
            data=CampaignOpen(year=year, deadline=date(year + 1, 3, 31)),
        )
        session.commit()


def close_campaign_on(url: str, year: int = 2025) -> None:
    with session_on(url) as session:
        campaign = campaigns.get(session=session, year=year)
        campaigns.close(session=session, actor=FACTORY_ACTOR, campaign=campaign)
        session.commit()


def pending_by_code(url: str) -> dict[str, PendingReport]:
    """Every pending report, by "CODE/YEAR"."""
    with session_on(url) as session:
        rows = session.exec(
            select(PendingReport, Trackable.code).join(
                Trackable, col(Trackable.id) == col(PendingReport.trackable_id)
            )
        ).all()
        return {f"{code}/{row.year}": row for row, code in rows}


def workbook(
    rows: Iterable[Sequence[Any]], *, title: str = "Bilan 2025", extra: Sequence[str] = ()
) -> bytes:
    """An XLSX workbook of one sheet ``title`` holding ``rows`` (the first is the header), and
    the sheets named ``extra``, empty."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name in extra:
        book.create_sheet(name)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def edit(content: bytes, changes: dict[tuple[str, str], Any]) -> bytes:
    """The downloaded workbook ``content`` with cells changed, each named by the row's code and
    the column's title, saved again as openpyxl saves it."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    lines = {row[0].value: number for number, row in enumerate(sheet.iter_rows(min_row=2), 2)}
    for (code, title), value in changes.items():
        sheet.cell(row=lines[code], column=header.index(title) + 1, value=value)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book.worksheets[0].iter_rows(values_only=True))


@pytest.fixture(scope="session")
def soffice() -> Path:
    """LibreOffice Calc, headless (Debian's libreoffice-calc-nogui, installed when missing)."""
    if not SOFFICE.exists():
        run_or_fail(["apt-get", "update", "-qq"], "apt-get update, to install LibreOffice")
        run_or_fail(
            [
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "libreoffice-calc-nogui",
            ],
            "apt-get install libreoffice-calc-nogui",
        )
    if not SOFFICE.exists():
        pytest.fail(f"{SOFFICE} is still missing after apt-get install", pytrace=False)
    return SOFFICE


def convert(soffice: Path, content: bytes, suffix: str, target: str, folder: Path) -> Path:
    """``content`` (a file ending in ``suffix``) converted by LibreOffice to ``target`` (a
    filter: "ods", "xlsx", "csv:…"), in ``folder``: the converted file."""
    output = folder / "converted"
    output.mkdir(parents=True, exist_ok=True)
    source = folder / f"tableau{suffix}"
    source.write_bytes(content)
    result = subprocess.run(
        [
            str(soffice),
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(output),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    extension = target.split(":")[0]
    made = list(output.glob(f"tableau*.{extension}"))
    assert made, result.stdout + result.stderr
    return made[0]
