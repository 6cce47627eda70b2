"""Public endpoints: the version list, requestAuthToken and the v3_0 service listing."""
from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint

from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.errors import ApiError
from chalicelib.schemas.results import processed
from chalicelib.services.auth import request_token, token_error

bp = Blueprint(__name__)

# The FlexMeasures release whose API this clone serves (see the contract's [SEED]).
FLEXMEASURES_VERSION = "0.28.0"
API_PREFIX = "/v3_0"


@endpoint(bp, "/", "GET", auth=False, description="List available API versions")
def list_versions(req: ApiRequest) -> dict[str, Any]:
    return {
        "message": "For these API versions endpoints are available. An authentication token can be requested "
                   "at: /api/requestAuthToken. For a list of services, see https://flexmeasures.readthedocs.io "
                   "or GET /api/v3_0 for the service listing.",
        "versions": ["v3_0"],
        "flexmeasures_version": FLEXMEASURES_VERSION,
    }


@endpoint(bp, "/requestAuthToken", "POST", auth=False, description="Obtain an authentication token")
def request_auth_token(req: ApiRequest) -> dict[str, Any]:
    if req.content_type != "application/json":
        raise token_error(400, "Content-type of request must be application/json")
    try:
        data = req.json()
    except ApiError:
        raise token_error(400, "Content-type of request must be application/json") from None
    return request_token(data)


@endpoint(bp, API_PREFIX, "GET", auth=False, description="Obtain a service listing for this version")
def service_listing(req: ApiRequest) -> dict[str, Any]:
    base = f"{_scheme(req)}://{req.host}/api"
    services = [{"url": base + path, "name": name, "description": description}
                for path, name, description in services_of(bp.current_app)]
    services.sort(key=lambda s: (s["url"], s["name"]))
    return processed(services=services, version="3.0")


def services_of(app: Any) -> list[tuple[str, str, str]]:
    """(path, "METHODS /path", description) per view under /v3_0, from the app's route table."""
    out = []
    for path, entries in app.routes.items():
        if path != API_PREFIX and not path.startswith(API_PREFIX + "/"):
            continue
        by_view: dict[Any, list[str]] = {}
        for method, entry in entries.items():
            view = entry.view_function
            if method in ("HEAD", "OPTIONS") or getattr(view, "is_fallback", False):
                continue
            by_view.setdefault(view, []).append(method)
        flask_path = re.sub(r"\{(\w+)\}", r"<\1>", path)
        for view, methods in by_view.items():
            name = "/".join(sorted(methods)) + " " + flask_path[len(API_PREFIX):]
            out.append((flask_path, name, getattr(view, "description", "")))
    return out


def _scheme(req: ApiRequest) -> str:
    forwarded = req.headers.get("x-forwarded-proto")
    if forwarded:
        return forwarded.split(",")[0].strip()
    host = req.host.split(":")[0]
    return "http" if host in ("localhost", "127.0.0.1") else "https"
