"""GET /api/v3_0/openapi.json, /docs and /docs/static/<file>: public, no CDN, the document the generator builds."""
from __future__ import annotations

import re

from chalicelib.api import openapi


def test_openapi_json_is_public_and_is_the_generated_document(api):
    r = api.get("/api/v3_0/openapi.json")
    assert r.status == 200 and r.headers["content-type"] == "application/json"
    assert r.json == openapi.document()
    assert "status" not in r.json  # not wrapped with Flask-JSON's status key
    assert r.headers["api-version"] == "v3_0"


def test_docs_page_loads_swagger_ui_from_this_api(api):
    r = api.get("/api/v3_0/docs")
    assert r.status == 200 and r.headers["content-type"] == "text/html"
    page = r.body.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources == ["docs/static/swagger-ui.css", "docs/static/swagger-ui-bundle.js"]
    assert 'url: "openapi.json"' in page
    assert "http" not in " ".join(sources)  # no CDN


def test_static_files_are_served_as_text_with_their_types(api):
    css = api.get("/api/v3_0/docs/static/swagger-ui.css")
    assert css.status == 200 and css.headers["content-type"] == "text/css"
    assert css.body.startswith(b".swagger-ui")
    js = api.get("/api/v3_0/docs/static/swagger-ui-bundle.js")
    assert js.status == 200 and js.headers["content-type"] == "text/javascript"
    assert b"SwaggerUIBundle" in js.body[:1000] and len(js.body) > 1_000_000
    assert "max-age" in js.headers["cache-control"]


def test_other_files_are_not_found(api):
    for name in ("index.html", "swagger-ui-bundle.js.map", "..%2F__init__.py", "swagger-initializer.js"):
        r = api.get(f"/api/v3_0/docs/static/{name}")
        assert r.status == 404, name
        assert r.json["status"] == 404


def test_the_service_listing_names_the_documentation(api):
    names = {s["name"] for s in api.get("/api/v3_0").json["services"]}
    assert {"GET /openapi.json", "GET /docs", "GET /docs/static/<file>"} <= names
