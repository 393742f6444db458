"""The territory's pages: the communes (their table and the map) and a page per commune."""

from fastapi import APIRouter, Request, Response

from app.api.deps import SessionDep
from app.dashboard import dashboard, territory
from app.web import map as territory_map
from app.web.routes import WebRoute, load_plan, page, plan_page
from app.web.signed_in import PAGE_DEPENDENCIES

router = APIRouter(route_class=WebRoute, include_in_schema=False, dependencies=PAGE_DEPENDENCIES)


@router.get("/communes", name="web_communes")
def communes_page(
    request: Request, session: SessionDep, indicator: territory_map.IndicatorQuery = ""
) -> Response:
    rows = dashboard.communes(session=session)
    whole_territory = rows[0].whole_territory if rows else 0
    return plan_page(
        request,
        session,
        "communes",
        "Communes",
        communes=rows,
        whole_territory=whole_territory,
        any_named=any(c.direct for c in rows),
        commune_map=territory_map.build(session=session, indicator_code=indicator),
    )


@router.get("/communes/{insee_code}", name="web_commune")
def commune_page(insee_code: str, request: Request, session: SessionDep) -> Response:
    detail = territory.commune_detail(session=session, insee_code=insee_code)
    return page(
        request,
        "commune.html",
        load_plan(session),
        title=detail.commune.name,
        section="communes",
        detail=detail,
        commune_map=territory_map.build(session=session, highlight=insee_code),
    )
