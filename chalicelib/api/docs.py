"""The API's own documentation: the OpenAPI document, and Swagger UI to browse and try it (public, no auth).

Swagger UI's files come from the `swagger-ui-bundle-v2` package and are served by this API itself (no CDN: the
API must work without internet access). They are text, so API Gateway passes them as is (no binary media type).
"""
from __future__ import annotations

from typing import Any

from swagger_ui_bundle import swagger_ui_path

from chalicelib.api import openapi
from chalicelib.api.hardening import CSP_HEADER, page_policy
from chalicelib.api.responses import respond_text
from chalicelib.api.routing import ApiRequest
from chalicelib.errors import not_found

# The files the page loads, with their media types; nothing else of the package is served.
STATIC_FILES = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
# The package's version is in its path, so a file never changes under its URL.
CACHE = {"Cache-Control": "public, max-age=86400"}

START_SCRIPT = """
    window.onload = function () {
      window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                                   presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"});
    };
  """
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>flexcloud: FlexMeasures API v3_0</title>
  <link rel="stylesheet" type="text/css" href="docs/static/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/static/swagger-ui-bundle.js" charset="UTF-8"></script>
  <script>{script}</script>
</body>
</html>
""".format(script=START_SCRIPT)
# The API's data-only policy would stop the page's scripts: the page allows its own files and its start script.
PAGE_HEADERS = {CSP_HEADER: page_policy(START_SCRIPT)}


def openapi_json(req: ApiRequest) -> Any:
    return openapi.document()


def swagger_ui(req: ApiRequest) -> Any:
    # Relative links: the page works under any stage or domain prefix that keeps /v3_0/docs.
    return respond_text(PAGE, "text/html", PAGE_HEADERS)


def static_file(req: ApiRequest, file: str) -> Any:
    if file not in STATIC_FILES:
        raise not_found()
    text = (swagger_ui_path / file).read_text(encoding="utf-8")
    return respond_text(text, STATIC_FILES[file], CACHE)
