"""The interactive API documentation: Swagger UI (5.x, which reads OpenAPI 3.1) from an
installed package, so the docs work without reaching a CDN, and started from a static file
instead of FastAPI's inline ``<script>``, so that /docs runs under the same strict
Content-Security-Policy as every other page."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_HTML", "install_docs"]

SWAGGER_STATIC = Path(fastapi_offline.__file__).parent / "static"
OWN_STATIC = Path(__file__).parent / "static"

DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Prefero API</title>
  <link rel="stylesheet" href="/static/swagger/swagger-ui.css">
  <link rel="icon" href="/static/swagger/favicon.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/static/swagger/swagger-ui-bundle.js"></script>
  <script src="/static/api/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_STATIC), name="swagger")
    app.mount("/static/api", StaticFiles(directory=OWN_STATIC), name="api-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)
