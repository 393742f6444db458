"""Batch reads of every trackable for bulk readers (open data, the trackables' details): the
links of many trackables in one query, and every trackable with its parents' codes."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.core.text import natural_key
from app.models import Axis, Directorate, Engagement, PlanValue, Trackable, TrackableKind, tracking
from app.trackables.filters import Lead, Parent

#: What a trackable links to, as (trackable id, code; a partner's name), in the order shown.
_LINK_QUERIES: dict[str, Any] = {
    "contributing_directorates": select(
        col(tracking.TrackableDirectorate.trackable_id), col(Directorate.code)
    )
    .join(Directorate, col(Directorate.id) == col(tracking.TrackableDirectorate.directorate_id))
    .order_by(col(Directorate.code)),
    "partners": select(col(tracking.TrackablePartner.trackable_id), col(tracking.Partner.name))
    .join(tracking.Partner, col(tracking.Partner.id) == col(tracking.TrackablePartner.partner_id))
    .order_by(col(tracking.Partner.name)),
    "communes": select(
        col(tracking.TrackableCommune.trackable_id), col(tracking.TrackableCommune.insee_code)
    ).order_by(col(tracking.TrackableCommune.insee_code)),
    "values": select(col(tracking.TrackableValue.trackable_id), col(PlanValue.code))
    .join(PlanValue, col(PlanValue.id) == col(tracking.TrackableValue.value_id))
    .order_by(col(PlanValue.position)),
}


def links(
    session: Session, name: str, ids: Sequence[int | None] | None = None
) -> dict[int, list[str]]:
    """The links ``name`` (``contributing_directorates``, ``partners``, ``communes``, ``values``)
    of the trackables ``ids`` (every trackable when None), by trackable: one query."""
    stmt = _LINK_QUERIES[name]
    if ids is not None:
        stmt = stmt.where(stmt.selected_columns[0].in_(ids))
    grouped: dict[int, list[str]] = defaultdict(list)
    for trackable_id, value in session.execute(stmt).all():
        grouped[trackable_id].append(value)
    return grouped


@dataclass(frozen=True)
class Classification:
    """The national classification of trackables (betagouv/projets-territoire), by trackable id:
    M57 competence codes and SGPE lever names, each sorted."""

    competences: dict[int, list[str]]
    leviers: dict[int, list[str]]


def classification(session: Session, ids: Sequence[int | None] | None = None) -> Classification:
    """The competences and levers of the trackables ``ids`` (every trackable when None): one
    query, the two link tables read together."""
    competences: Any = select(
        col(tracking.TrackableCompetence.trackable_id).label("trackable_id"),
        literal("competences").label("kind"),
        col(tracking.TrackableCompetence.code).label("value"),
    )
    leviers: Any = select(
        col(tracking.TrackableLever.trackable_id).label("trackable_id"),
        literal("leviers").label("kind"),
        col(tracking.TrackableLever.name).label("value"),
    )
    if ids is not None:
        competences = competences.where(col(tracking.TrackableCompetence.trackable_id).in_(ids))
        leviers = leviers.where(col(tracking.TrackableLever.trackable_id).in_(ids))
    both = union_all(competences, leviers).subquery()
    found: dict[str, dict[int, list[str]]] = {"competences": {}, "leviers": {}}
    for trackable_id, kind, value in session.execute(
        sa_select(both.c.trackable_id, both.c.kind, both.c.value)
    ).all():
        found[kind].setdefault(trackable_id, []).append(value)
    # Sorted here rather than by the database, whose collation differs between backends.
    for grouped in found.values():
        for values in grouped.values():
            values.sort()
    return Classification(competences=found["competences"], leviers=found["leviers"])


_AxisEngagement = aliased(Engagement, name="axis_engagement")
_OwnEngagement = aliased(Engagement, name="own_engagement")


@dataclass(frozen=True)
class TrackableWithParents:
    """A trackable with the codes of its engagement, axis, parent action and lead directorate."""

    trackable: Trackable
    engagement_code: str
    axis_code: str | None
    parent_code: str | None
    lead_code: str | None


def get_all_with_parents(
    *, session: Session, live_only: bool = False
) -> list[TrackableWithParents]:
    """Every action and flagship project with its parents' codes, in document order: actions
    (engagement, axis, action then its sub-actions), then flagship projects. One query."""
    columns: list[Any] = [
        Trackable,
        Axis.code,
        Axis.position,
        _AxisEngagement.code,
        _AxisEngagement.position,
        _OwnEngagement.code,
        _OwnEngagement.position,
        Parent.code,
        Parent.position,
        Lead.code,
    ]
    stmt: Any = (
        select(*columns)
        .outerjoin(Axis, col(Axis.id) == col(Trackable.axis_id))
        .outerjoin(_AxisEngagement, col(Axis.engagement_id) == _AxisEngagement.id)
        .outerjoin(_OwnEngagement, col(Trackable.engagement_id) == _OwnEngagement.id)
        .outerjoin(Parent, col(Trackable.parent_id) == Parent.id)
        .outerjoin(Lead, col(Trackable.lead_directorate_id) == Lead.id)
    )
    if live_only:
        stmt = stmt.where(col(Trackable.archived_at).is_(None), col(Axis.archived_at).is_(None))
    ordered = []
    for (
        t,
        axis_code,
        axis_pos,
        ae_code,
        ae_pos,
        oe_code,
        oe_pos,
        p_code,
        p_pos,
        lead,
    ) in session.execute(stmt).all():
        if t.kind == TrackableKind.action:
            key: tuple[Any, ...] = (
                0,
                ae_pos or 0,
                axis_pos or 0,
                p_pos if p_pos is not None else t.position,
                t.parent_id is not None,
                t.position,
                natural_key(t.code),
            )
            engagement_code = ae_code
        else:
            key = (1, oe_pos or 0, t.position, natural_key(t.code))
            engagement_code = oe_code
        ordered.append((key, TrackableWithParents(t, engagement_code, axis_code, p_code, lead)))
    ordered.sort(key=lambda pair: pair[0])
    return [row for _, row in ordered]
