"""The API documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with
everything they load from the service itself: the service runs on networks without the Internet.

The Swagger UI and ReDoc bundles come from the ``fastapi-offline`` package (its ``static``
folder), mounted under ``/static/docs``. The pages are ours rather than FastAPI's: FastAPI's start
Swagger UI with an inline script, which the pages' Content-Security-Policy would have to allow;
here the settings travel in a ``data-config`` attribute and the scripts are files
(``/static/docs/swagger-ui-init.js``, ``/static/docs/oauth2-redirect.js``), so the policy allows
scripts from the service only (``DOCS_CSP`` in ``app.core.hardening``). None of these routes is in
the OpenAPI document.
"""

import json
import re
from html import escape

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

#: Where the documentation's scripts, styles and icon are served.
ASSETS_PATH = "/static/docs"

#: Starts Swagger UI with the settings of the page's ``#swagger-ui`` element.
SWAGGER_UI_INIT = """\
"use strict";
(function () {
  var config = JSON.parse(document.getElementById("swagger-ui").dataset.config);
  config.oauth2RedirectUrl = window.location.origin + config.oauth2RedirectUrl;
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(config);
})();
"""


def _redirect_script() -> str:
    """The script of FastAPI's OAuth2 redirect page (Swagger UI's own), as a file of its own."""
    page = bytes(get_swagger_ui_oauth2_redirect_html().body).decode()
    found = re.search(r"<script>(.*)</script>", page, re.DOTALL)
    if found is None:  # pragma: no cover - FastAPI's page changed shape
        raise RuntimeError("FastAPI's OAuth2 redirect page no longer has an inline script")
    return found.group(1)


OAUTH2_REDIRECT_SCRIPT = _redirect_script()

JAVASCRIPT = "text/javascript; charset=utf-8"


def _page(title: str, body: str, *, head: str = "") -> HTMLResponse:
    """A documentation page: its title, ``head`` (the elements it links) and ``body``."""
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}
<title>{escape(title)}</title>
</head>
<body>
{body}
</body>
</html>
"""
    )


def install_docs(app: FastAPI, *, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve ``docs_url`` (and its OAuth2 redirect page), ``redoc_url`` and their assets. The app
    is created with ``docs_url=None, redoc_url=None``, so that FastAPI's own pages (from a CDN)
    are not there too."""
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or f"{docs_url}/oauth2-redirect"

    @app.get(f"{ASSETS_PATH}/swagger-ui-init.js", include_in_schema=False)
    async def swagger_ui_init() -> Response:
        return Response(SWAGGER_UI_INIT, media_type=JAVASCRIPT)

    @app.get(f"{ASSETS_PATH}/oauth2-redirect.js", include_in_schema=False)
    async def oauth2_redirect_script() -> Response:
        return Response(OAUTH2_REDIRECT_SCRIPT, media_type=JAVASCRIPT)

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        config = {
            **swagger_ui_default_parameters,
            **(app.swagger_ui_parameters or {}),
            "url": root + openapi_url,
            "oauth2RedirectUrl": root + redirect_url,
        }
        assets = root + ASSETS_PATH
        return _page(
            f"{app.title} - Swagger UI",
            f'<div id="swagger-ui" data-config="{escape(json.dumps(config))}"></div>\n'
            f'<script src="{assets}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{assets}/swagger-ui-init.js"></script>',
            head=f'<link rel="stylesheet" href="{assets}/swagger-ui.css">\n'
            f'<link rel="icon" href="{assets}/favicon.png">',
        )

    @app.get(redirect_url, include_in_schema=False)
    async def oauth2_redirect(request: Request) -> HTMLResponse:
        assets = request.scope.get("root_path", "") + ASSETS_PATH
        return _page(
            "Swagger UI: OAuth2 Redirect", f'<script src="{assets}/oauth2-redirect.js"></script>'
        )

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        assets = root + ASSETS_PATH
        return _page(
            f"{app.title} - ReDoc",
            "<noscript>ReDoc requires JavaScript to show the documentation.</noscript>\n"
            f'<redoc spec-url="{escape(root + openapi_url)}"></redoc>\n'
            f'<script src="{assets}/redoc.standalone.js"></script>',
            head=f'<link rel="icon" href="{assets}/favicon.png">',
        )

    # After the two scripts above, which live in the same folder; before the pages' ``/static``.
    app.mount(
        ASSETS_PATH,
        StaticFiles(packages=[("fastapi_offline", "static")]),
        name="docs-static",
    )
