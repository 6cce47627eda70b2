"""What the OpenAPI document says about each route of `routes.py`, keyed by (method, path).

Only what the route table cannot say lives here: the query and body models a view validates with, the bodies it
answers, and which power sign convention those bodies follow. The error answers every route shares (401, 403,
404, 422, 429, ...) are added by `openapi.py` from the route itself (auth, path ids, query, body). A route
missing here is still shown, bare, but `tests/unit/test_openapi.py` fails until it is described.

Models named as a string ("module.Class") are imported only when the document is built: the scheduling core's
models are not part of the API's cold start.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.schemas import replies as r
from chalicelib.schemas.accounts import AccountCreate, AccountListArgs, AccountPatch
from chalicelib.schemas.annotations import AnnotationBody
from chalicelib.schemas.assets import (AssetCreate, AssetListArgs, AssetPatch, AssetSensorsArgs, CopyArgs,
                                       DefaultAssetView, LegendPlacement, PickedFieldsArgs)
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.automations import AutomationCreation, AutomationUpdate
from chalicelib.schemas.charts import ChartAnnotationArgs, ChartArgs, ChartDataArgs, KpiArgs
from chalicelib.schemas.forecasts import ForecastTrigger
from chalicelib.schemas.sensor_data import GetData, GetDataById, PostData, PostDataById
from chalicelib.schemas.sensors import DataDeletion, SensorCreate, SensorListArgs, SensorPatch, StatsArgs
from chalicelib.schemas.sources import SourceListArgs
from chalicelib.schemas.token_request import TokenRequest
from chalicelib.schemas.users import UserCreate, UserListArgs, UserPatch

HTML = "text/html"
TEXT = {"type": "string"}
CHART_DATA = {"oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "object"}],
              "description": "A list of beliefs, one per event and source; with `compress_json`, an object of "
                             "columns."}


@dataclass(frozen=True)
class ListOrPage:
    """A listing: a plain JSON list of `item`, or (when `page` is given) a page of them."""

    item: Any


@dataclass(frozen=True)
class Answer:
    """One documented response: a model (or ListOrPage, a hand-written JSON Schema, or None for no body), its
    description and media type."""

    model: Any
    description: str = ""
    media_type: str | tuple[str, ...] = "application/json"


@dataclass(frozen=True)
class RouteDoc:
    answers: dict[int, Answer]
    query: Any = None  # a QueryArgs model
    body: Any = None  # a body model, "module.Class", or MULTIPART_UPLOAD
    body_required: bool = True
    sign: str | None = None  # the power sign convention of the bodies (replies.PRODUCTION_POSITIVE, ...)
    notes: str = ""
    # Further error answers this route gives beyond the shared ones.
    errors: dict[int, Answer] = field(default_factory=dict)


MULTIPART_UPLOAD = {
    "type": "object",
    "required": ["uploaded-files"],
    "properties": {
        "uploaded-files": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                           "description": "One or more CSV or Excel files (event start, value[, belief time])."},
        "belief-time-measured-instantly": {"type": "boolean", "default": False},
        "unit": {"type": "string", "description": "The unit of the uploaded values (default: the sensor's)."},
    },
}


def ok(model: Any, description: str = "OK", media_type: str = "application/json") -> dict[int, Answer]:
    return {200: Answer(model, description, media_type)}


NO_CONTENT = {204: Answer(None, "Deleted.")}
CREATED_ASSET = {201: Answer(r.AssetBody, "Created.")}
TRIGGERED = {
    200: Answer(r.TriggerProcessed, "The job was created (or an identical one from the last hour is reused). "
                                    "The seed's style: PROCESSED, the job id in `schedule`."),
    202: Answer(r.TriggerAccepted, "FlexMeasures 1.0.1's style: ACCEPTED, with `job-url` to poll and "
                                   "`results-url` to fetch the schedule."),
}
SCHEDULE_PENDING = {
    400: Answer(r.Rejected | r.HttpError,
                "UNRECOGNIZED_UDI_EVENT for an unknown job; UNKNOWN_SCHEDULE while the job is queued or running (the "
                "seed's style: poll until 200), or when it failed; a malformed JSON body (`duration` may come in "
                "one)."),
}
ALREADY_RECEIVED = "OK (also when exactly this data was received before)."
DATA_RECEIVED = ok(r.DataReceived, ALREADY_RECEIVED)
# Posting data: 403 also when it would replace stored beliefs and the server does not allow that.
DATA_REFUSED = {403: Answer(r.Forbidden | r.InvalidReplacement,
                            "INVALID_SENDER: the token's user may not post here; INVALID_REPLACEMENT: the data would "
                            "replace stored beliefs (allowed by FLEXMEASURES_ALLOW_DATA_OVERWRITE).")}
# Assets: a flex_context that fails the scheduler's rules answers in its own shape.
ASSET_REFUSED = {422: Answer(r.Unprocessable | r.FlexContextError,
                             "The body did not validate; a flex_context that fails the scheduler's rules answers "
                             "`{\"error\": ..., \"status\": 422}`.")}
# A page past the end of a listing.
PAST_THE_END = {404: Answer(r.HttpError, "The page is past the end of the listing.")}
ANNOTATED = {201: Answer(r.Annotation, "Created."),
             200: Answer(r.Annotation, "The same annotation (content, window, source and type) existed already; "
                                       "it is now on this entity too.")}
FORECAST_TRIGGERED = {
    200: Answer(r.ForecastProcessed, "The legacy job-response style (the seed's): PROCESSED, the job id in "
                                     "`forecast`."),
    202: Answer(r.ForecastAccepted, "FlexMeasures 1.0.1's style: ACCEPTED, with `job-url` to poll and "
                                    "`results-url` to fetch the forecast (`forecast` repeats the job id)."),
}
FORECAST_RESULT = {
    200: Answer(r.Forecast, "The forecast: the job's most recent value per event, first to last known event."),
    202: Answer(r.JobState, "FlexMeasures 1.0.1's style: queued or running, poll again (see Retry-After)."),
}
FORECAST_PENDING = {
    400: Answer(r.Rejected, "UNKNOWN_FORECAST: in the legacy style (the seed's), while the job is queued or running "
                            "or when it failed; in both styles, when the job finished but its forecast is not "
                            "stored."),
    422: Answer(r.Unprocessable | r.JobState, "FAILED: the job failed (FlexMeasures 1.0.1's style), `message` says "
                                              "why; UNPROCESSABLE_ENTITY: no forecasting job with this id, or one "
                                              "for another sensor (a string message); or an unknown sensor."),
}
AUTOMATION = ok(r.AutomationDetails)

ROUTE_DOCS: dict[tuple[str, str], RouteDoc] = {
    # webhooks (flexcloud's own; FlexMeasures has none)
    ("POST", "/v3_0/accounts/{id}/webhooks"): RouteDoc(
        {201: Answer(r.RegisteredWebhook, "Registered; the secret is shown this once.")},
        body="chalicelib.schemas.webhooks.WebhookCreate"),
    ("GET", "/v3_0/accounts/{id}/webhooks"): RouteDoc(ok(list[r.WebhookBody], "The account's endpoints, no secrets.")),
    ("DELETE", "/v3_0/accounts/{id}/webhooks/{webhook_id}"): RouteDoc(NO_CONTENT),
    ("GET", "/v3_0/accounts/{id}/webhooks/{webhook_id}/deliveries"): RouteDoc(
        ok(r.PageOf, "Every delivery attempt, newest first (always paginated; `data` holds WebhookDelivery rows)."),
        query="chalicelib.schemas.webhooks.DeliveryListArgs", errors=PAST_THE_END),
    # public
    ("GET", "/"): RouteDoc(ok(r.VersionList)),
    ("POST", "/requestAuthToken"): RouteDoc(
        ok(r.AuthToken), body=TokenRequest,
        notes="Send the token as is (no 'Bearer' prefix) in the `Authorization` header of every other request.",
        errors={400: Answer(r.TokenError, "Missing email or password, or not JSON."),
                401: Answer(r.TokenError, "Wrong password."), 404: Answer(r.TokenError, "Unknown email.")}),
    ("GET", "/v3_0"): RouteDoc(ok(r.ServiceListing)),
    ("GET", "/v3_0/health/ready"): RouteDoc({**ok(r.Readiness, "Ready."),
                                            503: Answer(r.Readiness, "A dependency is not reachable.")}),
    ("GET", "/v3_0/openapi.json"): RouteDoc(ok({"type": "object"}, "This document (OpenAPI 3.1).")),
    ("GET", "/v3_0/docs"): RouteDoc(ok(TEXT, "Swagger UI for this document.", HTML)),
    ("GET", "/v3_0/docs/static/{file}"): RouteDoc(
        {200: Answer(TEXT, "Swagger UI's script, or its style sheet.", ("text/javascript", "text/css")),
         404: Answer(r.HttpError, "No such file.")}),
    # assets
    ("GET", "/v3_0/assets"): RouteDoc(ok(ListOrPage(r.LISTED_ASSET)), query=AssetListArgs, errors=PAST_THE_END),
    ("POST", "/v3_0/assets"): RouteDoc(CREATED_ASSET, body=AssetCreate, errors=ASSET_REFUSED),
    ("GET", "/v3_0/assets/public"): RouteDoc(ok(list[r.LISTED_ASSET]), query=PickedFieldsArgs),
    ("GET", "/v3_0/assets/types"): RouteDoc(ok(list[r.AssetType])),
    ("POST", "/v3_0/assets/default_asset_view"): RouteDoc(ok(r.Message), body=DefaultAssetView),
    ("POST", "/v3_0/assets/keep_legends_below_graphs"): RouteDoc(ok(r.Message), body=LegendPlacement),
    ("GET", "/v3_0/assets/{id}"): RouteDoc(ok(r.AssetBody)),
    ("PATCH", "/v3_0/assets/{id}"): RouteDoc(ok(r.AssetBody), body=AssetPatch, errors=ASSET_REFUSED),
    ("DELETE", "/v3_0/assets/{id}"): RouteDoc(NO_CONTENT),
    ("GET", "/v3_0/assets/{id}/sensors"): RouteDoc(ok(ListOrPage(r.SensorBody)), query=AssetSensorsArgs, errors=PAST_THE_END),
    ("GET", "/v3_0/assets/{id}/auditlog"): RouteDoc(ok(ListOrPage(r.AuditEntry)), query=AuditLogArgs, errors=PAST_THE_END),
    ("POST", "/v3_0/assets/{id}/copy"): RouteDoc(
        {201: Answer(r.AssetCopied, "Copied: the asset, its child assets and their sensors (not their data).")},
        query=CopyArgs, notes="Without `account` or `parent` the copy is made beside the original."),
    ("GET", "/v3_0/assets/{id}/kpis"): RouteDoc(ok(r.Kpis), query=KpiArgs, sign=r.PRODUCTION_POSITIVE),
    ("GET", "/v3_0/assets/{id}/chart"): RouteDoc(
        ok(r.Chart, "A Vega-Lite specification, as JSON text.", HTML), query=ChartArgs, sign=r.PRODUCTION_POSITIVE),
    ("GET", "/v3_0/assets/{id}/chart_data"): RouteDoc(
        ok(CHART_DATA, "The beliefs of the sensors to show, as JSON text.", HTML), query=ChartDataArgs,
        sign=r.PRODUCTION_POSITIVE),
    ("GET", "/v3_0/assets/{id}/chart_annotations"): RouteDoc(
        ok(list[r.ChartAnnotation], "The annotations of the asset and its account, as JSON text.", HTML),
        query=ChartAnnotationArgs),
    ("GET", "/v3_0/assets/{id}/jobs"): RouteDoc(ok(r.AssetJobs)),
    # annotations
    ("POST", "/v3_0/accounts/{id}/annotations"): RouteDoc(ANNOTATED, body=AnnotationBody),
    ("POST", "/v3_0/assets/{id}/annotations"): RouteDoc(ANNOTATED, body=AnnotationBody),
    ("POST", "/v3_0/sensors/{id}/annotations"): RouteDoc(ANNOTATED, body=AnnotationBody),
    # automations
    ("GET", "/v3_0/assets/{id}/automations"): RouteDoc(ok(r.Automations)),
    ("POST", "/v3_0/assets/{id}/automations"): RouteDoc({201: Answer(r.AutomationDetails, "Created.")},
                                                        body=AutomationCreation),
    ("GET", "/v3_0/assets/{id}/automations/{automation_id}"): RouteDoc(AUTOMATION),
    ("PATCH", "/v3_0/assets/{id}/automations/{automation_id}"): RouteDoc(AUTOMATION, body=AutomationUpdate),
    ("DELETE", "/v3_0/assets/{id}/automations/{automation_id}"): RouteDoc(NO_CONTENT),
    ("POST", "/v3_0/assets/{id}/automations/{automation_id}/trigger"): RouteDoc(
        {202: Answer(r.AutomationRun, "One run was queued now (inactive or not); its recurrence is unchanged.")},
        errors={422: Answer(r.Unprocessable, "The run's parameters are no longer accepted: `message` says why.")}),
    # users
    ("GET", "/v3_0/users"): RouteDoc(ok(ListOrPage(r.UserBody)), query=UserListArgs, errors=PAST_THE_END),
    ("POST", "/v3_0/users"): RouteDoc({201: Answer(r.UserBody, "Created (with a random password).")},
                                      body=UserCreate),
    ("GET", "/v3_0/users/{id}"): RouteDoc(ok(r.UserBody)),
    ("PATCH", "/v3_0/users/{id}"): RouteDoc(ok(r.UserBody), body=UserPatch),
    ("GET", "/v3_0/users/{id}/auditlog"): RouteDoc(ok(ListOrPage(r.AuditEntry)), query=AuditLogArgs, errors=PAST_THE_END),
    ("PATCH", "/v3_0/users/{id}/password-reset"): RouteDoc(ok(r.Reply, "The reset mail was sent.")),
    # accounts
    ("GET", "/v3_0/accounts"): RouteDoc(ok(ListOrPage(r.AccountBody)), query=AccountListArgs, errors=PAST_THE_END),
    ("POST", "/v3_0/accounts"): RouteDoc({201: Answer(r.AccountBody, "Created.")}, body=AccountCreate),
    ("GET", "/v3_0/accounts/{id}"): RouteDoc(ok(r.AccountBody)),
    ("PATCH", "/v3_0/accounts/{id}"): RouteDoc(ok(r.AccountBody), body=AccountPatch),
    ("GET", "/v3_0/accounts/{id}/auditlog"): RouteDoc(ok(list[r.AccountAuditEntry], "Oldest first, unpaginated.")),
    # data sources
    ("GET", "/v3_0/sources"): RouteDoc(ok(r.SourceListing), query=SourceListArgs),
    # sensors
    ("GET", "/v3_0/sensors"): RouteDoc(ok(ListOrPage(r.SensorBody)), query=SensorListArgs, errors=PAST_THE_END),
    ("POST", "/v3_0/sensors"): RouteDoc({201: Answer(r.SensorBody, "Created.")}, body=SensorCreate),
    ("GET", "/v3_0/sensors/{id}"): RouteDoc(ok(r.SensorBody)),
    ("PATCH", "/v3_0/sensors/{id}"): RouteDoc(ok(r.SensorBody), body=SensorPatch),
    ("DELETE", "/v3_0/sensors/{id}"): RouteDoc(NO_CONTENT),
    ("DELETE", "/v3_0/sensors/{id}/data"): RouteDoc(NO_CONTENT, body=DataDeletion, body_required=False),
    ("GET", "/v3_0/sensors/{id}/stats"): RouteDoc(ok(r.Reply, "Statistics per data source."), query=StatsArgs,
                                                  sign=r.PRODUCTION_POSITIVE),
    ("GET", "/v3_0/sensors/{id}/status"): RouteDoc(ok(r.SensorStatus)),
    # sensor data
    ("POST", "/v3_0/sensors/data"): RouteDoc(DATA_RECEIVED, body=PostData, sign=r.PRODUCTION_POSITIVE,
                                             errors=DATA_REFUSED),
    ("POST", "/v3_0/sensors/{id}/data"): RouteDoc(DATA_RECEIVED, body=PostDataById, sign=r.PRODUCTION_POSITIVE,
                                                  errors=DATA_REFUSED),
    ("GET", "/v3_0/sensors/data"): RouteDoc(ok(r.SensorData), query=GetData, sign=r.PRODUCTION_POSITIVE),
    ("GET", "/v3_0/sensors/{id}/data"): RouteDoc(ok(r.SensorData), query=GetDataById, sign=r.PRODUCTION_POSITIVE),
    ("POST", "/v3_0/sensors/{id}/data/upload"): RouteDoc(DATA_RECEIVED, body=MULTIPART_UPLOAD,
                                                         sign=r.PRODUCTION_POSITIVE, errors=DATA_REFUSED),
    # schedules and jobs
    ("POST", "/v3_0/sensors/{id}/schedules/trigger"): RouteDoc(
        TRIGGERED, body="chalicelib.scheduling.request.SensorTriggerBody"),
    ("POST", "/v3_0/assets/{id}/schedules/trigger"): RouteDoc(
        TRIGGERED, body="chalicelib.scheduling.request.AssetTriggerBody"),
    ("GET", "/v3_0/sensors/{id}/schedules/{uuid}"): RouteDoc(
        ok(r.Schedule, "The schedule, starting at the job's start, trimmed to `duration`."),
        query="chalicelib.api.schedules.ScheduleArgs", sign=r.CONSUMPTION_POSITIVE, errors=SCHEDULE_PENDING),
    # forecasts
    ("POST", "/v3_0/sensors/{id}/forecasts/trigger"): RouteDoc(FORECAST_TRIGGERED, body=ForecastTrigger),
    ("GET", "/v3_0/sensors/{id}/forecasts/{uuid}"): RouteDoc(FORECAST_RESULT, sign=r.PRODUCTION_POSITIVE,
                                                             errors=FORECAST_PENDING),
    ("GET", "/v3_0/jobs/{uuid}"): RouteDoc(
        {200: Answer(r.JobStatus, "Finished."), 202: Answer(r.JobStatus, "Queued or running: poll again."),
         422: Answer(r.JobStatus, "Failed: `exc-info` says why.")},
        errors={404: Answer(r.JobState, "No job with this id: FlexMeasures 1.0.1's `{\"status\": \"ERROR\", "
                                        "\"message\": \"Job <uuid> not found\"}`.")}),
}
