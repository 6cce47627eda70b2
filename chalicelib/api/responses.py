"""Rendering: bodies and `ApiError`s as chalice Responses, with FlexMeasures' int "status" key.

Every view returns through `respond()` (or `respond_text()`) or raises `ApiError`; nothing else builds a Response.
"""
from __future__ import annotations

import json
from typing import Any

from chalice import Response

from chalicelib.errors import ApiError


def respond(body: Any, status_code: int = 200, *, wrap: bool = True,
            headers: dict[str, str] | None = None, content_type: str = "application/json") -> Response:
    """Serialise `body` as JSON; like Flask-JSON, add an int "status" to dicts that lack one."""
    if wrap and isinstance(body, dict) and "status" not in body:
        body = {**body, "status": status_code}
    text = "" if status_code == 204 or body is None else json.dumps(body, default=_json_default)
    return Response(body=text, status_code=status_code,
                    headers={**(headers or {}), "Content-Type": content_type})


def respond_text(text: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
    """A text body as is (a page, a script): not JSON-encoded."""
    return Response(body=text, status_code=200, headers={**(headers or {}), "Content-Type": content_type})


def render_error(error: ApiError) -> Response:
    return respond(error.body, error.status_code, wrap=False, headers=error.headers)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
