"""Checks a real response against what the OpenAPI document says the operation answers with that status."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chalicelib.api import openapi
from chalicelib.api.routes import ROUTES

BASE = "urn:flexcloud-openapi"


@lru_cache(maxsize=1)
def _registry() -> tuple[dict[str, Any], Registry]:
    document = openapi.document()
    return document, Registry().with_resource(BASE, Resource(contents=document, specification=DRAFT202012))


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def documented_content(method: str, path: str, status: int) -> dict[str, Any] | None:
    """Media type -> {"schema"} of the documented answer; None when it has no body. Fails when it is not
    documented."""
    document, _ = _registry()
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which its documentation does not list"
    return responses[str(status)].get("content") or None


def check(method: str, path: str, resp: Any) -> None:
    """`resp` (tests.api.client.Resp) is one of the answers documented for `method path` (a route table path)."""
    content = documented_content(method, path, resp.status)
    if content is None:
        assert not resp.body, f"{method} {path} {resp.status}: documented without a body, answered {resp.body[:200]!r}"
        return
    media_type = resp.headers["content-type"].split(";")[0]
    assert media_type in content, f"{method} {path} {resp.status}: answered {media_type}, documented {list(content)}"
    body = json.loads(resp.body) if "json" in media_type or media_type == "text/html" and resp.body[:1] in b"[{" \
        else resp.body.decode()
    errors = sorted(_validator(method, path, resp.status, media_type).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {path} {resp.status} does not match its documented schema:\n" + "\n".join(
        f"  at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


@lru_cache(maxsize=None)
def _validator(method: str, path: str, status: int, media_type: str) -> Draft202012Validator:
    _, registry = _registry()
    pointer = _pointer("paths", path, method.lower(), "responses", str(status), "content", media_type, "schema")
    return Draft202012Validator({"$ref": f"{BASE}#/{quote(pointer)}"}, registry=registry)


@lru_cache(maxsize=1)
def _templates() -> list[tuple[str, str, re.Pattern]]:
    """(method, route path, pattern) per route, literal paths first (as the router prefers /sensors/data over
    /sensors/{id})."""
    found = [(r.method, r.path, re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(r.path)) + "$"))
             for r in ROUTES]
    return sorted(found, key=lambda t: t[1].count("{"))


def check_any(method: str, url_path: str, resp: Any) -> None:
    """Check `resp` to `method url_path` (a path as sent, under /api) if its route and status are documented.

    Every API test's client calls this, so the API tests as a whole keep the documented bodies honest. Statuses
    the documentation leaves out (405 on a path's other methods, injected 500s) and undocumented routes are
    skipped here; `tests/unit/test_openapi.py` makes sure every route is documented."""
    path = url_path.split("?")[0]
    path = path[len("/api"):] or "/" if path.startswith("/api") else path
    # The router's path (literal paths win), then whether it serves this method (else it answered a 405).
    route = next((p for _, p, pattern in _templates() if pattern.match(path)), None)
    if (method, route) not in _documented():
        return
    document, _ = _registry()
    if str(resp.status) not in document["paths"][route][method.lower()]["responses"]:
        return
    check(method, route, resp)


@lru_cache(maxsize=1)
def _documented() -> set[tuple[str, str]]:
    document, _ = _registry()
    return {(m.upper(), p) for p, methods in document["paths"].items() for m, operation in methods.items()
            if "default" not in operation["responses"]}
