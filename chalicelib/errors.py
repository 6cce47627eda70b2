"""The API's error vocabulary: `ApiError` and the contract's exact error bodies (no HTTP framework here).

Any layer may raise these; only `api/responses.py` turns them into HTTP responses.
"""
from __future__ import annotations

from typing import Any

UNAUTHORIZED_MESSAGE = "You could not be properly authenticated for this content or functionality."
FORBIDDEN_MESSAGE = "You cannot be authorized for this content or functionality."
# Werkzeug's NotFound description, which FlexMeasures answers for unknown paths and ids.
NOT_FOUND_MESSAGE = ("The requested URL was not found on the server. If you entered the URL manually please "
                     "check your spelling and try again.")


class ApiError(Exception):
    """An HTTP error with an exact FlexMeasures body; raised anywhere, rendered by the route wrapper."""

    def __init__(self, status_code: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(f"{status_code}: {body}")
        self.status_code = status_code
        self.body = body
        self.headers = headers or {}


def unauthorized() -> ApiError:
    return ApiError(401, {"message": UNAUTHORIZED_MESSAGE, "status": "UNAUTHORIZED"})


def forbidden() -> ApiError:
    return ApiError(403, {"result": "Rejected", "status": "INVALID_SENDER", "message": FORBIDDEN_MESSAGE})


def http_error(status_code: int, message: str) -> ApiError:
    """Werkzeug-style HTTP error (abort(404), 405, page past the end)."""
    return ApiError(status_code, {"message": message, "status": status_code})


def not_found(message: str = NOT_FOUND_MESSAGE) -> ApiError:
    return http_error(404, message)


def unprocessable(location: str, errors: Any) -> ApiError:
    """A webargs-style 422: {"message": {location: errors}, "result": "Rejected", ...}."""
    return ApiError(422, {"message": {location: errors}, "result": "Rejected",
                          "status": "UNPROCESSABLE_ENTITY"})


def field_error(location: str, field: str, message: str) -> ApiError:
    return unprocessable(location, {field: [message]})


def payload_too_large(limit_bytes: int) -> ApiError:
    mb = limit_bytes // (1024 * 1024)
    return ApiError(413, {
        "result": "Rejected", "status": "PAYLOAD_TOO_LARGE",
        "message": f"The request body exceeds {mb} MB, the limit of a synchronous API call. Post the data "
                   "in smaller requests, or upload it as a file to /api/v3_0/sensors/<id>/data/upload.",
    })


def too_large_to_store() -> ApiError:
    """DynamoDB keeps at most 400 KB per record; FlexMeasures' Postgres has no such limit, so say what it is."""
    return ApiError(413, {
        "result": "Rejected", "status": "PAYLOAD_TOO_LARGE",
        "message": "The data is too large to store: one record (an asset, sensor or user with all its fields) "
                   "holds at most 400 KB. Keep attributes and other JSON fields smaller.",
    })


def out_of_range() -> ApiError:
    """Dates or durations whose arithmetic leaves Python's datetime range (years 1 to 9999)."""
    return http_error(422, "A date, duration or number in the request is out of the supported range.")


def busy() -> ApiError:
    """The database refused the work for now (throttling); the write that failed stored nothing."""
    return ApiError(503, {"message": "The service is busy; the request was not completed. Please retry shortly.",
                          "status": 503}, {"Retry-After": "1"})


def too_many_requests(limit: str | None = None) -> ApiError:
    """FlexMeasures' 429; `limit` names the limit that was hit ("500 per 1 minute")."""
    message = "You hit a rate limit." + (f" The limit you hit allows {limit}." if limit else "")
    return ApiError(429, {"result": "Rejected", "status": "TOO_MANY_REQUESTS", "message": message})
