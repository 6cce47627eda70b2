"""The OpenAPI 3.1 document, built from the route table (`routes.py`), the route docs (`route_docs.py`) and the
pydantic models they name: a new route, parameter or field shows up without anyone writing it down twice.

Only `api/docs.py` imports this module, so only a request for the document or its UI pays for building it.
Paths are relative to the server `/api` (API Gateway's stage, and the local stack's prefix).
"""
from __future__ import annotations

import copy
import importlib
import re
from functools import lru_cache
from typing import Any, Iterable

from pydantic import BaseModel, TypeAdapter

from chalicelib.api.route_docs import ROUTE_DOCS, Answer, ListOrPage, RouteDoc
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import MAX_BODY_BYTES, Route
from chalicelib.api.versions import FLEXMEASURES_VERSION
from chalicelib.schemas import replies

OPENAPI_VERSION = "3.1.0"
SERVER = "/api"
SECURITY_SCHEME = "ApiKeyAuth"
REF = "#/components/schemas/{model}"
DESCRIPTION = """\
FlexMeasures' REST API v3_0 (as of FlexMeasures {version}), served by flexcloud on AWS Lambda.

**Authentication.** `POST /api/requestAuthToken` with `{{"email": ..., "password": ...}}` answers an `auth_token`.
Send it as is, without a `Bearer` prefix, in the `Authorization` header of every other request
(in this page: *Authorize*, then paste the token).

**Jobs.** Scheduling runs in the background. The seed's style: a trigger answers 200 `PROCESSED` with the job id
in `schedule`, and `GET /sensors/{{id}}/schedules/{{uuid}}` answers 400 `UNKNOWN_SCHEDULE` until the schedule is
ready. FlexMeasures 1.0.1's style: a trigger answers 202 `ACCEPTED` with `job-url` and `results-url`, and
`GET /jobs/{{uuid}}` answers 202 while the job runs, 200 when it finished, 422 when it failed.

**Sign conventions.** Stored sensor data, `chart_data`, charts and KPIs are production-positive (consumption
negative). Schedules are consumption-positive by default. Each operation that carries power values says which.
"""


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may change it)."""
    return copy.deepcopy(_built())


@lru_cache(maxsize=1)
def _built() -> dict[str, Any]:
    return build(ROUTES, ROUTE_DOCS)


def undocumented(routes: Iterable[Route] = ROUTES) -> list[str]:
    """"METHOD /path" of every route that has no entry in ROUTE_DOCS."""
    return [f"{route.method} {route.path}" for route in routes if (route.method, route.path) not in ROUTE_DOCS]


def build(routes: Iterable[Route], docs: dict[tuple[str, str], RouteDoc]) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        doc = docs.get((route.method, route.path))
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, doc, schemas)
    for name in ("Unauthorized", "Forbidden", "HttpError", "Unprocessable", "Rejected"):
        schemas.ref(getattr(replies, name))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "flexcloud: FlexMeasures API v3_0", "version": FLEXMEASURES_VERSION,
                 "description": DESCRIPTION.format(version=FLEXMEASURES_VERSION)},
        "servers": [{"url": SERVER}],
        "tags": [{"name": tag} for tag in sorted({_tag(route) for route in routes})],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.found.items())),
            "securitySchemes": {SECURITY_SCHEME: {
                "type": "apiKey", "in": "header", "name": "Authorization",
                "description": "The raw token from POST /api/requestAuthToken (no 'Bearer' prefix)."}},
        },
    }


def _operation(route: Route, doc: RouteDoc | None, schemas: "_Schemas") -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": route.name, "summary": route.description, "tags": [_tag(route)]}
    # What the route itself says holds with or without docs: a bare operation stays valid OpenAPI.
    operation["security"] = [{SECURITY_SCHEME: []}] if route.auth else []
    if doc is None:
        if _path_parameters(route):
            operation["parameters"] = _path_parameters(route)
        operation["responses"] = {"default": {"description": "Not documented yet."}}
        return operation
    description = " ".join(part for part in (doc.notes, _sign_text(doc.sign)) if part)
    if description:
        operation["description"] = description
    parameters = _path_parameters(route) + _query_parameters(doc.query, schemas)
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        operation["requestBody"] = _request_body(doc, schemas)
    answers = {**doc.answers, **_shared_errors(route, doc), **doc.errors}
    operation["responses"] = {str(status): _response(status, answer, doc.sign, schemas)
                              for status, answer in sorted(answers.items())}
    return operation


def _tag(route: Route) -> str:
    view = route.view if isinstance(route.view, str) else route.view.__module__
    return view.split(".")[-2] if "." in view else view


def _sign_text(sign: str | None) -> str:
    return f"**Sign convention:** {sign}" if sign else ""


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    out = []
    for name in re.findall(r"\{(\w+)\}", route.path):
        schema = {"type": "integer", "minimum": 1} if name in route.int_params else {"type": "string"}
        if name == "uuid":
            schema["description"] = "A job id."
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def _query_parameters(model: Any, schemas: "_Schemas") -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = schemas.inline(_resolve(model))
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": {k: v for k, v in prop.items() if k != "description"}}
        if prop.get("description"):
            parameter["description"] = prop["description"]
        out.append(parameter)
    return out


def _request_body(doc: RouteDoc, schemas: "_Schemas") -> dict[str, Any]:
    if isinstance(doc.body, dict):  # a hand-written schema (multipart upload)
        return {"required": True, "content": {"multipart/form-data": {"schema": doc.body}}}
    return {"required": doc.body_required, "content": {"application/json": {"schema": schemas.ref(_resolve(doc.body))}}}


def _shared_errors(route: Route, doc: RouteDoc) -> dict[int, Answer]:
    """The error answers that follow from the route itself, in FlexMeasures' shapes."""
    errors: dict[int, Answer] = {}
    if doc.body is not None:
        errors[400] = Answer(replies.HttpError, "The body is not valid JSON.")
        errors[413] = Answer(replies.Rejected, f"The body exceeds {MAX_BODY_BYTES // 2**20} MB, or a record "
                                               "would exceed DynamoDB's 400 KB.")
    if route.auth:
        errors[401] = Answer(replies.Unauthorized, "No token, or an invalid or expired one.")
        errors[403] = Answer(replies.Forbidden, "The token's user may not do this.")
    if "{" in route.path:
        errors[404] = Answer(replies.HttpError, "Nothing is known under this id.")
    if doc.body is not None or doc.query is not None or "{id}" in route.path:
        errors[422] = Answer(replies.Unprocessable, "The request did not validate (or names an unknown "
                                                    "related id).")
    errors[429] = Answer(replies.Rejected, "A rate limit was hit (see the Retry-After header).")
    return errors


