"""The pages of the public dashboard: server-rendered HTML, in French, read-only.

Every page reads through the same services as the API (the domain packages), with the same
parameters where the API has them (the action list parses its query with the API's own filter
dependency), so the dashboard and the API never disagree. No SQL here.
"""

from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import __version__, opendata
from app.api.deps import LimitQuery, OffsetQuery, SessionDep
from app.audit import audit
from app.core.errors import NotFoundError
from app.core.text import fold
from app.dashboard import dashboard
from app.indicators import indicators
from app.models import AuditEntry, Trackable, TrackableKind
from app.models.indicators import IndicatorDetail
from app.models.plan import PlanPublic
from app.models.tracking import FIRST_YEAR, Priority, ProgressReportPublic, Status
from app.models.tree import (
    ActionDetail,
    ActionNode,
    ActionPublic,
    FlagshipProjectDetail,
    TreePublic,
)
from app.plan import plan as plan_service
from app.plan import tree as tree_service
from app.reference import reference
from app.trackables import milestones, progress, rollups, trackables
from app.trackables.filters import Sort, TrackableFilters
from app.trackables.routes.deps import get_trackable_filters
from app.web import charts, history_charts, news
from app.web import map as territory_map
from app.web.signed_in import PAGE_DEPENDENCIES
from app.web.templating import render

HISTORY_SIZE = 50
PAGE_SIZES = (20, 50, 100, 200)


# --- The route class: shareable URLs, French error pages ----------------------------------------


def _without_blanks(request: Request) -> str | None:
    """The same URL without its empty query parameters, if it has any: a GET form sends every
    field, and ``status=`` would not be a valid status."""
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if value.strip()]
    if len(kept) == len(pairs):
        return None
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


class WebRoute(APIRoute):
    """A page: a query with blank fields redirects to the URL without them, an unknown code
    answers the French 404 page and a bad parameter the French 422 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            cleaned = _without_blanks(request)
            if cleaned is not None:
                return RedirectResponse(cleaned, status_code=303)
            try:
                return await handler(request)
            except NotFoundError as error:
                if error.extra.get("entity") == "plan":
                    return await run_in_threadpool(no_plan_page, request)
                return await run_in_threadpool(not_found_page, request, str(error.extra["code"]))
            except RequestValidationError as error:
                return await run_in_threadpool(bad_request_page, request, error)

        return route


#: Every page knows who is signed in (its header says so); a write would need its CSRF token.
router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


# --- What every page needs ----------------------------------------------------------------------


def load_plan(session: Session) -> PlanPublic | None:
    """The plan's metadata for the header, without its roll-up (not shown there)."""
    try:
        return plan_service.get(session=session, rollup=rollups.empty_rollup())
    except NotFoundError:
        return None


def page(
    request: Request,
    template: str,
    plan: PlanPublic | None,
    *,
    title: str,
    section: str = "",
    status_code: int = 200,
    **context: Any,
) -> Response:
    return render(
        request,
        template,
        {
            "page_title": title,
            "section": section,
            "plan_title": plan.title if plan else plan_service.DEFAULT_TITLE,
            "organisation": plan.organisation if plan else plan_service.DEFAULT_ORGANISATION,
            "demo": request.app.state.settings.demo,
            "version": __version__,
            **context,
        },
        status_code=status_code,
    )


def plan_page(
    request: Request, session: Session, section: str, title: str, **context: Any
) -> Response:
    """The page of ``section`` (its template is named after it) under the plan's header."""
    template = f"{section}.html"
    return page(request, template, load_plan(session), title=title, section=section, **context)


def error_page(
    request: Request, status_code: int, heading: str, message: str, *, with_plan: bool = True
) -> Response:
    """The error page titled ``heading``, under the plan's header when ``with_plan``."""
    plan = None
    if with_plan:
        with Session(request.app.state.engine) as session:
            plan = load_plan(session)
    return page(
        request,
        "error.html",
        plan,
        title=heading,
        status_code=status_code,
        heading=heading,
        message=message,
    )


def not_found_page(request: Request, code: str) -> Response:
    message = f"Rien ne porte le code « {code} »." if code else "Cette page n'existe pas."
    return error_page(request, 404, "Page introuvable", message)


