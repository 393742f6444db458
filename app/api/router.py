from fastapi import APIRouter

from app.api.routes import actions, communes, directorates, engagements, flagship_projects, plan

api_router = APIRouter()
for module in (plan, engagements, actions, flagship_projects, directorates, communes):
    api_router.include_router(module.router)
