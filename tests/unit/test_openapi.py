"""The OpenAPI document: valid OpenAPI 3.1, every route documented, auth, errors, job styles, sign conventions."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from chalicelib.api import openapi
from chalicelib.api.public import services_of
from chalicelib.api.route_docs import ROUTE_DOCS
from chalicelib.api.routes import ROUTES
from chalicelib.api.routing import Route
from chalicelib.schemas import replies


@pytest.fixture(scope="module")
def doc():
    return openapi.document()


def _operations(doc):
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any error


def test_every_route_is_documented_and_every_doc_names_a_route():
    assert openapi.undocumented() == [], "describe these routes in chalicelib/api/route_docs.py"
    assert set(ROUTE_DOCS) == {(route.method, route.path) for route in ROUTES}


def test_a_route_without_docs_is_caught_but_still_shown():
    extra = Route("GET", "/v3_0/new-thing", "public.list_versions", "A new thing")
    assert openapi.undocumented([*ROUTES, extra]) == ["GET /v3_0/new-thing"]
    built = openapi.build([*ROUTES, extra], ROUTE_DOCS)
    assert built["paths"]["/v3_0/new-thing"]["get"]["summary"] == "A new thing"


def test_every_operation_of_the_service_listing_is_in_the_document(doc):
    documented = {f"{method} {path}" for method, path, _ in _operations(doc)}
    for flask_path, name, _ in services_of(ROUTES):
        method = name.split(" ")[0]
        assert f"{method} {re.sub(r'<(\w+)>', r'{\1}', flask_path)}" in documented


def test_operations_have_unique_ids_summaries_and_tags(doc):
    ids = [operation["operationId"] for _, _, operation in _operations(doc)]
    assert len(ids) == len(set(ids)) == len(ROUTES)
    assert all(operation["summary"] and operation["tags"] for _, _, operation in _operations(doc))


def test_auth_is_the_raw_token_in_the_authorization_header(doc):
    scheme = doc["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    public = {(route.method, route.path) for route in ROUTES if not route.auth}
    for method, path, operation in _operations(doc):
        if (method, path) in public:
            assert operation["security"] == []
            assert "401" not in operation["responses"] or path == "/requestAuthToken"  # its own: a wrong password
        else:
            assert operation["security"] == [{openapi.SECURITY_SCHEME: []}]
            assert _ref(operation["responses"]["401"]) == "Unauthorized"
            assert "Forbidden" in _refs(operation["responses"]["403"])  # data posts: or INVALID_REPLACEMENT


def _ref(response) -> str:
    (name,) = _refs(response)
    return name


def _refs(response) -> set[str]:
    """The component schemas a response's body may be (one, or the members of an anyOf)."""
    schema = response["content"]["application/json"]["schema"]
    return {s["$ref"].rsplit("/", 1)[-1] for s in schema.get("anyOf", [schema])}


def test_parameters_bodies_and_error_shapes(doc):
    patch = doc["paths"]["/v3_0/assets/{id}"]["patch"]
    assert {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}} in patch[
        "parameters"]
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssetPatch"}
    assert _ref(patch["responses"]["404"]) == "HttpError"
    assert _refs(patch["responses"]["422"]) == {"Unprocessable", "FlexContextError"}
    assert _ref(doc["paths"]["/v3_0/sensors/{id}"]["patch"]["responses"]["422"]) == "Unprocessable"
    listing = {p["name"]: p for p in doc["paths"]["/v3_0/assets"]["get"]["parameters"]}
    assert {"page", "per_page", "filter", "sort_by", "sort_dir", "account_id", "all_accessible"} <= set(listing)
    assert all(p["in"] == "query" and not p["required"] for p in listing.values())
    kpis = {p["name"]: p for p in doc["paths"]["/v3_0/assets/{id}/kpis"]["get"]["parameters"]}
    assert kpis["start"]["required"] and kpis["start"]["schema"]["format"] == "date-time"
    upload = doc["paths"]["/v3_0/sensors/{id}/data/upload"]["post"]["requestBody"]["content"]
    assert "uploaded-files" in upload["multipart/form-data"]["schema"]["required"]
    schemas = doc["components"]["schemas"]
    assert set(schemas["Unprocessable"]["required"]) == {"message", "status"}
    assert schemas["Forbidden"]["properties"]["status"]["const"] == "INVALID_SENDER"
    # The trigger bodies come from the scheduling core's own models (FlexMeasures' hyphenated keys).
    assert {"flex-model", "flex-context", "start"} <= set(schemas["SensorTriggerBody"]["properties"])
    assert "power-capacity" in schemas["StorageFlexModel"]["properties"]