def no_plan_page(request: Request) -> Response:
    message = (
        "La base de données ne contient pas encore le plan : chargez-le avec « boussole seed »."
    )
    return error_page(request, 503, "Aucun plan chargé", message, with_plan=False)


def bad_request_page(request: Request, error: RequestValidationError) -> Response:
    fields = sorted({str(e["loc"][-1]) for e in error.errors() if e.get("loc")})
    message = "Ces paramètres de l'adresse ne sont pas valides : " + ", ".join(fields) + "."
    return error_page(request, 422, "Paramètres invalides", message)


@dataclass(frozen=True)
class Links:
    """Where the code of each node of the live tree is shown."""

    hrefs: dict[str, str]

    def __call__(self, code: str) -> str | None:
        return self.hrefs.get(code)


def tree_page(
    request: Request, session: Session, template: str, *, title: str, section: str, **context: Any
) -> Response:
    """A page that links the codes it shows to their pages: the strategy tree is in its context
    (``tree``), with the address of each code (``links``)."""
    tree = tree_service.get(session=session)
    links = tree_links(request, tree)
    return page(
        request,
        template,
        tree.plan,
        title=title,
        section=section,
        tree=tree,
        links=links,
        **context,
    )


def tree_links(request: Request, tree: TreePublic) -> Links:
    def path(name: str, **params: str) -> str:
        return str(request.app.url_path_for(name, **params))

    hrefs: dict[str, str] = {}

    def add_actions(nodes: Sequence[ActionNode]) -> None:
        for node in nodes:
            hrefs[node.code] = path("web_action", code=node.code)
            add_actions(node.sub_actions)

    for engagement in tree.engagements:
        hrefs[engagement.code] = path("web_engagement", code=engagement.code)
        for axis in engagement.axes:
            hrefs[axis.code] = f"{hrefs[engagement.code]}#axe-{axis.code}"
            add_actions(axis.actions)
        for flagship in engagement.flagship_projects:
            hrefs[flagship.code] = path("web_flagship_project", code=flagship.code)
    return Links(hrefs)


def all_actions(session: Session, filters: TrackableFilters) -> list[ActionPublic]:
    """Every action matching ``filters``, page after page of the API's largest size."""
    items: list[ActionPublic] = []
    while True:
        page_items, total = trackables.get_all_actions(
            session=session, filters=filters, limit=200, offset=len(items)
        )
        items.extend(page_items)
        if not page_items or len(items) >= total:
            return items


def directorate_names(session: Session) -> dict[str, str]:
    return {d.code: d.name for d in reference.get_all_directorates(session=session)}


def commune_names(session: Session) -> dict[str, str]:
    return {c.insee_code: c.name for c in reference.get_all_communes(session=session)}


def linked_indicators(session: Session, trackable: Trackable) -> list[IndicatorDetail]:
    """The indicators that measure ``trackable``, found in the links of all indicators (read in a
    fixed number of queries), then each read whole for its values."""
    loaded = indicators.load(session)
    codes = [
        i.code
        for i in loaded.indicators
        if any(link.trackable_id == trackable.id for link in loaded.links.get(i.id or 0, []))
    ]
    return [indicators.get_detail(session=session, code=code) for code in codes]


def history(session: Session, trackable: Trackable) -> tuple[list[AuditEntry], int]:
    """The newest entries of the trackable's audit trail; the page shows them as the API shows
    them to anonymous callers (role and directorates, never the token's name)."""
    assert trackable.id is not None
    return audit.get_for_trackable(
        session=session, trackable_id=trackable.id, limit=HISTORY_SIZE, offset=0
    )


def year_span(reports: Sequence[ProgressReportPublic]) -> tuple[int, int]:
    """From the plan's first year to this year, or to the latest report if it is later."""
    return FIRST_YEAR, max([indicators.this_year(), *(r.year for r in reports)])


# --- Pages --------------------------------------------------------------------------------------


@router.get("/", name="web_home")
def home(
    request: Request, session: SessionDep, indicator: territory_map.IndicatorQuery = ""
) -> Response:
    changes = news.latest(session, request.app.url_path_for)
    return tree_page(
        request,
        session,
        "home.html",
        title="Accueil",
        section="home",
        changes=changes,
        history_chart=history_charts.plan_chart(session),
        commune_map=territory_map.build(session=session, indicator_code=indicator),
    )


