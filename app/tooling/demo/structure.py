"""The copies of the plan: engagements, axes, trackables and flagship links under new codes,
and how many rows the demo writes."""

from dataclasses import dataclass
from typing import Any

from app.core.text import fold
from app.models import (
    TrackableKind,
)
from app.tooling import seed as seed_service
from app.tooling.demo.constants import (
    COMMUNES_PER_INDICATOR,
    DEMO_PREFIX,
    INDICATORS_PER_COPY,
    MILESTONES_PER_TRACKABLE,
    PROGRESS_YEARS,
    VALUE_YEARS,
)


def expected_rows(document: seed_service.SeedDocument, scale: int) -> int:
    """How many rows ``generate`` writes (for a progress bar), the seed's own rows left out."""
    trackables = _trackables_per_copy(document)
    indicators = INDICATORS_PER_COPY * scale
    copies = scale - 1
    axes = sum(len(e.axes) for e in document.engagements)
    structure = copies * (len(document.engagements) + axes + trackables)
    per_trackable = len(PROGRESS_YEARS) + MILESTONES_PER_TRACKABLE + 1  # + its audit entry
    return (
        structure
        + scale * trackables * per_trackable
        # Each indicator, its audit entry and its values.
        + indicators * (2 + len(VALUE_YEARS) * (1 + COMMUNES_PER_INDICATOR))
    )


def _trackables_per_copy(document: seed_service.SeedDocument) -> int:
    return sum(1 + len(action.sub_actions) for _, action in document.actions()) + sum(
        len(e.flagship_projects) for e in document.engagements
    )


@dataclass(frozen=True)
class Node:
    """A trackable to write: its copy, code, title and parents (codes)."""

    copy: int
    code: str
    title: str
    kind: TrackableKind
    position: int
    axis: str | None = None
    parent: str | None = None
    engagement: str | None = None


def _recode(code: str, old: str, new: str) -> str:
    """``E1.2.3`` of engagement E1 in the copy whose engagement is E7: ``E7.2.3``."""
    return new + code[len(old) :]


def plan_copies(
    document: seed_service.SeedDocument, scale: int
) -> tuple[
    list[dict[str, Any]], list[tuple[str, dict[str, Any]]], list[Node], list[tuple[str, str]]
]:
    """The copies' engagements, axes (with their engagement's code), trackables (copy 0: the
    seed's own) and flagship links, in document order."""
    engagements: list[dict[str, Any]] = []
    axes: list[tuple[str, dict[str, Any]]] = []
    nodes: list[Node] = []
    links: list[tuple[str, str]] = []
    per_copy = len(document.engagements)
    flagships_per_copy = sum(len(e.flagship_projects) for e in document.engagements)
    for copy in range(scale):
        flagship_number = copy * flagships_per_copy
        for index, engagement in enumerate(document.engagements):
            new = f"E{copy * per_copy + index + 1}" if copy else engagement.code
            prefix = DEMO_PREFIX if copy else ""
            if copy:
                engagements.append(
                    {
                        "code": new,
                        "title": prefix + engagement.title,
                        "quote": engagement.quote,
                        "quote_author": engagement.quote_author,
                        "position": copy * per_copy + index,
                    }
                )
            for a_position, axis in enumerate(engagement.axes):
                axis_code = _recode(axis.code, engagement.code, new)
                if copy:
                    title = prefix + axis.title
                    axes.append(
                        (
                            new,
                            {
                                "code": axis_code,
                                "title": title,
                                "position": a_position,
                                "search_text": fold(f"{axis_code} {title}"),
                                "archived_at": None,
                            },
                        )
                    )
                for t_position, action in enumerate(axis.actions):
                    action_code = _recode(action.code, engagement.code, new)
                    nodes.append(
                        Node(
                            copy,
                            action_code,
                            prefix + action.title,
                            TrackableKind.action,
                            t_position,
                            axis=axis_code,
                        )
                    )
                    for s_position, sub in enumerate(action.sub_actions):
                        nodes.append(
                            Node(
                                copy,
                                _recode(sub.code, engagement.code, new),
                                prefix + sub.title,
                                TrackableKind.action,
                                s_position,
                                axis=axis_code,
                                parent=action_code,
                            )
                        )
            for f_position, flagship in enumerate(engagement.flagship_projects):
                flagship_number += 1
                code = f"PP{flagship_number}" if copy else flagship.code
                nodes.append(
                    Node(
                        copy,
                        code,
                        prefix + flagship.title,
                        TrackableKind.flagship_project,
                        f_position,
                        engagement=new,
                    )
                )
                if copy:
                    # A copy's flagship project serves the first action of its first two axes.
                    served = [
                        _recode(axis.actions[0].code, engagement.code, new)
                        for axis in engagement.axes[:2]
                        if axis.actions
                    ]
                    links += [(code, action_code) for action_code in served]
    return engagements, axes, nodes, links
