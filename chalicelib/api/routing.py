"""How every endpoint is served: auth, rate limits, path ids, body limits, error mapping, version headers, lazily
imported views.

The endpoints themselves are listed in `routes.py`. A view receives an `ApiRequest` (and its path parameters) and returns a body, a (body, status)
tuple, or a ready chalice Response. `ApiError`s become their exact bodies; anything else becomes a
500 JSON body with a request id in the log, never a stack trace.

Every view follows one order: **parse** the query or body into a schema, **load** what the path names
(`services/loaders.py`, with the contract's 404 or 422), **validate** the request against what was loaded,
**permit** (`auth/access.py`), then **call** one service function and render its result. Where the contract
makes FlexMeasures answer in another order (e.g. a body's 422 before an unknown id's 404, or data errors before
a 403), the view says so in a one-line comment. Listings whose scope depends on their arguments check
permissions inside their service, on what the scope holds.

Around every view, in FlexMeasures' order: the request is counted against the default rate limit once its user is
known (or has failed to authenticate), a trigger against the trigger limit just before its view runs; every
response, errors and 405s included, gets the version headers and, when counted, the rate-limit headers
(`services/rate_limits.py`).
"""
from __future__ import annotations

import importlib
import logging
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable

from chalice import Chalice, Response

from chalicelib.api.hardening import CSP_HEADER, is_https, security_headers
from chalicelib.api.responses import render_error, respond
from chalicelib.api.versions import version_headers
from chalicelib.auth.current_user import authenticate
from chalicelib.errors import (ApiError, busy, http_error, not_found, out_of_range, payload_too_large,
                               too_large_to_store, unprocessable)
from chalicelib.schemas import json_text
from chalicelib.schemas.json_text import JsonRefused
from chalicelib.schemas.error_shapes import nested_error
from chalicelib.services.rate_limits import RETRY_AFTER_HEADER, Meter
from chalicelib.store.errors import item_too_large, number_out_of_range, throttled

log = logging.getLogger("flexcloud.api")

# Lambda's synchronous invocation payload limit.
MAX_BODY_BYTES = 6 * 1024 * 1024
ALL_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