def test_both_job_response_styles_are_documented(doc):
    trigger = doc["paths"]["/v3_0/sensors/{id}/schedules/trigger"]["post"]["responses"]
    assert _ref(trigger["200"]) == "TriggerProcessed" and _ref(trigger["202"]) == "TriggerAccepted"
    accepted = doc["components"]["schemas"]["TriggerAccepted"]["properties"]
    assert {"job", "job-url", "results-url"} <= set(accepted)
    schedule = doc["paths"]["/v3_0/sensors/{id}/schedules/{uuid}"]["get"]["responses"]
    assert "UNKNOWN_SCHEDULE" in schedule["400"]["description"]
    job = doc["paths"]["/v3_0/jobs/{uuid}"]["get"]["responses"]
    assert {"200", "202", "422"} <= set(job)
    assert _ref(job["404"]) == "JobState"  # FlexMeasures 1.0.1's {"status": "ERROR", "message": ...}


def test_both_forecast_job_styles_are_documented(doc):
    trigger = doc["paths"]["/v3_0/sensors/{id}/forecasts/trigger"]["post"]["responses"]
    assert _ref(trigger["200"]) == "ForecastProcessed" and _ref(trigger["202"]) == "ForecastAccepted"
    schemas = doc["components"]["schemas"]
    assert "forecast" in schemas["ForecastProcessed"]["required"]
    assert {"job", "job-url", "results-url", "forecast"} <= set(schemas["ForecastAccepted"]["properties"])
    result = doc["paths"]["/v3_0/sensors/{id}/forecasts/{uuid}"]["get"]["responses"]
    assert "Forecast" in str(result["200"]) and _ref(result["202"]) == "JobState"
    assert "UNKNOWN_FORECAST" in result["400"]["description"]
    assert _refs(result["422"]) == {"Unprocessable", "JobState"}
    assert schemas["Unprocessable"]["properties"]["message"]["anyOf"][1] == {"type": "string"}


def test_automation_paths_have_both_ids(doc):
    for operation in doc["paths"]["/v3_0/assets/{id}/automations/{automation_id}"].values():
        names = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
        assert names == {"id": {"type": "integer", "minimum": 1}, "automation_id": {"type": "integer", "minimum": 1}}


# Every operation whose bodies carry power values, and the convention they follow.
POWER_BODIES = {
    ("GET", "/v3_0/sensors/{id}/schedules/{uuid}"): replies.CONSUMPTION_POSITIVE,
    ("GET", "/v3_0/sensors/{id}/data"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/sensors/data"): replies.PRODUCTION_POSITIVE,
    ("POST", "/v3_0/sensors/{id}/data"): replies.PRODUCTION_POSITIVE,
    ("POST", "/v3_0/sensors/data"): replies.PRODUCTION_POSITIVE,
    ("POST", "/v3_0/sensors/{id}/data/upload"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/assets/{id}/chart_data"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/assets/{id}/chart"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/assets/{id}/kpis"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/sensors/{id}/stats"): replies.PRODUCTION_POSITIVE,
    ("GET", "/v3_0/sensors/{id}/forecasts/{uuid}"): replies.PRODUCTION_POSITIVE,
}


@pytest.mark.parametrize("method,path", sorted(POWER_BODIES))
def test_power_bodies_say_their_sign_convention(doc, method, path):
    operation = doc["paths"][path][method.lower()]
    assert POWER_BODIES[method, path] in operation["description"]
    ok = next(response for status, response in operation["responses"].items() if status.startswith("2"))
    (media,) = ok["content"].values()
    assert POWER_BODIES[method, path] in media["schema"]["description"]


def test_no_other_operation_claims_a_sign_convention(doc):
    for method, path, operation in _operations(doc):
        if (method, path) not in POWER_BODIES:
            assert "Sign convention" not in operation.get("description", ""), (method, path)
