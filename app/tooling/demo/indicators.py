"""Made-up indicators: ten per copy, with targets, yearly values, commune breakdowns, the node
each measures and their audit entries."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col

from app.core.text import fold
from app.models import (
    AuditEntry,
    Indicator,
    IndicatorLink,
    IndicatorTarget,
    IndicatorValue,
    Trackable,
    TrackableKind,
)
from app.tooling.demo.constants import (
    COMMUNES_PER_INDICATOR,
    DEMO_ACTOR,
    DEMO_INDICATOR_PREFIX,
    DEMO_PREFIX,
    DEMO_START,
    INDICATORS,
    INDICATORS_PER_COPY,
    VALUE_YEARS,
)
from app.tooling.demo.draws import random_stream
from app.tooling.demo.structure import Node
from app.tooling.demo.writer import Writer


def write_indicators(
    writer: Writer,
    nodes: Sequence[Node],
    scale: int,
    seed: int,
    directorates: Sequence[int],
    communes: Sequence[str],
    axis_ids: dict[str, int],
) -> None:
    """Ten indicators per copy, each measuring an action or an axis of its copy."""
    actions_of: dict[int, list[str]] = {}
    axes_of: dict[int, list[str]] = {}
    for node in nodes:
        if node.kind == TrackableKind.action and node.parent is None:
            actions_of.setdefault(node.copy, []).append(node.code)
            if node.axis is not None and node.axis not in axes_of.get(node.copy, []):
                axes_of.setdefault(node.copy, []).append(node.axis)
    rows: list[dict[str, Any]] = []
    targets: list[tuple[str, int, float]] = []
    values: list[tuple[str, int, str, float]] = []
    measures: list[tuple[str, str, bool]] = []
    for copy in range(scale):
        for number, (name, unit, direction, base, mid, end, decimals) in enumerate(INDICATORS):
            code = f"{DEMO_INDICATOR_PREFIX}{copy + 1:03d}-{number + 1:02d}"
            rng = random_stream(seed, "indicator", code)
            title = f"{DEMO_PREFIX}{name}" + (f" ({copy + 1})" if copy else "")
            rows.append(
                {
                    "code": code,
                    "name": title,
                    "description": f"{DEMO_PREFIX}Indicateur fictif.",
                    "unit": unit,
                    "decimals": decimals,
                    "direction": direction,
                    "source": "Démo",
                    "method": "",
                    "update_frequency": "annuelle",
                    "lead_directorate_id": rng.choice(directorates),
                    "baseline_year": 2023,
                    "baseline_value": float(base),
                    "search_text": fold(f"{code} {title}"),
                    "created_at": DEMO_START,
                    "updated_at": DEMO_START,
                }
            )
            targets += [(code, 2030, float(mid)), (code, 2044, float(end))]
            pace = rng.uniform(0.3, 1.2)  # how much of the way it goes
            for year in VALUE_YEARS:
                share = (year - 2023) / (2044 - 2023) * pace
                value = round(base + (end - base) * share * rng.uniform(0.85, 1.15), decimals)
                values.append((code, year, "", value))
                for commune in rng.sample(
                    list(communes), min(len(communes), COMMUNES_PER_INDICATOR)
                ):
                    values.append((code, year, commune, round(value * rng.uniform(0.7, 1.3), 2)))
            pool = axes_of.get(copy, []) if number % 2 else actions_of.get(copy, [])
            if pool:
                measures.append((code, rng.choice(pool), bool(number % 2)))
    writer.insert(Indicator, rows)
    ids = writer.ids(Indicator, col(Indicator.code))
    writer.insert(
        IndicatorTarget,
        ({"indicator_id": ids[c], "year": y, "value": v} for c, y, v in targets),
        count=False,
    )
    trackable_ids = writer.ids(Trackable, col(Trackable.code))
    writer.insert(
        IndicatorLink,
        (
            {
                "indicator_id": ids[c],
                "trackable_id": None if is_axis else trackable_ids[target],
                "axis_id": axis_ids[target] if is_axis else None,
                "engagement_id": None,
            }
            for c, target, is_axis in measures
        ),
        count=False,
    )
    recorded = datetime(2024, 1, 1, tzinfo=UTC)
    writer.insert(
        IndicatorValue,
        (
            {
                "indicator_id": ids[c],
                "year": y,
                "commune": commune,
                "value": v,
                "status": "final" if y < 2044 else "provisional",
                "comment": "",
                "source": "Démo",
                "recorded_by": DEMO_ACTOR,
                "recorded_at": recorded.replace(year=min(y + 1, 2045), month=3),
            }
            for c, y, commune, v in values
        ),
    )


def write_indicator_audit(writer: Writer, scale: int) -> None:
    writer.insert(
        AuditEntry,
        (
            {
                "at": DEMO_START,
                "actor_name": DEMO_ACTOR,
                "actor_role": "system",
                "actor_directorates": [],
                "entity": "indicator",
                "entity_key": f"{DEMO_INDICATOR_PREFIX}{copy + 1:03d}-{number + 1:02d}",
                "trackable_id": None,
                "action": "create",
                "before": None,
                "after": None,
            }
            for copy in range(scale)
            for number in range(INDICATORS_PER_COPY)
        ),
    )
