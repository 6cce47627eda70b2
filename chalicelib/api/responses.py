"""FlexMeasures response and error shapes: the int "status" key, exact error bodies, pagination.

Every view returns through `respond()` or raises `ApiError`; nothing else builds a Response.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from chalice import Response

JSON_HEADERS = {"Content-Type": "application/json"}

UNAUTHORIZED_MESSAGE = "You could not be properly authenticated for this content or functionality."
FORBIDDEN_MESSAGE = "You cannot be authorized for this content or functionality."
PROCESSED_MESSAGE = "Request has been processed."
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

    def response(self) -> Response:
        return respond(self.body, self.status_code, wrap=False, headers=self.headers)


def respond(body: Any, status_code: int = 200, *, wrap: bool = True,
            headers: dict[str, str] | None = None, content_type: str = "application/json") -> Response:
    """Serialise `body` as JSON; like Flask-JSON, add an int "status" to dicts that lack one."""
    if wrap and isinstance(body, dict) and "status" not in body:
        body = {**body, "status": status_code}
    text = "" if status_code == 204 or body is None else json.dumps(body, default=_json_default)
    return Response(body=text, status_code=status_code,
                    headers={**(headers or {}), "Content-Type": content_type})


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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


def paginated(items: Sequence[Any], num_records: int, filtered_records: int) -> dict[str, Any]:
    return {"data": list(items), "num-records": num_records, "filtered-records": filtered_records}


def page_slice(items: Sequence[Any], page: int, per_page: int) -> list[Any]:
    """Flask-SQLAlchemy paginate(error_out=True): a page past the end (other than page 1) is a 404."""
    start = (page - 1) * per_page
    chunk = list(items[start:start + per_page])
    if not chunk and page > 1:
        raise not_found()
    return chunk


def processed(message: str = PROCESSED_MESSAGE, **extra: Any) -> dict[str, Any]:
    return {"status": "PROCESSED", "message": message, **extra}


def join_english(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c' (how FlexMeasures lists file names in audit texts)."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