class ApiRequest:
    """What a view needs of the HTTP request, with FlexMeasures' parsing rules."""

    def __init__(self, request: Any, user: Any = None):
        self.raw = request
        self.user = user
        self._json: Any = ...

    @property
    def method(self) -> str:
        return self.raw.method

    @property
    def headers(self) -> Any:
        return self.raw.headers

    @property
    def host(self) -> str:
        return self.raw.headers.get("host", "") or ""

    @property
    def query(self) -> dict[str, str]:
        """Single-valued query arguments (the last one wins)."""
        params = self.raw.query_params or {}
        return {key: params[key] for key in params}

    @property
    def body_bytes(self) -> bytes:
        raw = self.raw.raw_body
        return raw if isinstance(raw, bytes) else (raw or "").encode()

    @property
    def content_type(self) -> str:
        return (self.raw.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The parsed JSON body; None when empty. Malformed JSON is a 400."""
        if self._json is ...:
            body = self.body_bytes
            if not body.strip():
                self._json = None
            else:
                try:
                    self._json = json_text.loads(body)
                except JsonRefused as refused:  # well-formed JSON holding NaN, a lone surrogate, ...: a 422
                    raise unprocessable("json", nested_error(refused.path, refused.message)) from None
                except (ValueError, UnicodeDecodeError):
                    raise http_error(400, "Invalid JSON body.") from None
        return self._json

    def json_object(self, location: str = "json") -> dict[str, Any]:
        """The JSON body as arguments to merge with others: {} when empty, a 422 when it is not an object."""
        body = self.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise unprocessable(location, {"_schema": ["Invalid input type."]})
        return body


# DynamoDB numbers hold at most 38 significant digits; a longer id cannot exist, and asking for it fails.
MAX_ID_DIGITS = 38


def _int_params(params: dict[str, str], int_names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = dict(params)
    for name in int_names:
        try:
            out[name] = int(params[name])
        except (TypeError, ValueError):
            # Flask's <int:id> converter does not match, so FlexMeasures answers 404.
            raise not_found() from None
        if len(str(abs(out[name]))) > MAX_ID_DIGITS:
            raise not_found()
    return out


def _request_id(request: Any) -> str:
    context = getattr(request, "lambda_context", None)
    return getattr(context, "aws_request_id", None) or uuid.uuid4().hex


def _render(result: Any, wrap: bool) -> Response:
    if isinstance(result, Response):
        return result
    status = 200
    if isinstance(result, tuple):
        result, status = result
    return respond(result, status, wrap=wrap)


class ThreadSafeChalice(Chalice):
    """A Chalice app whose current request and Lambda context belong to the thread serving them.

    Chalice keeps both on the app object. Lambda serves one request at a time per container, but the local stack's
    threaded server serves many at once, and a shared attribute once handed one user another account's record.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        object.__setattr__(self, "_per_thread", threading.local())
        super().__init__(*args, **kwargs)

    @property
    def current_request(self) -> Any:
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._per_thread.request = value

    @property
    def lambda_context(self) -> Any:
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._per_thread.context = value


@dataclass(frozen=True)
class Route:
    """One endpoint. `view` is "<module>.<function>" in chalicelib/api/ (imported on first use) or a function.

    `description` is the seed table's text, shown by the service listing. `wrap` adds the int "status" key to
    dict bodies (Flask-JSON's as_json); some endpoints are not wrapped. `int_params` are the path parameters
    that must be integers (a 404 otherwise, as Flask's <int:id> converter). `trigger` endpoints set expensive
    work going and count against the trigger rate limit too (their `id` names the asset or sensor).
    """

    method: str
    path: str
    view: str | Callable[..., Any]
    description: str
    auth: bool = True
    wrap: bool = True
    int_params: tuple[str, ...] = ("id",)
    trigger: bool = False

    @property
    def name(self) -> str:
        view = self.view if isinstance(self.view, str) else self.view.__name__
        return view.replace(".", "_") + "_" + self.method.lower()


def register(app: Chalice, routes: Iterable[Route]) -> None:
    """Add every route to `app`, then the 405 answers for the methods a known path does not serve."""
    for route in routes:
        app.route(route.path, methods=[route.method], cors=True, content_types=["*/*"],
                  name=route.name)(_handler(app, route))
    _add_method_fallbacks(app)


def _handler(app: Chalice, route: Route) -> Callable[..., Response]:
    path_ints = tuple(p for p in route.int_params if "{" + p + "}" in route.path)

    def handler(**params: str) -> Response:
        request = app.current_request
        meter = Meter(route.path, _client_ip(request))
        response = _serve(route, request, params, path_ints, meter)
        meter.settle(response.status_code)
        response.headers.update(meter.headers(response.headers.get(RETRY_AFTER_HEADER)))
        response.headers.update(version_headers(route.path))
        response.headers.update(security_headers(is_https(request.headers), response.headers.get(CSP_HEADER)))
        return response

    return handler


def _serve(route: Route, request: Any, params: dict[str, str], path_ints: tuple[str, ...], meter: Meter) -> Response:
    try:
        user = _authenticated_and_counted(route, request, meter)
        if len(request.raw_body or b"") > MAX_BODY_BYTES:
            raise payload_too_large(MAX_BODY_BYTES)
        converted = _int_params(params, path_ints)
        if route.trigger:
            meter.reserve_trigger(user, converted["id"])
        return _render(_view(route)(ApiRequest(request, user), **converted), route.wrap)
    except ApiError as error:
        return render_error(error)
    except OverflowError:
        # Window arithmetic on far-off dates or huge durations from the request (checks and reads,
        # which come before any write).
        return render_error(out_of_range())
    except Exception as exc:  # noqa: BLE001 - the API must answer JSON whatever happens
        if item_too_large(exc):  # writes are single items or transactions, so nothing was stored
            return render_error(too_large_to_store())
        if number_out_of_range(exc):  # an id from the body or query beyond DynamoDB's numbers
            return render_error(out_of_range())
        if throttled(exc):  # DynamoDB over its throughput beyond botocore's retries: the client may retry
            log.warning("DynamoDB throttled %s %s", request.method, route.path)
            return render_error(busy())
        request_id = _request_id(request)
        log.exception("Unhandled error in %s %s [request %s]", request.method, route.path, request_id)
        return respond({"message": "An internal error has occurred. Request id: " + request_id,
                        "status": 500}, 500, wrap=False)


def _authenticated_and_counted(route: Route, request: Any, meter: Meter) -> Any:
    """The calling user (None on public endpoints), counted against the default limit. A request that fails to
    authenticate is counted against its client IP, as FlexMeasures' limiter (which runs before authentication)
    counts it: over the limit it gets the 429, else its 401."""
    if not route.auth:
        meter.count(None)
        return None
    try:
        user = authenticate(request)
    except ApiError:
        meter.count(None)
        raise
    meter.count(user)
    return user


def _client_ip(request: Any) -> str:
    """API Gateway's (and chalice local's) source address of the request."""
    return ((getattr(request, "context", None) or {}).get("identity") or {}).get("sourceIp") or "unknown"


@lru_cache(maxsize=None)
def _view(route: Route) -> Callable[..., Any]:
    """The route's view function, its module imported on the first request that needs it."""
    if callable(route.view):
        return route.view
    module, _, function = route.view.rpartition(".")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def load_views(routes: Iterable[Route]) -> None:
    """Import every route's view now (before a SnapStart snapshot), instead of on its first request."""
    for route in routes:
        _view(route)


def _add_method_fallbacks(app: Chalice) -> None:
    """Answer unsupported methods on known paths with Werkzeug's 405 body (API Gateway would say 403).

    Not counted against rate limits: Flask-Limiter skips requests that match no endpoint."""
    for path, entries in list(app.routes.items()):
        missing = [m for m in ALL_METHODS if m not in entries]
        if missing:
            app.route(path, methods=missing, cors=True, content_types=["*/*"],
                      name="method_not_allowed" + path.replace("/", "_").replace("{", "").replace("}", ""))(
                _not_allowed(app, path))


def _not_allowed(app: Chalice, path: str) -> Callable[..., Response]:
    def not_allowed(**_: str) -> Response:
        https = is_https(getattr(app.current_request, "headers", None))
        return respond({"message": "The method is not allowed for the requested URL.", "status": 405}, 405,
                       wrap=False, headers={**version_headers(path), **security_headers(https)})

    not_allowed.is_fallback = True  # not an endpoint: the route table's consumers (tests, listings) skip it
    return not_allowed