def _response(status: int, answer: Answer, sign: str | None, schemas: "_Schemas") -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer.description or "OK"}
    if answer.model is None:
        return out
    if isinstance(answer.model, ListOrPage):
        schema: dict[str, Any] = {
            "oneOf": [{"type": "array", "items": schemas.ref(_resolve(answer.model.item))}, schemas.ref(replies.PageOf)],
            "description": "A JSON list; with `page`, a page of the list (its items in `data`)."}
    elif isinstance(answer.model, dict):  # a hand-written schema
        schema = answer.model
    else:
        schema = schemas.ref(_resolve(answer.model))
    if sign and status == 200:  # the bodies with values (a 202 "still running" carries none)
        schema = {"allOf": [schema], "description": _sign_text(sign)}
    media_types = answer.media_type if isinstance(answer.media_type, tuple) else (answer.media_type,)
    out["content"] = {media_type: {"schema": schema} for media_type in media_types}
    return out


def _resolve(model: Any) -> Any:
    """A model, or a "module.Class" string imported now (the scheduling models stay out of cold starts)."""
    if isinstance(model, str):
        module, _, name = model.rpartition(".")
        return getattr(importlib.import_module(module), name)
    return model


class _Schemas:
    """The component schemas found so far, each model's JSON Schema (pydantic's, 2020-12 as OpenAPI 3.1 uses)."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def ref(self, model: Any) -> dict[str, Any]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            self._add(model)
            return {"$ref": REF.format(model=model.__name__)}
        return self._plain(model)

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF)
        self._merge(schema.pop("$defs", {}))
        return schema

    def _add(self, model: type[BaseModel]) -> None:
        if model.__name__ not in self.found:
            self._merge({model.__name__: self.inline(model)})

    def _merge(self, defs: dict[str, Any]) -> None:
        for name, schema in defs.items():
            known = self.found.setdefault(name, schema)
            if known != schema:
                raise ValueError(f"two different models are both called {name}: rename one")

    def _plain(self, annotation: Any) -> dict[str, Any]:
        """list[Model] and the like, through a throwaway pydantic TypeAdapter."""
        schema = TypeAdapter(annotation).json_schema(ref_template=REF)
        self._merge(schema.pop("$defs", {}))
        return schema
