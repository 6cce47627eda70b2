"""Public endpoints: the version list, requestAuthToken and the v3_0 service listing."""
from __future__ import annotations

import re
from typing import Any, Iterable

from chalicelib.api.hardening import NO_STORE
from chalicelib.api.responses import respond
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import ApiRequest, Route
from chalicelib.api.versions import API_PREFIX, API_VERSION, FLEXMEASURES_VERSION
from chalicelib.errors import ApiError
from chalicelib.schemas.results import processed
from chalicelib.services.auth import request_token, token_error


def list_versions(req: ApiRequest) -> dict[str, Any]:
    return {
        "message": "For these API versions endpoints are available. An authentication token can be requested "
                   "at: /api/requestAuthToken. For a list of services, see https://flexmeasures.readthedocs.io "
                   "or GET /api/v3_0 for the service listing.",
        "versions": [API_VERSION],
        "flexmeasures_version": FLEXMEASURES_VERSION,
    }


def request_auth_token(req: ApiRequest) -> dict[str, Any]:
    if req.content_type != "application/json":
        raise token_error(400, "Content-type of request must be application/json")
    try:
        data = req.json()
    except ApiError:
        raise token_error(400, "Content-type of request must be application/json") from None
    return respond(request_token(data), headers=NO_STORE)  # a credential: no cache may keep it


def service_listing(req: ApiRequest) -> dict[str, Any]:
    base = f"{_scheme(req)}://{req.host}/api"
    services = [{"url": base + path, "name": name, "description": description}
                for path, name, description in services_of(ROUTES)]
    services.sort(key=lambda s: (s["url"], s["name"]))
    return processed(services=services, version="3.0")


def services_of(routes: Iterable[Route]) -> list[tuple[str, str, str]]:
    """(path, "METHOD /path", description) per endpoint under /v3_0, in Flask's path notation."""
    out = []
    for route in routes:
        if route.path != API_PREFIX and not route.path.startswith(API_PREFIX + "/"):
            continue
        flask_path = re.sub(r"\{(\w+)\}", r"<\1>", route.path)
        out.append((flask_path, f"{route.method} {flask_path[len(API_PREFIX):]}", route.description))
    return out


def _scheme(req: ApiRequest) -> str:
    forwarded = req.headers.get("x-forwarded-proto")
    if forwarded:
        return forwarded.split(",")[0].strip()
    host = req.host.split(":")[0]
    return "http" if host in ("localhost", "127.0.0.1") else "https"
