"""Response bodies as pydantic models: what the OpenAPI document shows (and its test checks real responses against).

The API renders its bodies with plain functions (`asset_json`, `sensor_json`, ...), which are faster than pydantic
serialisation on every request; these models describe those bodies. They allow extra keys, as a client must: a
field added to a body is not an error, while a documented field that goes missing or changes type is.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

# Stated once, shown on every body that carries power values (and in the README's endpoint tables).
PRODUCTION_POSITIVE = ("Power values are production-positive, as stored: production (e.g. a battery discharging) is "
                       "positive, consumption negative.")
CONSUMPTION_POSITIVE = ("Power values are consumption-positive by default (the seed's convention): consumption "
                        "(e.g. a battery charging) is positive, production negative, unless the sensor attribute "
                        "`consumption_is_positive` is false. FlexMeasures 1.0.1's `sign-convention` query "
                        "parameter chooses the convention explicitly where it is supported.")


class Reply(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True, populate_by_name=True)


# ---- errors ------------------------------------------------------------------------------------------

class Unauthorized(Reply):
    """401: no token, or one that is invalid or expired."""

    message: str
    status: Literal["UNAUTHORIZED"]


class Forbidden(Reply):
    """403: authenticated, but the account or role may not do this."""

    result: Literal["Rejected"]
    status: Literal["INVALID_SENDER"]
    message: str


class InvalidReplacement(Reply):
    """403 when posted data would replace stored beliefs (FlexMeasures' body, with its plural "results")."""

    results: Literal["Rejected"]
    status: Literal["INVALID_REPLACEMENT"]
    message: str


class HttpError(Reply):
    """A Werkzeug-style error (404 unknown path or id, 405, 400 malformed JSON): an int status."""

    message: str
    status: int


class Unprocessable(Reply):
    """422: the request did not validate. `message` maps the location ("json", "query", "path", ...) to each
    field's messages; a few checks answer one plain message instead."""

    message: dict[str, Any] | str
    result: Literal["Rejected"] | None = None
    status: Literal["UNPROCESSABLE_ENTITY"] | int


class Rejected(Reply):
    """A FlexMeasures rejection with a status word (UNKNOWN_SCHEDULE, UNRECOGNIZED_UDI_EVENT, PAYLOAD_TOO_LARGE,
    TOO_MANY_REQUESTS, ...)."""

    result: Literal["Rejected"]
    status: str
    message: str


class FlexContextError(Reply):
    """422 of an asset's stored flex_context that fails the scheduler's flex-context rules (FlexMeasures' shape)."""

    error: Any
    status: int


class TokenError(Reply):
    """requestAuthToken's error shape."""

    errors: list[str]
    status: int


# ---- shared bodies -----------------------------------------------------------------------------------

class Processed(Reply):
    status: Literal["PROCESSED"]
    message: str


class DataReceived(Reply):
    """Sensor data accepted; ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED when none of it was new."""

    status: Literal["PROCESSED", "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"]
    message: str


class Message(Reply):
    message: str
    status: int


class Named(Reply):
    id: int
    name: str


class PageOf(Reply):
    """A page of a listing (when `page` is given): the datatables-style envelope."""

    data: list[dict[str, Any]]
    num_records: int = Field(alias="num-records")
    filtered_records: int = Field(alias="filtered-records")


# ---- public ------------------------------------------------------------------------------------------

class VersionList(Reply):
    message: str
    versions: list[str]
    flexmeasures_version: str


class AuthToken(Reply):
    auth_token: str = Field(description="Send it as is (no 'Bearer') in the Authorization header.")
    user_id: int
    status: int


class Service(Reply):
    url: str
    name: str
    description: str


class ServiceListing(Processed):
    services: list[Service]
    version: str


class Readiness(Reply):
    database_sql: bool
    queue: bool


# ---- assets ------------------------------------------------------------------------------------------

class AssetBody(Reply):
    id: int
    name: str
    account_id: int | None
    owner: Named | None = None
    latitude: float | None
    longitude: float | None
    generic_asset_type_id: int
    generic_asset_type: dict[str, Any] | None = None
    parent_asset_id: int | None
    child_assets: list[dict[str, Any]] = []
    sensors: list[Named] = []
    attributes: str = Field(description="JSON-encoded object.")
    sensors_to_show: str = Field(description="JSON-encoded list.")
    flex_context: str = Field(description="JSON-encoded object.")
    sensors_to_show_as_kpis: str = Field(description="JSON-encoded list.")


def _all_optional(model: type[Reply], name: str, doc: str) -> type[Reply]:
    """`model` with every field optional: a body that holds some of its fields, as they are in `model`."""
    fields = {key: (info.annotation | None, Field(None, alias=info.alias, description=info.description))
              for key, info in model.model_fields.items()}
    return create_model(name, __base__=Reply, __doc__=doc, **fields)


PickedAsset = _all_optional(AssetBody, "PickedAsset", "An asset of a listing with `fields` (FlexMeasures 1.0): only "
                                                      "the fields named there.")
LISTED_ASSET = AssetBody | PickedAsset


class AssetType(Reply):
    id: int
    name: str
    description: str | None = None


class AuditEntry(Reply):
    event: str
    event_datetime: str = Field(description="Naturalized in the requesting user's timezone, e.g. 'today'.")
    active_user_name: str | None
    active_user_id: int | None


class Job(Reply):
    job_id: str
    queue: str
    asset_or_sensor_type: Literal["asset", "sensor"]
    entity: str
    status: str
    err: str | None
    enqueued_at: str | None
    metadata: str
    metadata_hash: str


class AssetJobs(Reply):
    jobs: list[Job]
    redis_connection_err: str | None
    status: int


class Kpi(Reply):
    title: str | None
    unit: str
    sensor: int
    downsample_value: float
    downsample_function: Literal["sum", "mean", "min", "max"]


class Kpis(Reply):
    data: list[Kpi]


class Chart(Reply):
    """A Vega-Lite specification (`include_data` inlines the data)."""


# ---- sensors -----------------------------------------------------------------------------------------

class SensorBody(Reply):
    id: int
    name: str
    unit: str
    timezone: str
    event_resolution: str = Field(description="ISO 8601 duration, e.g. PT15M.")
    entity_address: str
    attributes: str = Field(description="JSON-encoded object.")
    generic_asset_id: int


class SensorStatus(Reply):
    sensors_data: list[dict[str, Any]]
    status: int


class SensorData(Processed):
    values: list[float | None]
    start: str
    duration: str
    unit: str
    resolution: str


# ---- schedules and jobs ------------------------------------------------------------------------------

class TriggerProcessed(Processed):
    """The seed's answer: 200 PROCESSED with the job id in `schedule`."""

    schedule: str = Field(description="The job id (a UUID); fetch the schedule with it.")


class TriggerAccepted(Reply):
    """FlexMeasures 1.0.1's answer: 202 ACCEPTED, with links to poll the job and fetch its results."""

    status: Literal["ACCEPTED"]
    message: str
    job: str
    job_url: str = Field(alias="job-url")
    results_url: str | None = Field(None, alias="results-url")
    schedule: str | None = None


class Schedule(Processed):
    scheduler_info: dict[str, Any]
    values: list[float]
    start: str
    duration: str
    unit: str
    costs: Any = None


class JobStatus(Reply):
    """GET /jobs/<uuid> (FlexMeasures 1.0.1): 200 when finished, 202 while queued or running, 422 when failed."""

    status: str = Field(description="The job's state in capitals: QUEUED, STARTED, FINISHED, FAILED, ...")
    message: str
    result: Any = None
    func_name: str | None = Field(None, alias="func-name")
    origin: str | None = None
    enqueued_at: str | None = Field(None, alias="enqueued-at")
    started_at: str | None = Field(None, alias="started-at")
    ended_at: str | None = Field(None, alias="ended-at")
    exc_info: str | None = Field(None, alias="exc-info")


# ---- users and accounts ------------------------------------------------------------------------------

class UserBody(Reply):
    id: int
    email: str
    username: str
    account_id: int
    active: bool
    timezone: str
    flexmeasures_roles: list[int | str]
    last_login_at: str | None
    last_seen_at: str | None


class AccountBody(Reply):
    id: int
    name: str
    primary_color: str | None = None
    secondary_color: str | None = None
    logo_url: str | None = None
    attributes: str | None = Field(None, description="JSON-encoded object.")
    account_roles: list[dict[str, Any]] = []
    consultancy_account_id: int | None = None
    plan_id: int | None = None


class AccountAuditEntry(Reply):
    """GET /accounts/<id>/auditlog rows: FlexMeasures 1.0.1 shows these three fields only."""

    event: str
    event_datetime: str
    active_user_id: int | None


# ---- annotations and data sources --------------------------------------------------------------------

class Annotation(Reply):
    id: int
    source: int = Field(description="The id of the annotating user's data source.")
    content: str
    start: str
    end: str
    type: Literal["alert", "holiday", "label", "feedback", "warning", "error"]
    prior: str | None = Field(description="The belief time, if one was given.")


class ChartAnnotation(Reply):
    """One row of chart_annotations: times in epoch milliseconds, text wrapped into lines, annotations that end
    at the same time stacked into one."""

    index: int
    start: int
    end: int
    belief_time: int | None
    source: str = Field(description="The source's description.")
    type: str
    content: list[str]


class Source(Reply):
    id: int
    name: str
    type: str
    description: str
    model: str | None = None
    version: str | None = None
    account_id: int | None = None
    user_id: int | None = None


class SourceListing(Reply):
    types: list[str] = Field(description="FlexMeasures' default source types first, then the other stored ones.")
    sources: list[Source]


class AssetCopied(Message):
    asset: int = Field(description="The id of the copy (the copied tree's root).")


# ---- forecasts ---------------------------------------------------------------------------------------

class ForecastProcessed(Processed):
    """The legacy job-response style: 200 PROCESSED with the job id in `forecast`."""

    forecast: str = Field(description="The job id (a UUID); fetch the forecast with it.")


class ForecastAccepted(TriggerAccepted):
    """FlexMeasures 1.0.1's answer: 202 ACCEPTED; `forecast` repeats the job id (its legacy key)."""

    forecast: str


class Forecast(Reply):
    """A finished forecasting job's values: FlexMeasures sends these four keys only."""

    start: str
    duration: str
    values: list[float | None]
    unit: str


class JobState(Reply):
    """A job that has not (successfully) finished: its state in capitals (QUEUED, STARTED, FAILED, ...) and why."""

    status: str
    message: str


# ---- automations -------------------------------------------------------------------------------------

class Automation(Reply):
    """An automation as FlexMeasures lists it: times as clock times in the automation's own timezone."""

    id: int
    asset: int
    type: Literal["forecasting", "scheduling"]
    name: str
    cron: str
    timezone: str
    cursor: str | None
    next_run: str | None = Field(alias="next-run", description="None while inactive.")
    recurrence_description: str = Field(alias="recurrence-description")
    schedule_revision: int = Field(alias="schedule-revision")
    active: bool
    created_at: str = Field(alias="created-at")


class Automations(Reply):
    automations: list[Automation]


class SensorRef(Reply):
    id: int
    name: str | None


class LatestJob(Reply):
    job: str
    status: str
    enqueued_at: str | None = Field(alias="enqueued-at")


class AutomationDetails(Automation):
    parameters: dict[str, Any]
    config: dict[str, Any] | None = Field(None, description="Forecasting automations only.")
    input_sensors: list[SensorRef] = Field(alias="input-sensors")
    output_sensors: list[SensorRef] = Field(alias="output-sensors")
    latest_job: LatestJob | None = Field(alias="latest-job")


class AutomationRun(Reply):
    status: Literal["ACCEPTED"]
    message: str
    job: str
    n_jobs: int = Field(alias="n-jobs")


# ---- webhooks (flexcloud's own) -----------------------------------------------------------------------

class WebhookBody(Reply):
    id: int
    account_id: int
    url: str
    events: list[Literal["job.finished", "job.failed"]]
    assets: list[int] = Field(description="Only jobs of these assets are sent (empty: every asset of the account).")
    created_at: str
    status: int | None = None


class RegisteredWebhook(WebhookBody):
    secret: str = Field(description="The signing secret, shown only in this answer: HMAC-SHA256 over "
                                    "`<X-Flexcloud-Timestamp>.<body>` gives `X-Flexcloud-Signature: v1=<hex>`.")


class WebhookDelivery(Reply):
    delivery: str
    event: Literal["job.finished", "job.failed"]
    job: str
    attempt: int
    outcome: str
    status_code: int | None = None
    error: str | None = None
    started_at: str
    ended_at: str
