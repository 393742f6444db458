"""Who leads what on "Mes actions" (app.web.reporting_routes), and where each report stands: the
trackables a person's directorates lead (admins: every one, or a directorate's) and those they
contribute to, each with its state for the year and what its report still lacks, read in a fixed
number of queries whatever their number."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from app.auth.sessions import SignedIn
from app.campaigns import campaigns, pending
from app.core.errors import NotFoundError
from app.core.text import natural_key
from app.indicators import indicators
from app.models import PendingReport, ReportState, Trackable, TrackableKind
from app.reference import reference
from app.trackables import bulk, trackables
from app.web.reporting_form import IndicatorInfo

#: The filter of the admins' list naming the trackables without a lead directorate.
NO_LEAD = "aucune"
KIND_LABELS = {TrackableKind.action: "Action", TrackableKind.flagship_project: "Projet phare"}


def find_trackable(session: Session, code: str) -> Trackable:
    """The action or flagship project ``code`` (404 page for neither)."""
    try:
        return trackables.get_trackable(session=session, code=code, kind=TrackableKind.action)
    except NotFoundError:
        return trackables.get_trackable(
            session=session, code=code, kind=TrackableKind.flagship_project
        )


@dataclass
class Line:
    """A trackable of "Mes actions": where its report of the year stands."""

    trackable: Trackable
    lead: str | None
    state: ReportState
    row: PendingReport | None
    missing: list[str]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[TrackableKind(self.trackable.kind)]

    @property
    def submittable(self) -> bool:
        return self.state in (ReportState.draft, ReportState.sent_back)


def indicator_infos(session: Session) -> dict[int, list[IndicatorInfo]]:
    """The indicators linked to each trackable (by trackable id), by code: a fixed number of
    queries (app.indicators.indicators.load)."""
    loaded = indicators.load(session)
    linked: dict[int, list[IndicatorInfo]] = defaultdict(list)
    for indicator in loaded.indicators:
        assert indicator.id is not None
        point = loaded.latest.get(indicator.id)
        info = IndicatorInfo(
            indicator.code,
            indicator.name,
            indicator.unit,
            indicator.decimals,
            (point.year, point.value) if point else None,
        )
        for link in loaded.links.get(indicator.id, []):
            if link.trackable_id is not None:
                linked[link.trackable_id].append(info)
    return linked


def missing(
    state: ReportState, row: PendingReport | None, infos: Sequence[IndicatorInfo], year: int
) -> list[str]:
    """What the report of the year still lacks, in French: everything when nothing is saved;
    else its comment, its budgets (planned, spent: neither amount given), the year's value of a
    linked indicator. A validated report lacks nothing (it is published)."""
    if state == ReportState.to_do:
        return ["tout : rien n'est encore saisi"]
    if row is None:
        return []
    lacks = []
    if not row.comment.strip():
        lacks.append("le commentaire")
    if row.budget_planned_investment is None and row.budget_planned_operating is None:
        lacks.append("le budget prévu")
    if row.budget_spent_investment is None and row.budget_spent_operating is None:
        lacks.append("le budget dépensé")
    lacks += [
        f"la valeur {year} de l'indicateur {info.code}"
        for info in infos
        if info.code not in row.indicator_values
    ]
    return lacks


@dataclass
class Scope:
    """The trackables a person sees on "Mes actions": those they lead (admins: every one, or
    those of the ``direction`` filter), and those they contribute to."""

    led: list[Trackable]
    contributed: list[Trackable]
    leads: dict[int, str]  # trackable id: its lead directorate's code


def _by_code(items: list[Trackable]) -> list[Trackable]:
    return sorted(items, key=lambda t: natural_key(t.code))


def scope(session: Session, person: SignedIn, direction: str | None) -> Scope:
    expected = campaigns.expected(session)
    codes = {d.id: d.code for d in reference.get_all_directorates(session=session)}
    leads = {
        t.id: codes[t.lead_directorate_id]
        for t in expected
        if t.id is not None and t.lead_directorate_id is not None
    }
    if person.is_admin:
        led = [
            t
            for t in expected
            if direction is None
            or (direction == NO_LEAD and t.lead_directorate_id is None)
            or leads.get(t.id or 0) == direction
        ]
        return Scope(_by_code(led), [], leads)
    led = [t for t in expected if t.lead_directorate_id in person.directorate_ids]
    mine = set(person.directorate_codes)
    others = [t for t in expected if t.lead_directorate_id not in person.directorate_ids]
    contributing = bulk.links(session, "contributing_directorates", [t.id for t in others])
    contributed = [t for t in others if mine & set(contributing.get(t.id or 0, []))]
    return Scope(_by_code(led), _by_code(contributed), leads)


#: The led trackables shown on a page of "Mes actions" (an admin sees thousands at a large scale).
PAGE_SIZE = 50


@dataclass
class Lines:
    """A page of "Mes actions": its led trackables' lines (their state, their pending report,
    what they lack), the contributed ones' (their state only), and counts over every led one."""

    led: list[Line]
    contributed: list[Line]
    counts: dict[ReportState, int]
    total: int  # led trackables, on every page

    @property
    def drafts(self) -> int:
        """Drafts and reports sent back, on every page: what "Transmettre tous" would submit."""
        return self.counts[ReportState.draft] + self.counts[ReportState.sent_back]


def lines(session: Session, found: Scope, year: int, *, offset: int = 0) -> Lines:
    """The lines of ``PAGE_SIZE`` led trackables from ``offset``, and of the contributed ones:
    a fixed number of queries whatever their number."""
    ids = [t.id for t in [*found.led, *found.contributed] if t.id is not None]
    states = campaigns.states(session, year, ids)
    counts: dict[ReportState, int] = defaultdict(int)
    for t in found.led:
        counts[states.get(t.id or 0, ReportState.to_do)] += 1
    shown = found.led[offset : offset + PAGE_SIZE]
    rows = {
        row.trackable_id: row
        for row, _ in pending.get_all(
            session=session, year=year, trackable_ids=[t.id for t in shown if t.id]
        )
    }
    infos = indicator_infos(session) if shown else {}

    def line(t: Trackable, *, own: bool) -> Line:
        assert t.id is not None
        state = states.get(t.id, ReportState.to_do)
        row = rows.get(t.id) if own else None
        lacks = missing(state, row, infos.get(t.id, []), year) if own else []
        return Line(t, found.leads.get(t.id), state, row, lacks)

    return Lines(
        led=[line(t, own=True) for t in shown],
        contributed=[line(t, own=False) for t in found.contributed],
        counts=counts,
        total=len(found.led),
    )
