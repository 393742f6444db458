"""What a value becomes in a spreadsheet cell, the same for every file Boussole writes (the open
data, the campaign's export): a text made inert (never read as a formula) and a number in plain
decimal notation."""

import re
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: What a spreadsheet may take for the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: A formula start after quotes: the import (app.trackables.imports) takes one quote off exactly
#: these cells, so a text that itself starts with quotes before a formula start gets one more
#: here, and reads back as it was ("'=1" → "''=1" → "'=1").
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """Make a text cell inert in a spreadsheet: a leading single quote before a formula start,
    or before quotes that precede one. ``'hello`` is left as it is."""
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and _QUOTED_FORMULA.match(text)):
        return "'" + text
    return text


def worksheet_text(text: str) -> str:
    """``text`` without the control characters an XLSX worksheet cannot hold (U+0000–U+001F
    but tab, newline and carriage return): openpyxl refuses to write them, and a comment may
    hold one (the API takes any text)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


#: Table Schema's notation of the numbers no decimal writes (only PostgreSQL and old dumps hold
#: them: the API accepts finite numbers only). JSON has none: there, they are null.
NON_FINITE = {"inf": "INF", "-inf": "-INF", "nan": "NaN"}


def format_number(value: float) -> str:
    """Plain decimal notation with a point, never an exponent: 20, 12.5, -3.25, 0.00001; 1e308
    in its 309 digits; infinities and NaN as Table Schema writes them (``NON_FINITE``)."""
    text = repr(float(value))
    if "e" in text or "n" in text:  # an exponent (1e-05), or inf and nan: through Decimal
        if text in NON_FINITE:
            return NON_FINITE[text]
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
