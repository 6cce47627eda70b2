"""Checks a real response against what the OpenAPI document says the operation answers with that status."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chalicelib.api import openapi

BASE = "urn:flexcloud-openapi"


@lru_cache(maxsize=1)
def _registry() -> tuple[dict[str, Any], Registry]:
    document = openapi.document()
    return document, Registry().with_resource(BASE, Resource(contents=document, specification=DRAFT202012))


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def documented_schema(method: str, path: str, status: int) -> tuple[str, dict[str, Any]] | None:
    """(media type, schema) of the documented answer; None when it has no body. Fails when it is not documented."""
    document, _ = _registry()
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, which its documentation does not list"
    content = responses[str(status)].get("content")
    if not content:
        return None
    media_type = next(iter(content))
    return media_type, content[media_type]["schema"]


def check(method: str, path: str, resp: Any) -> None:
    """`resp` (tests.api.client.Resp) is one of the answers documented for `method path` (a route table path)."""
    found = documented_schema(method, path, resp.status)
    if found is None:
        assert not resp.body, f"{method} {path} {resp.status}: documented without a body, answered {resp.body[:200]!r}"
        return
    media_type, _ = found
    assert resp.headers["content-type"].split(";")[0] == media_type, (method, path, resp.status)
    body = json.loads(resp.body) if "json" in media_type or media_type == "text/html" and resp.body[:1] in b"[{" \
        else resp.body.decode()
    _, registry = _registry()
    pointer = _pointer("paths", path, method.lower(), "responses", str(resp.status), "content", media_type, "schema")
    validator = Draft202012Validator({"$ref": f"{BASE}#/{quote(pointer)}"}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {path} {resp.status} does not match its documented schema:\n" + "\n".join(
        f"  at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
