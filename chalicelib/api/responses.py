"""Rendering: bodies and `ApiError`s as chalice Responses, with FlexMeasures' int "status" key.

Every view returns through `respond()` (or `respond_text()`) or raises `ApiError`; nothing else builds a Response.
"""
from __future__ import annotations

import json
import math
from typing import Any

from chalice import Response

from chalicelib.errors import ApiError


def respond(body: Any, status_code: int = 200, *, wrap: bool = True,
            headers: dict[str, str] | None = None, content_type: str = "application/json") -> Response:
    """Serialise `body` as JSON; like Flask-JSON, add an int "status" to dicts that lack one."""
    if wrap and isinstance(body, dict) and "status" not in body:
        body = {**body, "status": status_code}
    text = "" if status_code == 204 or body is None else _json_text(body)
    return Response(body=text, status_code=status_code,
                    headers={**(headers or {}), "Content-Type": content_type})


def render_reply(reply: Any, *, wrap: bool = True) -> Response:
    """A service's `Reply` (body, status code, headers)."""
    return respond(reply.body, reply.status_code, wrap=wrap, headers=reply.headers)


def respond_text(text: str, content_type: str, headers: dict[str, str] | None = None) -> Response:
    """A text body as is (a page, a script): not JSON-encoded."""
    return Response(body=text, status_code=200, headers={**(headers or {}), "Content-Type": content_type})


def render_error(error: ApiError) -> Response:
    return respond(error.body, error.status_code, wrap=False, headers=error.headers)


def _json_text(body: Any) -> str:
    """Standard JSON only: `Infinity` and `NaN` are not JSON (JSON.parse refuses the whole body). Input refuses
    them, so they should never get here; if one does, it is served as null rather than breaking the body."""
    try:
        return json.dumps(body, default=_json_default, allow_nan=False)
    except ValueError:
        return json.dumps(_finite_or_null(body), default=_json_default, allow_nan=False)


def _finite_or_null(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite_or_null(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_null(item) for item in value]
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