@router.get("/engagements/{code}", name="web_engagement")
def engagement_page(code: str, request: Request, session: SessionDep) -> Response:
    tree = tree_service.get(session=session)
    engagement = next((e for e in tree.engagements if e.code == code), None)
    if engagement is None:
        raise NotFoundError("engagement", code)
    actions_by_axis: dict[str, list[ActionPublic]] = defaultdict(list)
    for action in all_actions(session, TrackableFilters(engagement=code)):
        actions_by_axis[action.axis_code].append(action)
    flagships = trackables.get_all_flagship_projects(
        session=session, filters=TrackableFilters(engagement=code)
    )
    return page(
        request,
        "engagement.html",
        tree.plan,
        title=f"{engagement.code} {engagement.title}",
        section="home",
        engagement=engagement,
        actions_by_axis=actions_by_axis,
        flagships=flagships,
        directorates=directorate_names(session),
        history_chart=history_charts.engagement_chart(session, code),
    )


@dataclass(frozen=True)
class Pages:
    """Where a page of a long list stands, and the links to the pages around it (the macro
    ``pagination``)."""

    number: int
    count: int
    previous_href: str | None
    next_href: str | None

    @classmethod
    def of(
        cls, request: Request, query: list[tuple[str, str]], *, offset: int, size: int, total: int
    ) -> "Pages":
        """The page of ``size`` items from ``offset`` among ``total``; its links keep ``query``
        (the address's parameters other than ``offset``)."""

        def href(new_offset: int) -> str:
            params = query + ([("offset", str(new_offset))] if new_offset else [])
            return request.url.path + (f"?{urlencode(params)}" if params else "")

        return cls(
            number=offset // size + 1,
            count=max((total + size - 1) // size, 1),
            previous_href=href(max(offset - size, 0)) if offset > 0 else None,
            next_href=href(offset + size) if offset + size < total else None,
        )


@router.get("/actions", name="web_actions")
def actions_page(
    request: Request,
    session: SessionDep,
    filters: Annotated[TrackableFilters, Depends(get_trackable_filters)],
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Response:
    items, total = trackables.get_all_actions(
        session=session, filters=filters, limit=limit, offset=offset
    )
    tree = tree_service.get(session=session)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    return page(
        request,
        "actions.html",
        tree.plan,
        title="Actions",
        section="actions",
        items=items,
        total=total,
        limit=limit,
        pages=Pages.of(request, query, offset=offset, size=limit, total=total),
        filters=filters,
        filtered=any(k not in ("sort", "limit") for k, _ in query),
        tree=tree,
        statuses=list(Status),
        priorities=list(Priority),
        sorts=SORT_LABELS,
        page_sizes=PAGE_SIZES,
        years=range(FIRST_YEAR, max(indicators.this_year(), FIRST_YEAR) + 1),
        directorates=directorate_names(session),
        communes=sorted(commune_names(session).items(), key=lambda item: fold(item[1])),
    )


SORT_LABELS: dict[Sort, str] = {
    Sort.by_code: "Ordre du plan",
    Sort.by_title: "Titre (A → Z)",
    Sort.by_title_desc: "Titre (Z → A)",
    Sort.by_progress_desc: "Avancement (le plus avancé d'abord)",
    Sort.by_progress: "Avancement (le moins avancé d'abord)",
    Sort.by_updated_at_desc: "Mise à jour (la plus récente d'abord)",
    Sort.by_updated_at: "Mise à jour (la plus ancienne d'abord)",
}


def _trackable_context(
    session: Session, row: Trackable, subject: str, reports: Sequence[ProgressReportPublic]
) -> dict[str, Any]:
    first, last = year_span(reports)
    milestone_items, milestone_total = milestones.get_all(
        session=session, trackable=row, limit=200, offset=0
    )
    linked = linked_indicators(session, row)
    entries, entries_total = history(session, row)
    return {
        "reports": reports,
        "progress_chart": charts.progress_chart(
            "avancement",
            subject,
            [(r.year, r.progress) for r in reports],
            first_year=first,
            last_year=last,
        ),
        "milestones": milestone_items,
        "milestone_total": milestone_total,
        "indicators": [
            (indicator, charts.indicator_chart(f"indicateur-{n}", indicator))
            for n, indicator in enumerate(linked, start=1)
        ],
        "history": entries,
        "history_total": entries_total,
        "directorates": directorate_names(session),
        "communes": commune_names(session),
    }


#: What differs between the pages of the two kinds: their section, how they name one.
_KIND_PAGES = {
    TrackableKind.action: ("actions", "l'action"),
    TrackableKind.flagship_project: ("flagships", "le projet phare"),
}


def _trackable_page(
    request: Request,
    session: Session,
    detail: ActionDetail | FlagshipProjectDetail,
    kind: TrackableKind,
    **context: Any,
) -> Response:
    """The page of an action or a flagship project: ``context`` adds what only its kind shows."""
    section, subject = _KIND_PAGES[kind]
    history_route = f"read_{kind.value}"  # the API's route of the trackable
    row = trackables.get_trackable(session=session, code=detail.code, kind=kind)
    reports = progress.get_all(session=session, trackable=row)
    plan = load_plan(session)
    return page(
        request,
        "trackable.html",
        plan,
        title=f"{detail.code} {detail.title}",
        section=section,
        kind=kind.value,
        item=detail,
        engagement=trackables.get_engagement_row(session=session, code=detail.engagement_code),
        values={v.code: v.title for v in plan.values} if plan else {},
        history_api=request.app.url_path_for(history_route, code=detail.code) + "/history",
        **context,
        **_trackable_context(session, row, f"{subject} {detail.code}", reports),
    )


@router.get("/actions/{code}", name="web_action")
def action_page(code: str, request: Request, session: SessionDep) -> Response:
    detail = trackables.get_action(session=session, code=code)
    axis = trackables.get_axis_row(session=session, code=detail.axis_code)
    return _trackable_page(
        request, session, detail, TrackableKind.action, axis=axis, served_actions=[]
    )


@router.get("/projets-phares", name="web_flagship_projects")
def flagship_projects_page(request: Request, session: SessionDep) -> Response:
    tree = tree_service.get(session=session)
    flagships = {f.code: f for f in trackables.get_all_flagship_projects(session=session)}
    return page(
        request,
        "flagship_projects.html",
        tree.plan,
        title="Projets phares",
        section="flagships",
        tree=tree,
        flagships=flagships,
        directorates=directorate_names(session),
    )


@router.get("/projets-phares/{code}", name="web_flagship_project")
def flagship_project_page(code: str, request: Request, session: SessionDep) -> Response:
    detail = trackables.get_flagship_project(session=session, code=code)
    served = all_actions(session, TrackableFilters(flagship=code))
    return _trackable_page(
        request, session, detail, TrackableKind.flagship_project, axis=None, served_actions=served
    )


@router.get("/indicateurs", name="web_indicators")
def indicators_page(request: Request, session: SessionDep) -> Response:
    return tree_page(
        request,
        session,
        "indicators.html",
        title="Indicateurs",
        section="indicators",
        indicators=indicators.get_all(session=session),
        directorates=directorate_names(session),
    )


@router.get("/indicateurs/{code}", name="web_indicator")
def indicator_page(code: str, request: Request, session: SessionDep) -> Response:
    indicator = indicators.get_detail(session=session, code=code)
    return tree_page(
        request,
        session,
        "indicator.html",
        title=indicator.name,
        section="indicators",
        indicator=indicator,
        chart=charts.indicator_chart("indicateur", indicator),
        directorates=directorate_names(session),
        communes=commune_names(session),
    )


@router.get("/directions", name="web_directorates")
def directorates_page(request: Request, session: SessionDep) -> Response:
    rows = dashboard.directorates(session=session)
    return plan_page(
        request, session, "directorates", "Directions", directorates=rows, statuses=list(Status)
    )


@router.get("/donnees-ouvertes", name="web_open_data")
def open_data_page(request: Request, session: SessionDep) -> Response:
    def path(name: str, **params: str) -> str:
        return str(request.app.url_path_for(name, **params))

    resources = [
        {
            "name": r.name,
            "title": r.title,
            "description": r.description,
            "csv": path("read_csv", resource=r.name),
            "json": path("read_json", resource=r.name),
        }
        for r in opendata.RESOURCES
    ]
    return plan_page(
        request,
        session,
        "open_data",
        "Données ouvertes",
        resources=resources,
        license=opendata.LICENSE,
        index_href=path("read_index"),
        datapackage_href=path("read_datapackage"),
        tree_href=path("read_open_data_tree"),
    )
