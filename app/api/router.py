from fastapi import APIRouter

from app.api.routes import (
    actions,
    axes,
    communes,
    directorates,
    engagements,
    flagship_projects,
    milestones,
    plan,
)

api_router = APIRouter()
for module in (
    plan,
    engagements,
    axes,
    actions,
    flagship_projects,
    milestones,
    directorates,
    communes,
):
    api_router.include_router(module.router)
