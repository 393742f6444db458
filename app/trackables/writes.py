"""Writes on trackables (actions and flagship projects): creation, tracking fields, links, moves and
archiving, and the status rule after a yearly report's write (one status: the trackable's current
status is its latest report's, see ``app.trackables.progress``). The caller authorised the actor
(``app.api.permissions``: admins create, editors update what they lead, not its ``ADMIN_ONLY``
fields); every write honours If-Match and is recorded in the audit trail in the same transaction.
Services flush; the request commits."""

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Integer, case, literal, tuple_
from sqlalchemy import update as update_rows
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, delete, func, select

from app import revision
from app.audit import audit
from app.auth.tokens import Actor
from app.core.errors import ConflictError, InvalidInputError, code_taken, null_refused
from app.core.versioning import check_version
from app.models import (
    Axis,
    Commune,
    Directorate,
    FlagshipAction,
    Partner,
    PlanValue,
    ProgressReport,
    Status,
    Trackable,
    TrackableCommune,
    TrackableCompetence,
    TrackableDirectorate,
    TrackableKind,
    TrackableLever,
    TrackablePartner,
    TrackableValue,
)
from app.models.base import utcnow
from app.models.tracking import (
    ActionCreate,
    ActionUpdate,
    FlagshipProjectCreate,
    FlagshipProjectUpdate,
)
from app.reference import national
from app.trackables import bulk, progress, trackables

#: Fields that always have a value: null is refused rather than guessed.
NOT_NULL = frozenset({"status", "title", "description", "objectives", "weight", "archived"})
_PLAIN_FIELDS = (
    "title",
    "status",
    "priority",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "description",
    "objectives",
    "weight",
)


#: The computed fields of a trackable, left out of its snapshots.
_NOT_SNAPSHOT = frozenset({"updated_at", "progress", "progress_year", "status_label"})


def snapshots(session: Session, rows: Sequence[Trackable]) -> list[dict[str, Any]]:
    """The trackables as the API shows them, for the audit trail (computed fields left out), in
    a fixed number of queries whatever their number."""
    details = trackables.get_details(session=session, trackables=rows)
    return [detail.model_dump(mode="json", exclude=set(_NOT_SNAPSHOT)) for detail in details]


def snapshot(session: Session, trackable: Trackable) -> dict[str, Any]:
    """The trackable as the API shows it, for the audit trail (computed fields left out)."""
    return snapshots(session, [trackable])[0]


def _record(
    session: Session, actor: Actor, written: Sequence[tuple[Trackable, dict[str, Any] | None]]
) -> None:
    """Flush the writes, then record each: its trackable's snapshot ``before`` (None for a
    creation) and the trackable now (all read together)."""
    session.flush()
    after = snapshots(session, [trackable for trackable, _ in written])
    changes = [
        audit.Change(str(trackable.kind), trackable.code, before, now, trackable.id)
        for (trackable, before), now in zip(written, after, strict=True)
    ]
    audit.record_all(session, actor, changes)


#: What an unknown code of each field of a write is, in French.
_UNKNOWN = {
    "lead_directorate": "direction inconnue",
    "contributing_directorates": "direction inconnue",
    "communes": "commune inconnue (code INSEE)",
    "values": "valeur du plan inconnue",
    "parent": "action inconnue",
    "axis": "axe inconnu",
    "actions": "action inconnue",
}


def _find(session: Session, model: Any, key: Any, codes: Collection[str]) -> dict[str, Any]:
    """The rows of ``model`` whose ``key`` is one of ``codes``, by code (no query for none)."""
    if not codes:
        return {}
    return {
        getattr(row, key.key): row
        for row in session.exec(select(model).where(key.in_(list(codes))))
    }


def _require(rows: dict[str, Any], codes: list[str], field: str) -> dict[str, Any]:
    """The rows of ``codes`` among ``rows``; an unknown code is a 422 naming the field (and the
    position in the list, for a field that holds a list)."""
    for index, code in enumerate(codes):
        if code not in rows:
            loc = ("body", field) if field in _SINGLE else ("body", field, index)
            raise InvalidInputError(loc, f"{_UNKNOWN[field]} : « {code} »")
    return {code: rows[code] for code in codes}


def _lookup(session: Session, model: Any, key: Any, codes: list[str], field: str) -> dict[str, Any]:
    """Rows by code; an unknown code is a 422 naming the field."""
    return _require(_find(session, model, key, codes), codes, field)


