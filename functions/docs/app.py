"""Documentation: the OpenAPI document (generated from the code by `make openapi`), the interactive
documentation page with its assets served by the API itself, and the JSON 404/405 for unknown routes
(this function also takes API Gateway's catch-all route)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response

from urbaneta.adapters.aws import start
from urbaneta.errors import NotFound
from urbaneta.http.app import create_app, make_handler, public

start("docs")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

HERE = Path(__file__).resolve().parent
ASSETS = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "init.js": "application/javascript; charset=utf-8",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Urbaneta API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/init.js"></script>
</body>
</html>
"""
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'"

app = create_app()


@cache
def _read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


@app.get("/openapi.json", include_in_schema=False)
@public
def openapi_document() -> Response[str]:
    """The OpenAPI document of this API

    Public. The OpenAPI 3.1 document generated from the code (`Cache-Control: no-cache`).
    """
    return Response(200, "application/json", _read("openapi.json"), headers={"Cache-Control": "no-cache"})


@app.get("/docs", include_in_schema=False)
@public
def docs_page() -> Response[str]:
    """The interactive API documentation

    Public. A page that renders the OpenAPI document, with every asset served by the API itself.
    """
    return Response(200, "text/html; charset=utf-8", PAGE, headers={"Content-Security-Policy": CSP})


@app.get("/docs/assets/<name>", include_in_schema=False)
@public
def docs_asset(name: str) -> Response[str]:
    if name not in ASSETS:  # a fixed list: no path from the request ever reaches the file system
        raise NotFound("No such asset.")
    return Response(200, ASSETS[name], _read(f"static/{name}"), headers={"Cache-Control": "public, max-age=86400"})


handler = make_handler(app)
