"""Simple check constraints (bounds on one column), checked on a dump's values before a restore."""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table


@dataclass(frozen=True)
class _Check:
    """A check constraint made of bounds on one column (``progress >= 0 AND progress <= 100``)."""

    name: str
    text: str
    column: str
    bounds: tuple[tuple[Callable[[Any, Any], bool], float], ...]

    def holds(self, value: Any) -> bool:
        return all(compare(value, bound) for compare, bound in self.bounds)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
#: One bound: ``column >= 0``.
_BOUND = re.compile(r"([A-Za-z_]\w*)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)")


def simple_checks(table: Table) -> list[_Check]:
    """The table's check constraints simple enough to check here; the others are left to the
    database (which names the constraint when it refuses a row)."""
    checks = []
    for constraint in table.constraints:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        text = str(constraint.sqltext).strip()
        parts = re.split(r"\s+AND\s+", text, flags=re.IGNORECASE)
        bounds = [match for part in parts if (match := _BOUND.fullmatch(part.strip()))]
        columns = {bound.group(1) for bound in bounds}
        if (
            len(bounds) != len(parts)
            or len(columns) != 1
            or not columns <= set(table.columns.keys())
        ):
            continue
        checks.append(
            _Check(
                name=str(constraint.name),
                text=text,
                column=columns.pop(),
                bounds=tuple((_COMPARISONS[b.group(2)], float(b.group(3))) for b in bounds),
            )
        )
    return checks