def _refuse_archived(directorates: list[Directorate], field: str) -> None:
    """An archived directorate is not given new actions (app.reference.writes): 422."""
    archived = sorted(d.code for d in directorates if d.archived_at is not None)
    if archived:
        raise InvalidInputError(("body", field), f"direction archivée : « {archived[0]} »")


def not_top_level(code: str) -> str:
    return f"{code} n'est pas une action de premier niveau"


#: The fields of one code (the others hold lists).
_SINGLE = frozenset({"lead_directorate", "parent", "axis"})


def _check_national(field: str, values: list[str], allowed: dict[str, str]) -> None:
    """A code of the national lists (app/reference/data); an unknown one is a 422 naming it."""
    what = {"competences": "compétence M57 inconnue", "leviers": "levier SGPE inconnu"}[field]
    for index, value in enumerate(values):
        if value not in allowed:
            raise InvalidInputError(
                ("body", field, index),
                f"{what} : « {value} » (voir la liste nationale betagouv/projets-territoire)",
            )


def _check_dates(trackable: Trackable) -> None:
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        first, last = getattr(trackable, start), getattr(trackable, end)
        if first is not None and last is not None and last < first:
            raise InvalidInputError(("body", end), f"{end} ({last}) précède {start} ({first})")


def _replace_links(
    session: Session, link: Any, column: str, values: Mapping[int, Sequence[Any]]
) -> None:
    """Each trackable of ``values`` links to its values alone (``link`` rows, the value in
    ``column``): one DELETE for them all, the new rows inserted together at the next flush."""
    session.execute(delete(link).where(col(link.trackable_id).in_(list(values))))
    for trackable_id, linked in values.items():
        for value in dict.fromkeys(linked):  # keeps order, drops repeats
            session.add(link(trackable_id=trackable_id, **{column: value}))


def _directorate_codes(changes: dict[str, Any]) -> list[str]:
    """The directorates ``changes`` names (lead and contributing)."""
    lead = changes.get("lead_directorate")
    return ([lead] if lead is not None else []) + (changes.get("contributing_directorates") or [])


def _directorates(
    trackable: Trackable,
    changes: dict[str, Any],
    directorates: dict[str, Directorate],
    held: Callable[[], Collection[str]],
) -> tuple[int | None, list[int] | None]:
    """The lead and contributing directorates ``trackable`` gets from ``changes``, among
    ``directorates`` (by code): the lead's id (its current one when not given) and the
    contributing ones' (None when not given). An unknown code is a 422 naming the field; an
    archived directorate is given to no trackable it does not lead or contribute to already
    (``held``: the codes of its contributing directorates now, asked only when one named is
    archived)."""
    lead_id = trackable.lead_directorate_id
    if "lead_directorate" in changes:
        code = changes["lead_directorate"]
        lead = None if code is None else _require(directorates, [code], "lead_directorate")[code]
        if lead is not None and lead.id != trackable.lead_directorate_id:
            _refuse_archived([lead], "lead_directorate")
        lead_id = None if lead is None else lead.id
    codes = changes.get("contributing_directorates")
    if codes is None:
        return lead_id, None
    rows = _require(directorates, codes, "contributing_directorates")
    if any(row.archived_at is not None for row in rows.values()):
        kept = held()
        _refuse_archived(
            [row for row in rows.values() if row.code not in kept], "contributing_directorates"
        )
    return lead_id, [rows[c].id for c in codes]


