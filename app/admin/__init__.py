"""The admin pages (``/admin/…``, in French, with the look of the public dashboard): the
directorates, the accounts of the people who sign in, who leads and contributes to each action and
flagship project, the API tokens of machines, and the yearly reporting campaigns. For admins only
(``AdminPerson``); every form carries its CSRF token; every change goes through the services the
API and the command line use, audited with the signed-in account as its actor. See
app.admin.pages for what the pages share."""

from fastapi import FastAPI

from app.admin.routes import accounts, assignments, campaigns, directorates, overview, tokens


def install_admin_pages(app: FastAPI) -> None:
    for module in (overview, directorates, accounts, assignments, tokens, campaigns):
        app.include_router(module.router)
