from fastapi import APIRouter

from app.api.routes import (
    actions,
    axes,
    changes,
    communes,
    dashboard,
    directorates,
    engagements,
    flagship_projects,
    imports,
    indicators,
    milestones,
    plan,
)
from app.opendata import routes as opendata

api_router = APIRouter()
for module in (
    plan,
    engagements,
    axes,
    actions,
    flagship_projects,
    milestones,
    indicators,
    dashboard,
    directorates,
    communes,
    changes,
    imports,
    opendata,
):
    api_router.include_router(module.router)