def _next_code(session: Session, prefix: str) -> str:
    codes = session.exec(
        select(Trackable.code).where(col(Trackable.code).startswith(prefix, autoescape=True))
    ).all()
    numbers = [int(rest) for code in codes if (rest := code[len(prefix) :]).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _next_position(session: Session, *where: Any) -> int:
    last = session.scalar(select(func.max(Trackable.position)).where(*where))
    return 0 if last is None else last + 1


def _apply(session: Session, trackable: Trackable, changes: dict[str, Any]) -> None:
    """Apply validated changes to a trackable and its links (the caller flushes)."""
    for name in NOT_NULL & changes.keys():
        if changes[name] is None:
            raise null_refused(name)
    for name in _PLAIN_FIELDS:
        if name in changes:
            setattr(trackable, name, changes[name])
    _check_dates(trackable)
    assert trackable.id is not None

    trackable_id = trackable.id
    directorates = _find(session, Directorate, col(Directorate.code), _directorate_codes(changes))
    trackable.lead_directorate_id, ids = _directorates(
        trackable,
        changes,
        directorates,
        lambda: bulk.links(session, "contributing_directorates", [trackable_id])[trackable_id],
    )
    if ids is not None:
        _replace_links(session, TrackableDirectorate, "directorate_id", {trackable_id: ids})
    if changes.get("partners") is not None:
        names = list(dict.fromkeys(changes["partners"]))
        known = {
            p.name: p for p in session.exec(select(Partner).where(col(Partner.name).in_(names)))
        }
        for name in names:
            if name not in known:
                known[name] = Partner(name=name)
                session.add(known[name])
        session.flush()
        partner_ids = [known[n].id for n in names]
        _replace_links(session, TrackablePartner, "partner_id", {trackable.id: partner_ids})
    if changes.get("communes") is not None:
        codes = changes["communes"]
        _lookup(session, Commune, col(Commune.insee_code), codes, "communes")
        _replace_links(session, TrackableCommune, "insee_code", {trackable.id: codes})
    if changes.get("values") is not None:
        codes = changes["values"]
        rows = _lookup(session, PlanValue, col(PlanValue.code), codes, "values")
        value_ids = [rows[c].id for c in codes]
        _replace_links(session, TrackableValue, "value_id", {trackable.id: value_ids})
    for name, link, column, allowed in (
        ("competences", TrackableCompetence, "code", national.competences()),
        ("leviers", TrackableLever, "name", national.leviers()),
    ):
        if changes.get(name) is not None:
            _check_national(name, changes[name], allowed)
            _replace_links(session, link, column, {trackable.id: changes[name]})
    for name in (
        "contributing_directorates",
        "partners",
        "communes",
        "values",
        "competences",
        "leviers",
    ):
        if name in changes and changes[name] is None:
            raise null_refused(name, " : envoyez [] pour le vider")

    if "archived" in changes:
        _archive(session, trackable, changes["archived"])
    if trackable.kind == TrackableKind.action:
        _move_action(session, trackable, changes)
    else:
        _move_flagship(session, trackable, changes)
    # Links live in other tables: touching the row bumps its version for every change.
    trackable.updated_at = utcnow()


def _archive(session: Session, trackable: Trackable, archived: bool) -> None:
    if archived and trackable.archived_at is None:
        trackable.archived_at = utcnow()
        # Sub-actions leave the live tree with their action.
        for sub in session.exec(
            select(Trackable).where(
                col(Trackable.parent_id) == trackable.id, col(Trackable.archived_at).is_(None)
            )
        ):
            sub.archived_at = trackable.archived_at
    elif not archived:
        trackable.archived_at = None


def _move_action(session: Session, action: Trackable, changes: dict[str, Any]) -> None:
    if "parent" in changes:
        code = changes["parent"]
        if code is None:
            action.parent_id = None
        else:
            parent = _lookup(session, Trackable, col(Trackable.code), [code], "parent")[code]
            has_children = session.scalar(
                select(func.count()).where(col(Trackable.parent_id) == action.id)
            )
            if parent.kind != TrackableKind.action or parent.parent_id is not None:
                raise InvalidInputError(("body", "parent"), not_top_level(code))
            if parent.id == action.id:
                raise InvalidInputError(
                    ("body", "parent"), "une action ne peut pas être sa propre action parente"
                )
            if has_children:
                raise InvalidInputError(
                    ("body", "parent"),
                    f"{action.code} a des sous-actions : elle ne peut pas en devenir une",
                )
            action.parent_id, action.axis_id = parent.id, parent.axis_id
        action.position = _next_position(
            session, col(Trackable.axis_id) == action.axis_id, col(Trackable.parent_id).is_(None)
        )
    if changes.get("axis") is not None:
        axis = _lookup(session, Axis, col(Axis.code), [changes["axis"]], "axis")[changes["axis"]]
        if action.parent_id is not None and "parent" not in changes:
            action.parent_id = None  # moved on its own: it becomes a top-level action there
        action.axis_id = axis.id
        action.position = _next_position(
            session, col(Trackable.axis_id) == axis.id, col(Trackable.parent_id).is_(None)
        )
        for sub in session.exec(select(Trackable).where(col(Trackable.parent_id) == action.id)):
            sub.axis_id = axis.id
    for name in ("engagement", "actions"):
        if name in changes:
            raise InvalidInputError(("body", name), f"{name} ne s'applique qu'aux projets phares")


def _move_flagship(session: Session, flagship: Trackable, changes: dict[str, Any]) -> None:
    if changes.get("engagement") is not None:
        code = changes["engagement"]
        engagement = trackables.get_engagement_row(session=session, code=code)
        if engagement.id != flagship.engagement_id:
            flagship.engagement_id = engagement.id
            flagship.position = _next_position(
                session, col(Trackable.engagement_id) == engagement.id
            )
    if changes.get("actions") is not None:
        codes = changes["actions"]
        rows = _lookup(session, Trackable, col(Trackable.code), codes, "actions")
        for index, code in enumerate(codes):
            if rows[code].kind != TrackableKind.action:
                raise InvalidInputError(("body", "actions", index), f"{code} n'est pas une action")
        assert flagship.id is not None
        session.execute(
            delete(FlagshipAction).where(col(FlagshipAction.flagship_project_id) == flagship.id)
        )
        for code in dict.fromkeys(codes):
            session.add(FlagshipAction(flagship_project_id=flagship.id, action_id=rows[code].id))
    for name in ("axis", "parent"):
        if name in changes:
            raise InvalidInputError(("body", name), f"{name} ne s'applique qu'aux actions")


def update(
    *,
    session: Session,
    actor: Actor,
    trackable: Trackable,
    data: ActionUpdate | FlagshipProjectUpdate,
    if_match: int | None,
) -> None:
    """Change the fields sent (PATCH semantics), which ``actor`` may change."""
    changes = data.model_dump(exclude_unset=True)
    check_version(trackable.code, trackable.version, if_match)
    before = snapshot(session, trackable)
    trackable.version += 1
    _apply(session, trackable, changes)
    _record(session, actor, [(trackable, before)])
    if "status" in changes:
        # One status: the latest yearly report takes the new status too (its own audit entry).
        progress.follow_trackable(session=session, actor=actor, trackable=trackable)


#: The fields ``assign`` changes.
ASSIGNED = frozenset({"lead_directorate", "contributing_directorates"})


def assign(
    *, session: Session, actor: Actor, changes: Sequence[tuple[Trackable, dict[str, Any]]]
) -> None:
    """``update`` of the lead and contributing directorates alone (``ASSIGNED``, as
    ``TrackingInput`` validates them) of many trackables at once (``boussole assign``,
    /admin/pilotage): the same rules and the same audit entries, one per trackable with its
    snapshots, in a fixed number of queries whatever their number: the snapshots before and
    after read in batches, one UPDATE of the trackables, one DELETE and one INSERT of their
    links, one INSERT of the entries. The caller authorised the actor (no If-Match)."""
    if not changes:
        return
    for _, fields in changes:
        if fields.keys() - ASSIGNED:
            raise ValueError(f"assign changes {sorted(ASSIGNED)} only, not {sorted(fields)}")
    rows = [trackable for trackable, _ in changes]
    if len({trackable.id for trackable in rows}) != len(rows):
        raise ValueError("assign names a trackable twice")
    before = snapshots(session, rows)
    named = {code for _, fields in changes for code in _directorate_codes(fields)}
    directorates = _find(session, Directorate, col(Directorate.code), named)
    leads: list[int | None] = []
    links: dict[int, list[int]] = {}
    for (trackable, fields), was in zip(changes, before, strict=True):
        held: list[str] = was["contributing_directorates"]
        lead_id, ids = _directorates(trackable, fields, directorates, held.copy)
        leads.append(lead_id)
        if ids is not None:
            assert trackable.id is not None
            links[trackable.id] = ids
    _write_leads(session, rows, leads)
    if links:
        _replace_links(session, TrackableDirectorate, "directorate_id", links)
    _record(session, actor, list(zip(rows, before, strict=True)))


def _write_leads(session: Session, rows: Sequence[Trackable], leads: Sequence[int | None]) -> None:
    """Give ``rows`` their lead directorates (``leads``, in order), their next version and the
    time, in one UPDATE where a flush would make one per row (versioned rows: app.models.base),
    with the same check: each row at the version read, StaleDataError (412) if another writer
    got there first. The rows in the session then hold what was written."""
    revision.touch(session)  # a Core statement: the revision first (app.revision)
    table: Any = Trackable.__table__  # type: ignore[attr-defined]
    now = utcnow()
    pairs = list(zip(rows, leads, strict=True))
    cases = [(table.c.id == t.id, literal(lead, Integer)) for t, lead in pairs]
    result: Any = session.execute(
        update_rows(table)
        .where(tuple_(table.c.id, table.c.version).in_([(t.id, t.version) for t in rows]))
        .values(lead_directorate_id=case(*cases), version=table.c.version + 1, updated_at=now)
    )
    if result.rowcount != len(rows):
        raise StaleDataError(f"{len(rows) - result.rowcount} trackable(s) changed meanwhile")
    for trackable, lead in pairs:
        set_committed_value(trackable, "lead_directorate_id", lead)
        set_committed_value(trackable, "version", trackable.version + 1)
        set_committed_value(trackable, "updated_at", now)


def follow_report(
    *, session: Session, actor: Actor, trackable: Trackable, report: ProgressReport
) -> None:
    """After a write of ``report``: if it is the latest year's, the trackable's current status
    becomes the report's (recorded as a change of the trackable). An older year's report
    changes nothing."""
    if trackable.status == report.status or progress.latest_year(session, trackable) != report.year:
        return
    before = snapshot(session, trackable)
    trackable.version += 1
    trackable.status = Status(report.status)
    trackable.updated_at = utcnow()
    _record(session, actor, [(trackable, before)])


def follow_reports(*, session: Session, actor: Actor, trackable_ids: list[int]) -> None:
    """``follow_report`` for many trackables at once, after a bulk write of their reports (the
    CSV import): those whose status differs from their latest report's take its status."""
    statuses = progress.latest_statuses(session, trackable_ids)
    if not statuses:
        return
    rows = session.exec(select(Trackable).where(col(Trackable.id).in_(list(statuses)))).all()
    changed = [t for t in rows if t.id is not None and t.status != statuses[t.id]]
    if not changed:
        return
    before = snapshots(session, changed)
    for trackable in changed:
        assert trackable.id is not None
        trackable.version += 1
        trackable.status = statuses[trackable.id]
        trackable.updated_at = utcnow()
    _record(session, actor, list(zip(changed, before, strict=True)))


def _claim_code(session: Session, code: str | None, prefix: str) -> str:
    if code is None:
        return _next_code(session, prefix)
    if session.exec(select(Trackable.id).where(col(Trackable.code) == code)).first() is not None:
        raise ConflictError(code_taken(code))
    return code


def _tracking_changes(data: ActionCreate | FlagshipProjectCreate) -> dict[str, Any]:
    skip = {"code", "title", "axis", "parent", "engagement"}
    return {k: v for k, v in data.model_dump(exclude_unset=True).items() if k not in skip}


def _created(session: Session, actor: Actor, trackable: Trackable) -> Trackable:
    _record(session, actor, [(trackable, None)])
    return trackable


def create_action(*, session: Session, actor: Actor, data: ActionCreate) -> Trackable:
    if data.parent is not None:
        parent = _lookup(session, Trackable, col(Trackable.code), [data.parent], "parent")[
            data.parent
        ]
        if parent.kind != TrackableKind.action or parent.parent_id is not None:
            raise InvalidInputError(("body", "parent"), not_top_level(data.parent))
        axis_id, prefix = parent.axis_id, f"{parent.code}."
        if data.axis is not None:
            raise InvalidInputError(
                ("body", "axis"), "donnez un axe ou une action parente, pas les deux"
            )
    elif data.axis is not None:
        axis = trackables.get_axis_row(session=session, code=data.axis)
        axis_id, prefix = axis.id, f"{axis.code}."
    else:
        raise InvalidInputError(
            ("body", "axis"), "une action doit avoir un axe (ou une action parente)"
        )
    parent_id = parent.id if data.parent is not None else None
    action = Trackable(
        kind=TrackableKind.action,
        code=_claim_code(session, data.code, prefix),
        title=data.title,
        axis_id=axis_id,
        parent_id=parent_id,
        position=_next_position(
            session, col(Trackable.axis_id) == axis_id, col(Trackable.parent_id) == parent_id
        ),
    )
    session.add(action)
    session.flush()
    _apply(session, action, _tracking_changes(data))
    return _created(session, actor, action)


def create_flagship_project(
    *, session: Session, actor: Actor, data: FlagshipProjectCreate
) -> Trackable:
    engagement = trackables.get_engagement_row(session=session, code=data.engagement)
    flagship = Trackable(
        kind=TrackableKind.flagship_project,
        code=_claim_code(session, data.code, "PP"),
        title=data.title,
        engagement_id=engagement.id,
        position=_next_position(session, col(Trackable.engagement_id) == engagement.id),
    )
    session.add(flagship)
    session.flush()
    _apply(session, flagship, _tracking_changes(data))
    return _created(session, actor, flagship)
