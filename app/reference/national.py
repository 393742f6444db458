"""The national reference lists of betagouv/projets-territoire, shipped in ``data/`` (see its
README): the M57 function codes (``competences``) and the levers of the national ecological
planning (``leviers``) an action or flagship project may name."""

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
COMPETENCES_FILE = DATA / "competences-m57-2025.csv"
LEVIERS_FILE = DATA / "leviers-sgpe-2025-03.csv"


def _column(path: Path, name: str) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    key, label = header.index(name), 1 - header.index(name)
    return {row[key].strip(): row[label].strip() for row in body if row and row[key].strip()}


@cache
def competences() -> dict[str, str]:
    """M57 function code → its label, in the file's order."""
    return _column(COMPETENCES_FILE, "code")


@cache
def leviers() -> dict[str, str]:
    """Lever name → its description, in the file's order (50 levers)."""
    return _column(LEVIERS_FILE, "levier")
