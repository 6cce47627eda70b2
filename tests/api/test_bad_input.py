"""Bad input on every route: never a 500, always a 4xx in one of FlexMeasures' error shapes, nothing half-written.

One world (accounts, users, assets, sensors) is built per test module; each route then gets malformed and
wrong-shaped bodies, every known field (nested ones too) replaced by absurd values, odd path ids and odd query
strings, as an admin and as a plain user. `ROUTES` must name every route of the app, so a new route cannot
escape this test.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings, strategies as st
from pynamodb.attributes import NumberAttribute

from app import app
from chalicelib.errors import FORBIDDEN_MESSAGE, UNAUTHORIZED_MESSAGE
from chalicelib.schemas.entity_address import build
from chalicelib.services import webhook_addresses
from chalicelib.store import asset_types, automations, tables, webhooks
from tests.api.client import Api
from tests.factories import make_account, make_asset, make_sensor, make_site, make_user
from tests.webhook_receivers import fake_resolve

START = "2025-01-01T00:00:00+00:00"
LOCATIONS = {"json", "query", "path", "path_and_files", "args_and_json", "form"}

# Values that are wrong for (nearly) every field somewhere: types, sizes, signs, formats.
ABSURD_VALUES: list[Any] = [
    None, "", "x" * 5000, 10 ** 30, -10 ** 30, 10 ** 45, -1, 0, 1.5, True, [], {}, [1, "a"], {"a": None},
    float("inf"), float("nan"), "not-a-date", "2025-01-01T00:00:00", "-PT1H", "P99999999Y", "PT0.5S",
    "9" * 40, "\u0000", "kW\n", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "P999999999D",
]
# Too large to store in one DynamoDB item (sent once per field, by the admin only).
HUGE_VALUE = "x" * 500_000
ABSURD_QUERY_VALUES = ["", "abc", "-1", "0", "1.5", "9" * 30, "9" * 45, "2025-01-01T00:00:00", "-PT1H", "P99999999Y",
                       '"unbalanced', "x" * 3000, "\u00ff", "true", "NaN", "1e999", "0001-01-01T00:00:00+00:00",
                       "9999-12-31T23:59:59+00:00", "P999999999D"]
RAW_QUERIES = ["&&&", "=", "page", "page=1&page=x", "a=%ff", "%zz=1", "page=%00", "filter=%22", "per_page=-5&page=0"]
# Whole bodies: malformed JSON, non-objects, odd encodings, absurd nesting.
RAW_BODIES: list[tuple[bytes, str]] = [
    (b'{"a":', "application/json"), (b"[]", "application/json"), (b"[{}]", "application/json"),
    (b'"text"', "application/json"), (b"42", "application/json"), (b"null", "application/json"),
    (b"true", "application/json"), (b"\xff\xfe\x00", "application/json"), (b"{}", "application/json"),
    (b'{"no_such_field": 1}', "application/json"), (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "application/json"), (b"NaN", "application/json"),
    (b"name=x&unit=kW", "application/x-www-form-urlencoded"), (b'{"name": "x"}', "text/plain"),
    (b"--b\r\n\r\n--b--", "multipart/form-data; boundary=b"),
]
BAD_INTS = ["abc", "1.5", "-1", "0", "9" * 30, "9" * 45, "999999", "1e3", "%20", "0x1"]
_SERIALIZE_NUMBER = NumberAttribute.serialize
BAD_UUIDS = ["not-a-uuid", str(uuid.uuid4()), "0" * 500, "%2e%2e", "-1"]
# Names that are not one of the documentation page's static files (paths out of the package included).
BAD_FILES = ["index.html", "swagger-ui.css.map", "..%2F..%2Fapp.py", "%2e%2e", "x" * 300, "%00"]
STATIC_FILE = "swagger-ui.css"


@dataclass
class World:
    api: Api
    admin: str
    user: str
    ids: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(_moto) -> Iterator[World]:
    """A small world shared by the route cases (bad input must not change it; where a case succeeds it may)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"FLEXCLOUD_TABLE_PREFIX": "badinput", "FLEXCLOUD_UPLOADS_BUCKET": "badinput-uploads",
                           "FLEXCLOUD_SCHEDULE_QUEUE": "badinput-jobs",
                           "FLEXCLOUD_SCHEDULE_DLQ": "badinput-jobs-dlq", "FLEXCLOUD_FORECAST_QUEUE": "badinput-fc",
                           "FLEXCLOUD_FORECAST_DLQ": "badinput-fc-dlq",
                           "FLEXCLOUD_AUTOMATION_GROUP": "badinput-automations",
                           "FLEXCLOUD_WEBHOOK_QUEUE": "badinput-hooks",
                           "FLEXCLOUD_WEBHOOK_DLQ": "badinput-hooks-dlq"}.items():
            mp.setenv(key, value + uuid.uuid4().hex[:6])
        mp.setattr(NumberAttribute, "serialize", _as_dynamodb_serializes)
        mp.setattr(webhook_addresses, "resolve", fake_resolve)  # webhook URLs never reach real DNS
        tables.create_tables()
        tables.create_bucket()
        tables.create_queues()
        tables.create_schedule_group()
        tables.verify_mail_sender()

        admins, own, other = make_account("Admins"), make_account("Own"), make_account("Other")
        admin = make_user(account=admins, roles=["admin"], username="admin")
        user = make_user(account=own, username="plain")
        victim = make_user(account=own, username="victim")
        stranger = make_user(account=other, username="stranger")
        kind = asset_types.create("battery")
        site = make_asset(account=own, name="site", type=kind)
        parent = make_asset(account=own, name="parent", type=kind)
        other_site = make_asset(account=other, name="other site", type=kind)
        doomed_site = make_asset(account=own, name="doomed", type=kind)
        power = make_sensor(site, name="power")
        other_power = make_sensor(other_site, name="power")
        doomed_power = make_sensor(site, name="doomed")
        automation = automations.create(asset_id=site.id, type="forecasting", name="nightly", cronstr="0 6 * * *",
                                        timezone_name="UTC", active=True, parameters={"sensor": power.id}, config={},
                                        created_by=user.id)
        webhook = webhooks.create(webhooks.new_id(), account_id=own.id, url="https://hooks.example.com/x",
                                  events=["job.finished"], asset_ids=[], secret_salt="unused", created_by=None)
        with Client(app, stage_name="dev") as client:
            yield World(Api(client), admin.token, user.token, {
                "type": kind.id, "account": own.id, "own_account": own.id, "other_account": other.id,
                "admin_email": admin.user.email,
                "asset": site.id, "parent": parent.id, "other_asset": other_site.id, "doomed_asset": doomed_site.id,
                "sensor": power.id, "other_sensor": other_power.id, "doomed_sensor": doomed_power.id,
                "user": victim.id, "other_user": stranger.id, "address": build(power.id, "localhost:8000"),
                "automation": automation.id, "webhook": webhook.id,
            })


def _as_dynamodb_serializes(attribute: Any, value: Any) -> str:
    """moto takes numbers of any length; DynamoDB refuses over 38 significant digits, as this does."""
    from botocore.exceptions import ClientError

    if isinstance(value, int) and len(str(abs(value)).strip("0")) > 38:
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "Attempting to store more than 38 "
                                     "significant digits in a Number"}}, "GetItem")
    return _SERIALIZE_NUMBER(attribute, value)


def _bodies(ids: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A valid body per body kind; each of its leaves is replaced by the absurd values in turn."""
    window = {"start": START, "duration": "PT1H", "unit": "kW", "horizon": "PT0H", "prior": START}
    asset = {"name": "new", "generic_asset_type_id": ids["type"], "latitude": 52.0, "longitude": 4.0,
             "parent_asset_id": ids["parent"], "attributes": '{"a": 1}', "sensors_to_show": f"[{ids['sensor']}]",
             "flex_context": "{}", "sensors_to_show_as_kpis": "[]", "flex_model": '{"soc-max": "1 kWh"}',
             "description": "d", "external_id": "x"}
    storage = {"soc-at-start": 10, "soc-unit": "kWh", "soc-min": 0, "soc-max": 100, "power-capacity": "10 kW",
               "soc-targets": [{"datetime": "2025-01-01T01:00:00+00:00", "value": 50}],
               "roundtrip-efficiency": "90%"}
    context = {"consumption-price": "10 EUR/MWh", "site-power-capacity": "100 kW",
               "inflexible-device-sensors": [ids["sensor"]]}
    return {
        "token": {"email": ids["admin_email"], "password": "wrong-password"},
        "asset_create": {**asset, "account_id": ids["own_account"]},
        "asset_patch": {**asset, "name": "patched"},
        "default_view": {"default_asset_view": "Graphs", "use_as_default": True},
        "legends": {"keep_legends_below_graphs": False},
        "annotation": {"content": "note", "start": START, "end": "2025-01-01T01:00:00+00:00", "type": "alert",
                       "prior": START},
        "asset_trigger": {"start": START, "duration": "PT2H", "flex-model": [{"sensor": ids["sensor"], **storage}],
                          "flex-context": context, "sequential": False, "resolution": "PT30M"},
        "automation_create": {"name": "nightly", "cron": "0 6 * * *", "timezone": "UTC", "type": "forecasting",
                              "active": True, "parameters": {"sensor": ids["sensor"], "duration": "PT2H"},
                              "config": {"train-period": "P3D"}},
        "automation_patch": {"name": "renamed", "cron": "0 7 * * *", "timezone": "UTC", "active": False},
        "forecast_trigger": {"start": START, "duration": "PT2H", "prior": START, "forecast-frequency": "PT1H",
                             "max-forecast-horizon": "PT1H",
                             "config": {"train-period": "P3D", "missing-threshold": 0.5, "regressors": [ids["sensor"]],
                                        "lower": 0, "upper": 100}},
        "sensor_trigger": {"start": START, "duration": "PT2H", "flex-model": storage, "flex-context": context,
                           "force_new_job_creation": False, "resolution": "PT30M"},
        "sensor_create": {"name": "new", "unit": "kW", "event_resolution": "PT15M",
                          "generic_asset_id": ids["asset"], "timezone": "UTC", "attributes": "{}"},
        "sensor_patch": {"name": "renamed", "unit": "kW", "timezone": "UTC", "event_resolution": "PT15M",
                         "attributes": "{}"},
        "data_post": {"sensor": ids["address"], "values": [1, 2, 3, 4], "type": "PostSensorDataRequest", **window},
        "data_post_by_id": {"values": [1, 2, 3, 4], **window},
        "data_delete": {"source": 1, "start": START, "until": "2025-01-02T00:00:00+00:00"},
        "user_patch": {"email": "victim@example.com", "username": "victim", "active": True,
                       "timezone": "Europe/Amsterdam", "flexmeasures_roles": [4]},
        "account_create": {"name": "new account", "consultancy_account_id": ids["own_account"]},
        "account_patch": {"primary_color": "#123456", "secondary_color": "abc", "logo_url": "https://e.com/l.png",
                          "attributes": '{"a": 1}', "account_roles": [1], "consultancy_account_id": None},
        "user_create": {"email": "fresh@example.com", "username": "fresh", "account_id": ids["own_account"]},
        "webhook_create": {"url": "https://hooks.example.com/flexcloud", "events": ["job.finished", "job.failed"],
                           "assets": [ids["asset"]]},
        "none": {"anything": 1},
    }


_PAGING = {"page": "1", "per_page": "5", "filter": "site", "sort_by": "id", "sort_dir": "asc"}
_WINDOW = {"event_starts_after": START, "event_ends_before": "2025-01-02T00:00:00+00:00",
           "beliefs_after": START, "beliefs_before": "2025-01-02T00:00:00+00:00"}
_DATA_QUERY = {"start": START, "duration": "PT1H", "unit": "kW", "resolution": "PT15M", "horizon": "PT0H",
               "prior": START, "type": "GetSensorDataRequest"}

# (path, method) -> (path-id kind, body kind, known query arguments with a valid value).
ROUTES: dict[tuple[str, str], tuple[str | None, str, dict[str, str]]] = {
    ("/", "GET"): (None, "none", {}),
    ("/requestAuthToken", "POST"): (None, "token", {}),
    ("/v3_0", "GET"): (None, "none", {}),
    ("/v3_0/health/ready", "GET"): (None, "none", {}),
    ("/v3_0/openapi.json", "GET"): (None, "none", {}),
    ("/v3_0/docs", "GET"): (None, "none", {}),
    ("/v3_0/docs/static/{file}", "GET"): (None, "none", {}),
    ("/v3_0/accounts", "GET"): (None, "none", {**_PAGING, "sort_by": "name", "role": "Prosumer", "per-page": "2"}),
    ("/v3_0/accounts", "POST"): (None, "account_create", {}),
    ("/v3_0/accounts/{id}", "GET"): ("account", "none", {}),
    ("/v3_0/accounts/{id}", "PATCH"): ("account", "account_patch", {}),
    ("/v3_0/accounts/{id}/auditlog", "GET"): ("account", "none", {}),
    ("/v3_0/accounts/{id}/annotations", "POST"): ("account", "annotation", {}),
    ("/v3_0/assets/{id}/annotations", "POST"): ("asset", "annotation", {}),
    ("/v3_0/sensors/{id}/annotations", "POST"): ("sensor", "annotation", {}),
    ("/v3_0/assets/{id}/chart_annotations", "GET"): ("asset", "none", {"start": START, "duration": "PT1H",
                                                                     "prior": START, "beliefs-after": START,
                                                                     "clip": "false"}),
    ("/v3_0/accounts/{id}/webhooks", "POST"): ("account", "webhook_create", {}),
    ("/v3_0/accounts/{id}/webhooks", "GET"): ("account", "none", {}),
    ("/v3_0/accounts/{id}/webhooks/{webhook_id}", "DELETE"): ("account", "none", {}),
    ("/v3_0/accounts/{id}/webhooks/{webhook_id}/deliveries", "GET"): ("account", "none",
                                                                      {"page": "1", "per_page": "5"}),
    ("/v3_0/assets", "GET"): (None, "none", {**_PAGING, "account_id": "{own_account}", "all_accessible": "true",
                                            "include_public": "yes", "account": "{own_account}", "fields": "id|name",
                                            "root": "{asset}", "depth": "1", "asset_type": "{type}",
                                            "per-page": "3", "sort-by": "name", "sort-dir": "desc"}),
    ("/v3_0/assets", "POST"): (None, "asset_create", {}),
    ("/v3_0/assets/default_asset_view", "POST"): (None, "default_view", {}),
    ("/v3_0/assets/keep_legends_below_graphs", "POST"): (None, "legends", {}),
    ("/v3_0/assets/public", "GET"): (None, "none", {**_PAGING, "fields": "id|owner"}),
    ("/v3_0/assets/types", "GET"): (None, "none", {}),
    ("/v3_0/assets/{id}", "GET"): ("asset", "none", {}),
    ("/v3_0/assets/{id}", "PATCH"): ("asset", "asset_patch", {}),
    ("/v3_0/assets/{id}", "DELETE"): ("doomed_asset", "none", {}),
    ("/v3_0/assets/{id}/copy", "POST"): ("asset", "none", {"account": "{own_account}", "parent": "{parent}"}),
    ("/v3_0/assets/{id}/auditlog", "GET"): ("asset", "none", {**_PAGING, "sort_by": "event_datetime"}),
    ("/v3_0/assets/{id}/chart", "GET"): ("asset", "none", {**_WINDOW, "include_data": "true", "combine_legend": "0",
                                                         "dataset_name": "d", "height": "300", "width": "300",
                                                         "chart_type": "chart_for_multiple_sensors",
                                                         "include-asset-annotations": "true",
                                                         "include_account_annotations": "1", "duration": "PT1H",
                                                         "prior": START}),
    ("/v3_0/assets/{id}/chart_data", "GET"): ("asset", "none", {**_WINDOW, "most_recent_beliefs_only": "true",
                                                              "compress_json": "false"}),
    ("/v3_0/assets/{id}/jobs", "GET"): ("asset", "none", {}),
    ("/v3_0/assets/{id}/automations", "GET"): ("asset", "none", {}),
    ("/v3_0/assets/{id}/automations", "POST"): ("asset", "automation_create", {}),
    ("/v3_0/assets/{id}/automations/{automation_id}", "GET"): ("asset", "none", {}),
    ("/v3_0/assets/{id}/automations/{automation_id}", "PATCH"): ("asset", "automation_patch", {}),
    ("/v3_0/assets/{id}/automations/{automation_id}", "DELETE"): ("asset", "none", {}),
    ("/v3_0/assets/{id}/automations/{automation_id}/trigger", "POST"): ("asset", "none", {}),
    ("/v3_0/assets/{id}/kpis", "GET"): ("asset", "none", {"start": START, "end": "2025-01-02T00:00:00+00:00"}),
    ("/v3_0/assets/{id}/schedules/trigger", "POST"): ("asset", "asset_trigger", {}),
    ("/v3_0/assets/{id}/sensors", "GET"): ("asset", "none", {**_PAGING, "sort_by": "resolution"}),
    ("/v3_0/jobs/{uuid}", "GET"): (None, "none", {}),
    ("/v3_0/sensors", "GET"): (None, "none", {**_PAGING, "asset_id": "{asset}", "unit": "kW",
                                             "include_consultancy_clients": "1", "include_public_assets": "on"}),
    ("/v3_0/sensors", "POST"): (None, "sensor_create", {}),
    ("/v3_0/sensors/data", "POST"): (None, "data_post", {}),
    ("/v3_0/sensors/data", "GET"): (None, "none", {**_DATA_QUERY, "sensor": "{address}"}),
    ("/v3_0/sensors/{id}", "GET"): ("sensor", "none", {}),
    ("/v3_0/sensors/{id}", "PATCH"): ("sensor", "sensor_patch", {}),
    ("/v3_0/sensors/{id}", "DELETE"): ("doomed_sensor", "none", {}),
    ("/v3_0/sensors/{id}/data", "DELETE"): ("sensor", "data_delete", {}),
    ("/v3_0/sensors/{id}/data", "POST"): ("sensor", "data_post_by_id", {}),
    ("/v3_0/sensors/{id}/data", "GET"): ("sensor", "none", _DATA_QUERY),
    ("/v3_0/sensors/{id}/data/upload", "POST"): ("sensor", "none", {"belief-time-measured-instantly": "true"}),
    ("/v3_0/sensors/{id}/schedules/trigger", "POST"): ("sensor", "sensor_trigger", {}),
    ("/v3_0/sensors/{id}/forecasts/trigger", "POST"): ("sensor", "forecast_trigger", {}),
    ("/v3_0/sensors/{id}/forecasts/{uuid}", "GET"): ("sensor", "none", {}),
    ("/v3_0/sensors/{id}/schedules/{uuid}", "GET"): ("sensor", "none", {"duration": "PT1H", "unit": "kW",
                                                                        "sign-convention": "wysiwyg"}),
    ("/v3_0/sensors/{id}/stats", "GET"): ("sensor", "none", {"sort": "false", "event_start_time": START,
                                                            "event_end_time": "2025-01-02T00:00:00+00:00"}),
    ("/v3_0/sensors/{id}/status", "GET"): ("sensor", "none", {}),
    ("/v3_0/sources", "GET"): (None, "none", {"only_latest": "false"}),
    ("/v3_0/users", "GET"): (None, "none", {**_PAGING, "account_id": "{own_account}", "include_inactive": "true",
                                           "sort_by": "email"}),
    ("/v3_0/users", "POST"): (None, "user_create", {}),
    ("/v3_0/users/{id}", "GET"): ("user", "none", {}),
    ("/v3_0/users/{id}", "PATCH"): ("user", "user_patch", {}),
    ("/v3_0/users/{id}/auditlog", "GET"): ("user", "none", {**_PAGING, "sort_by": "event_datetime"}),
    ("/v3_0/users/{id}/password-reset", "PATCH"): ("user", "none", {}),
}


def _app_routes() -> set[tuple[str, str]]:
    return {(path, method) for path, entries in app.routes.items() for method, entry in entries.items()
            if not getattr(entry.view_function, "is_fallback", False)}


def test_every_route_is_covered():
    assert set(ROUTES) == _app_routes()


def _leaves(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Paths to every key and list item of a body (nested ones too)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield prefix + (key,)
        yield from _leaves(child, prefix + (key,))


def _replaced(body: Any, where: tuple, new: Any) -> Any:
    if not where:
        return new
    copy = json.loads(json.dumps(body))
    node = copy
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = new
    return copy


@dataclass
class Case:
    label: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str | None = None


def _cases(route: tuple[str, str], ids: dict[str, Any], full: bool) -> Iterator[Case]:
    """Every bad request for one route; `full` adds every absurd value for every field (else every third)."""
    path_template, method = route
    id_kind, body_kind, query_template = ROUTES[route]
    known_query = {key: value.format(**ids) for key, value in query_template.items()}
    own_id = str(ids[id_kind]) if id_kind else ""
    other_id = str(ids.get("other_" + id_kind.replace("doomed_", ""), "")) if id_kind else ""
    # Ids of another account, wherever an id (or anything) is expected.
    foreign = [ids[key] for key in ("other_asset", "other_sensor", "other_account", "other_user")]

    def path_with(id_value: str = own_id, uuid_value: str = str(uuid.uuid4()), file: str = STATIC_FILE) -> str:
        return "/api" + path_template.replace("{id}", id_value).replace("{uuid}", uuid_value).replace(
            "{file}", file).replace("{automation_id}", str(ids["automation"])).replace(
            "{webhook_id}", str(ids["webhook"]))

    if "{id}" in path_template:
        for bad in BAD_INTS + [other_id]:
            yield Case(f"path id {bad!r}", path_with(bad))
    if "{uuid}" in path_template:
        for bad in BAD_UUIDS:
            yield Case(f"path uuid {bad[:20]!r}", path_with(uuid_value=bad))
    if "{file}" in path_template:
        for bad in BAD_FILES:
            yield Case(f"path file {bad[:20]!r}", path_with(file=bad))
    path = path_with()
    for raw in RAW_QUERIES:
        yield Case(f"query {raw!r}", path, query=raw)
    values = ABSURD_QUERY_VALUES + [str(i) for i in foreign] if full else ABSURD_QUERY_VALUES[::3]
    for key in known_query:
        for bad in values:
            query = {**known_query, key: bad}
            yield Case(f"query {key}={bad[:20]!r}", path, query=_urlencode(query))
    if path_template.endswith("/upload"):
        for label, body, content_type in _uploads():
            yield Case(label, path, body=body, content_type=content_type)
    if method == "GET" and body_kind == "none":
        yield Case("GET with malformed JSON body", path, body=b'{"a":', content_type="application/json")
        return
    for raw_body, content_type in RAW_BODIES:
        yield Case(f"body {raw_body[:20]!r} as {content_type}", path, body=raw_body, content_type=content_type)
    base = _bodies(ids)[body_kind]
    yield Case("unknown field", path, body=json.dumps({**base, "no_such_field": 1}).encode(),
               content_type="application/json")
    values = ABSURD_VALUES + foreign + [HUGE_VALUE] if full else ABSURD_VALUES[::3]
    for where in _leaves(base):
        for bad in values:
            yield Case(f"field {where}={str(bad)[:20]!r}", path, body=json.dumps(_replaced(base, where, bad)).encode(),
                       content_type="application/json")
    if other_id and body_kind != "none":
        yield Case("valid body, another account's id", path_with(other_id), body=json.dumps(base).encode(),
                   content_type="application/json")


def _multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "b0undary") -> tuple[bytes, str]:
    """(field name, file name or None, content) parts as multipart/form-data."""
    chunks = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _uploads() -> Iterator[tuple[str, bytes, str]]:
    """Uploads with broken files, names and form fields."""
    files = {
        "junk csv": ("x.csv", b"a,b\nx,y\n\x00\xff,"), "empty csv": ("x.csv", b""),
        "naive dates": ("x.csv", b"event_start,event_value\n2025-01-01T00:00:00,1\n"),
        "absurd values": ("x.csv", b"event_start,event_value\n2025-01-01T00:00:00+00:00,1e999\nnot a date,NaN\n"),
        "one column": ("x.csv", b"2025-01-01T00:00:00+00:00\n"), "junk xlsx": ("x.xlsx", b"PK\x03\x04junk"),
        "junk xls": ("x.xls", b"\xd0\xcf\x11\xe0junk"), "no extension": ("x", b"1"),
        "path in name": ("../../x.csv", b"event_start,event_value\n"), "empty name": ("", b"1"),
    }
    for label, (filename, content) in files.items():
        yield (f"upload {label}", *_multipart([("uploaded-files", filename, content)]))
    good = ("uploaded-files", "x.csv", b"event_start,event_value\n2025-01-01T00:00:00+00:00,1\n")
    extras = {"unknown field": ("nope", None, b"1"), "bad flag": ("belief-time-measured-instantly", None, b"maybe"),
              "bad unit": ("unit", None, b"no-such-unit"), "odd unit": ("unit", None, b"EUR/MWh")}
    for label, extra in extras.items():
        yield (f"upload {label}", *_multipart([good, extra]))
    yield "upload without boundary", b"--x\r\n", "multipart/form-data"
    yield "upload with broken part", b"--b\r\ngarbage\r\n--b--", "multipart/form-data; boundary=b"


def _urlencode(query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def _send(world: World, method: str, case: Case, token: str):
    path = case.path + ("?" + case.query if case.query else "")
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    return world.api.request(method, path, token=token, headers=headers, body=case.body)


def shape_problem(path: str, status: int, headers: dict[str, str], raw: bytes) -> str | None:
    """Why a response breaks the bad-input bar (None when it is fine)."""
    if status >= 500:
        return f"status {status}: {raw[:300]!r}"
    if status < 400:
        return None
    content_type = headers.get("content-type", "")
    chart = path.split("?")[0].rstrip("/").endswith(("/chart", "/chart_data"))
    if not (content_type.startswith("application/json") or chart and content_type.startswith("text/html")):
        return f"content type {content_type!r}"
    try:
        body = json.loads(raw)
    except ValueError:
        return f"body is not JSON: {raw[:200]!r}"
    if not isinstance(body, dict):
        return f"body is not an object: {raw[:200]!r}"
    if _is_error_shape(path, status, body):
        return None
    return f"shape of {status}: {raw[:300]!r}"


def _is_error_shape(path: str, status: int, body: dict[str, Any]) -> bool:
    keys = set(body)
    if path.startswith("/api/requestAuthToken"):
        return keys == {"errors", "status"} and body["status"] == status and isinstance(body["errors"], list)
    if keys == {"results", "status", "message"}:  # FlexMeasures' own spelling for a refused replacement
        return status == 403 and body["status"] == "INVALID_REPLACEMENT" and body["results"] == "Rejected"
    if keys == {"error", "status"}:  # the stored flex-context rules on PATCH /assets (the contract says so)
        return status == 422 and body["status"] == 422 and isinstance(body["error"], str)
    if keys == {"message", "detail", "status"}:  # duplicate email or username
        return status == 400 and body["status"] == 400 and body["message"] == "Duplicate user already exists"
    if keys == {"message", "status"}:
        if status == 404 and "/jobs/" in path:  # FlexMeasures 1.0.1's unknown job: {"status": "ERROR", ...}
            return body["status"] == "ERROR" and isinstance(body["message"], str)
        if status == 401:
            return body == {"message": UNAUTHORIZED_MESSAGE, "status": "UNAUTHORIZED"}
        if path.startswith("/api/v3_0/jobs/") and status == 404:  # FlexMeasures' jobs endpoint: its own body
            return body["status"] == "ERROR" and isinstance(body["message"], str)
        return body["status"] == status and isinstance(body["message"], str)  # Werkzeug-style HTTP error
    if keys != {"message", "result", "status"} or body["result"] != "Rejected":
        return False
    token, message = body["status"], body["message"]
    if status == 403:  # automations name the sensor a creator may not use (by id only)
        return token == "INVALID_SENDER" and (message == FORBIDDEN_MESSAGE or "/automations" in path and (
            message.startswith("You may not ")))
    if status == 422 and "/forecasts/" in path and isinstance(message, str):
        return token == "UNPROCESSABLE_ENTITY"  # FlexMeasures' forecast endpoints say what is wrong in words
    if status == 422:
        return (token == "UNPROCESSABLE_ENTITY" and isinstance(message, dict) and len(message) == 1
                and set(message) <= LOCATIONS and isinstance(next(iter(message.values())), (dict, str)))
    if status == 400:
        return token in {"UNKNOWN_SCHEDULE", "UNRECOGNIZED_UDI_EVENT", "UNKNOWN_FORECAST"} and isinstance(message, str)
    if status == 413:
        return token == "PAYLOAD_TOO_LARGE" and isinstance(message, str)
    return False


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[1]} {r[0]}")
def test_bad_input_gets_a_clear_4xx(world, route):
    failures = []
    tokens = [("admin", world.admin, True), ("user", world.user, False)]
    # Broken tokens: one request each, a 401 in its shape (public routes answer as usual).
    broken = ("garbage", world.user[:-3] + "abc", "x" * 10_000, "\u00e9")
    tokens += [(f"token {bad[:10]!r}", bad, None) for bad in broken]
    for who, token, full in tokens:
        cases = _cases(route, world.ids, bool(full))
        for case in cases if full is not None else [next(cases)]:
            resp = _send(world, route[1], case, token)
            problem = shape_problem(case.path, resp.status, resp.headers, resp.body)
            if problem:
                failures.append(f"{who} {case.label}: {problem}")
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} failures)"


@pytest.mark.parametrize("status, body, ok", [
    (422, {"message": {"json": {"name": ["Unknown field."]}}, "result": "Rejected", "status": "UNPROCESSABLE_ENTITY"},
     True),
    (404, {"message": "Not found", "status": 404}, True),
    (404, {"message": "Not found", "status": 400}, False),
    (422, {"message": "Invalid", "status": "UNPROCESSABLE_ENTITY"}, False),
    (403, {"result": "Rejected", "status": "INVALID_SENDER", "message": "custom"}, False),
    (400, {"error": "bad"}, False),
    (500, {"message": "boom", "status": 500}, False),
])
def test_the_shape_check_itself(status, body, ok):
    problem = shape_problem("/api/v3_0/assets", status, {"content-type": "application/json"}, json.dumps(body).encode())
    assert (problem is None) is ok
    assert shape_problem("/api/v3_0/assets", 404, {"content-type": "text/html"}, b"{}") is not None



# --- random bodies (hypothesis) --------------------------------------------------------------------

_json_scalars = (st.none() | st.booleans() | st.integers(-10 ** 40, 10 ** 40) | st.floats(allow_nan=True)
                 | st.text(max_size=40) | st.sampled_from([START, "PT15M", "-PT1H", "kW", "10 kW", "90%", "{}", "[]"]))
_json_values = st.recursive(_json_scalars, lambda children: st.lists(children, max_size=4)
                            | st.dictionaries(st.text(max_size=12), children, max_size=4), max_leaves=12)
# A longer exploratory run: BAD_INPUT_EXAMPLES=600 pytest tests/api/test_bad_input.py -k random
RANDOM_EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "40"))
WRITE_ROUTES = [("/v3_0/assets", "POST"), ("/v3_0/assets/{id}", "PATCH"), ("/v3_0/sensors", "POST"),
                ("/v3_0/sensors/{id}", "PATCH"), ("/v3_0/sensors/{id}/data", "POST"), ("/v3_0/sensors/data", "POST"),
                ("/v3_0/sensors/{id}/schedules/trigger", "POST"), ("/v3_0/assets/{id}/schedules/trigger", "POST"),
                ("/v3_0/sensors/{id}/forecasts/trigger", "POST"), ("/v3_0/users/{id}", "PATCH"),
                ("/v3_0/assets/{id}/automations", "POST"), ("/v3_0/assets/{id}/automations/{automation_id}", "PATCH")]


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=lambda r: f"{r[1]} {r[0]}")
@settings(max_examples=RANDOM_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_bodies_never_break_a_write(world, route, data):
    """A valid body with some keys dropped and others (known or not) set to random JSON."""
    path_template, method = route
    id_kind, body_kind, _ = ROUTES[route]
    base = _bodies(world.ids)[body_kind]
    dropped = data.draw(st.sets(st.sampled_from(sorted(base))), label="dropped")
    changed = data.draw(st.dictionaries(st.sampled_from(sorted(base)) | st.text(max_size=8), _json_values,
                                        max_size=3), label="changed")
    body = {**{k: v for k, v in base.items() if k not in dropped}, **changed}
    path = "/api" + path_template.replace("{id}", str(world.ids[id_kind]) if id_kind else "").replace(
        "{automation_id}", str(world.ids["automation"]))
    token = data.draw(st.sampled_from([world.admin, world.user]), label="token")
    resp = _send(world, method, Case("random", path, body=json.dumps(body).encode(),
                                     content_type="application/json"), token)
    assert shape_problem(path, resp.status, resp.headers, resp.body) is None, (body, resp.status, resp.body[:300])

# --- nothing half-written ------------------------------------------------------------------------

def _stored() -> dict[str, int]:
    """How many rows each table the write endpoints touch holds (scans are fine in a test)."""
    from chalicelib.store.models import BeliefChunk
    from chalicelib.store.models import Asset, AuditEntry, DataSource, Job, Sensor, UniqueKey

    counts = {model.__name__: sum(1 for _ in model.scan()) for model in
              (Asset, AuditEntry, DataSource, Job, Sensor, UniqueKey)}
    counts["beliefs"] = sum(chunk.count for chunk in BeliefChunk.scan())
    return counts


@pytest.fixture
def site(aws):
    """An account admin's site with a sensor and a child asset."""
    return make_site(account_name=None, asset_name="site", child_name="child", member=False, admin=True,
                     sensors={"sensor": dict(name="power")})


@pytest.fixture
def elsewhere(site):
    """Another account's asset and sensor."""
    return make_site(account_name=None, asset_name="elsewhere", member=False, sensors={"sensor": dict(name="power")})


def _rejected(resp) -> None:
    assert 400 <= resp.status < 500, (resp.status, resp.body[:300])
    assert shape_problem("/api/v3_0", resp.status, resp.headers, resp.body) is None, resp.body[:300]


def test_failed_asset_writes_store_nothing(api, site, elsewhere):
    token, asset, before = site.admin.token, site.asset, _stored()
    good = {"name": "new", "generic_asset_type_id": asset.generic_asset_type_id}
    for body in ({**good, "generic_asset_type_id": 999999}, {**good, "parent_asset_id": elsewhere.asset.id},
                 {**good, "name": "child", "parent_asset_id": asset.id}, {**good, "latitude": 91},
                 {**good, "account_id": elsewhere.asset.account_id}, {**good, "sensors_to_show": "[1, "},
                 {**good, "id": 5}):
        _rejected(api.post("/api/v3_0/assets", json=body, token=token))
    for body in ({"name": "renamed", "latitude": 1000}, {"name": "renamed", "parent_asset_id": elsewhere.asset.id},
                 {"name": "renamed", "parent_asset_id": site.child.id},
                 {"name": "renamed", "generic_asset_type_id": 9},
                 {"name": "renamed", "flex_context": {"site-power-capacity": [1]}}, {"name": "renamed", "id": 1}):
        _rejected(api.patch(f"/api/v3_0/assets/{asset.id}", json=body, token=token))
    assert _stored() == before
    got = api.get(f"/api/v3_0/assets/{asset.id}", token=token).json
    assert (got["name"], got["latitude"], got["parent_asset_id"]) == ("site", None, None)


def test_failed_sensor_writes_store_nothing(api, site, elsewhere):
    token, sensor, before = site.admin.token, site.sensor, _stored()
    good = {"name": "new", "unit": "kW", "event_resolution": "PT15M", "generic_asset_id": site.asset.id}
    for body in ({**good, "unit": "no-such-unit"}, {**good, "name": "power"}, {**good, "event_resolution": "-PT15M"},
                 {**good, "generic_asset_id": elsewhere.asset.id}, {**good, "attributes": "[1]"}):
        _rejected(api.post("/api/v3_0/sensors", json=body, token=token))
    for body in ({"name": "renamed", "unit": "no-such-unit"}, {"name": "renamed", "event_resolution": "PT0.5S"},
                 {"name": "renamed", "id": 3}):
        _rejected(api.patch(f"/api/v3_0/sensors/{sensor.id}", json=body, token=token))
    assert _stored() == before
    assert api.get(f"/api/v3_0/sensors/{sensor.id}", token=token).json["name"] == "power"


def test_rejected_sensor_data_writes_no_beliefs(api, site, elsewhere):
    token, sensor = site.admin.token, site.sensor
    good = {"start": START, "duration": "PT1H", "unit": "kW", "values": [1, 2, 3, 4], "prior": START}
    before = _stored()
    for body in ({**good, "values": [1, 2, "x", 4]}, {**good, "values": [1, 2, 3]}, {**good, "unit": "EUR/MWh"},
                 {**good, "values": [1, 2, 3, 4, 5]}, {**good, "start": "2025-01-01T00:00:00"},
                 {**good, "duration": "-PT1H"}, {**good, "values": []}, {**good, "prior": "yesterday"}):
        _rejected(api.post(f"/api/v3_0/sensors/{sensor.id}/data", json=body, token=token))
        address = api.get(f"/api/v3_0/sensors/{sensor.id}", token=token).json["entity_address"]
        _rejected(api.post("/api/v3_0/sensors/data", json={**body, "sensor": address}, token=token))
    _rejected(api.post(f"/api/v3_0/sensors/{elsewhere.sensor.id}/data", json=good, token=token))
    assert _stored() == before
    assert api.post(f"/api/v3_0/sensors/{sensor.id}/data", json=good, token=token).status == 200
    stored = _stored()
    _rejected(api.post(f"/api/v3_0/sensors/{sensor.id}/data", json={**good, "values": [9, 9, 9, 9]}, token=token))
    assert _stored() == stored  # a refused replacement keeps the first beliefs, all of them


def test_upload_with_one_bad_file_saves_nothing(api, site):
    token, sensor, before = site.admin.token, site.sensor, _stored()
    body, content_type = _multipart([
        ("uploaded-files", "good.csv", b"event_start,event_value\n2025-01-01T00:00:00+00:00,1\n"),
        ("uploaded-files", "bad.csv", b"event_start,event_value\nnot a date,x\n")])
    _rejected(api.post(f"/api/v3_0/sensors/{sensor.id}/data/upload", token=token, body=body,
                       headers={"Content-Type": content_type}))
    after = _stored()
    assert after["beliefs"] == before["beliefs"] and after["AuditEntry"] == before["AuditEntry"]


def test_rejected_triggers_queue_no_job(api, site, elsewhere):
    token, asset, before = site.admin.token, site.asset, _stored()
    storage = {"soc-at-start": 10, "soc-unit": "kWh", "soc-min": 0, "soc-max": 100, "power-capacity": "10 kW"}
    for body in ({"start": START, "flex-model": [{"sensor": elsewhere.sensor.id, **storage}]},
                 {"start": START, "flex-model": [{"sensor": site.sensor.id, **storage, "soc-max": -1}]},
                 {"start": "2025-01-01T00:00:00", "flex-model": [{"sensor": site.sensor.id, **storage}]}):
        _rejected(api.post(f"/api/v3_0/assets/{asset.id}/schedules/trigger", json=body, token=token))
    _rejected(api.post(f"/api/v3_0/sensors/{site.sensor.id}/schedules/trigger", token=token,
                       json={"start": START, "flex-model": {**storage, "soc-unit": "furlong"}}))
    assert _stored() == before


def test_failed_user_patch_changes_nothing(api, site, make_user):
    token, stranger = site.admin.token, make_user()
    colleague = make_user(account=site.account)
    before = _stored()
    for body in ({"username": "renamed", "timezone": "x" * 5000}, {"username": "renamed", "email": "nope"},
                 {"username": "renamed", "flexmeasures_roles": [99]}, {"username": "renamed", "account_id": 1},
                 {"username": stranger.user.username}):
        _rejected(api.patch(f"/api/v3_0/users/{colleague.id}", json=body, token=token))
    _rejected(api.patch(f"/api/v3_0/users/{stranger.id}", json={"username": "renamed"}, token=token))
    assert _stored() == before
    got = api.get(f"/api/v3_0/users/{colleague.id}", token=token).json
    assert (got["username"], got["timezone"]) == (colleague.user.username, colleague.user.timezone)


# --- regressions: inputs that used to be 500s ------------------------------------------------------

def test_deeply_nested_json_is_a_400(api, site):
    resp = api.post("/api/v3_0/assets", token=site.admin.token, body=b"[" * 100_000 + b"]" * 100_000,
                    headers={"Content-Type": "application/json"})
    assert (resp.status, resp.json) == (400, {"message": "Invalid JSON body.", "status": 400})


def test_names_too_long_for_a_dynamodb_key_stay_unique(api, site):
    token, asset = site.admin.token, site.asset
    body = {"name": "x" * 5000, "generic_asset_type_id": asset.generic_asset_type_id, "parent_asset_id": asset.id}
    assert api.post("/api/v3_0/assets", json=body, token=token).status == 201
    again = api.post("/api/v3_0/assets", json=body, token=token)
    assert again.status == 422 and "already exists" in json.dumps(again.json)
    sensor = {"name": "y" * 5000, "unit": "kW", "event_resolution": "PT15M", "generic_asset_id": asset.id}
    assert api.post("/api/v3_0/sensors", json=sensor, token=token).status == 201
    assert api.post("/api/v3_0/sensors", json=sensor, token=token).status == 422


def test_overlong_timezone_is_a_422(api, site, make_user):
    colleague = make_user(account=site.account)
    resp = api.patch(f"/api/v3_0/users/{colleague.id}", json={"timezone": "x" * 300}, token=site.admin.token)
    assert resp.status == 422
    assert resp.json["message"] == {"json": {"timezone": [f"Timezone {'x' * 300} doesn't exist."]}}


def test_path_ids_beyond_dynamodb_numbers_are_404_without_a_lookup(api, site, monkeypatch):
    from chalicelib.store import assets

    looked_up = []
    monkeypatch.setattr(assets, "find", lambda asset_id: looked_up.append(asset_id))
    resp = api.get("/api/v3_0/assets/" + "9" * 39, token=site.admin.token)
    assert resp.status == 404 and resp.json["status"] == 404 and looked_up == []
    assert api.get("/api/v3_0/assets/" + "9" * 38, token=site.admin.token).status == 404
    assert looked_up == [int("9" * 38)]


def test_records_too_large_for_dynamodb_are_413s_storing_nothing(api, site):
    token, asset, sensor = site.admin.token, site.asset, site.sensor
    huge = json.dumps({"notes": "x" * 500_000})
    before = _stored()
    for method, path, body in (
            ("POST", "/api/v3_0/assets", {"name": "big", "generic_asset_type_id": asset.generic_asset_type_id,
                                          "attributes": huge}),
            ("PATCH", f"/api/v3_0/assets/{asset.id}", {"attributes": huge}),
            ("POST", "/api/v3_0/sensors", {"name": "big", "unit": "kW", "event_resolution": "PT15M",
                                           "generic_asset_id": asset.id, "attributes": huge}),
            ("PATCH", f"/api/v3_0/sensors/{sensor.id}", {"attributes": huge})):
        resp = api.request(method, path, json_body=body, token=token)
        assert resp.status == 413 and resp.json["status"] == "PAYLOAD_TOO_LARGE", (path, resp.body[:200])
    assert _stored() == before
    assert api.get(f"/api/v3_0/sensors/{sensor.id}", token=token).json["attributes"] == "{}"


def test_windows_beyond_the_calendar_are_422s(api, site):
    token, asset, sensor = site.admin.token, site.asset, site.sensor
    for path, query in ((f"/api/v3_0/sensors/{sensor.id}/data", {"start": "0001-01-01T00:00:00+00:00",
                                                                  "duration": "PT1H", "unit": "kW"}),
                        (f"/api/v3_0/assets/{asset.id}/chart_data",
                         {"event_starts_after": "0001-01-01T00:00:00+00:00"}),
                        (f"/api/v3_0/sensors/{sensor.id}/data", {"start": "9999-12-31T00:00:00+00:00",
                                                                  "duration": "P2D", "unit": "kW"})):
        resp = api.get(path, query=query, token=token)
        assert resp.status == 422 and resp.json["status"] == 422
        assert "out of the supported range" in resp.json["message"]


def test_series_longer_than_a_request_can_hold_are_422s(api, site):
    from chalicelib.timeseries.resampling import MAX_SLOTS

    token, sensor, before = site.admin.token, site.sensor, _stored()
    too_long = f"P{MAX_SLOTS // 96 + 1}D"  # the sensor has 96 events a day
    resp = api.post(f"/api/v3_0/sensors/{sensor.id}/data", token=token,
                    json={"start": START, "duration": too_long, "unit": "kW", "values": [1, 2]})
    assert resp.status == 422 and list(resp.json["message"]["json"]) == ["duration"]
    assert _stored() == before
    resp = api.get(f"/api/v3_0/sensors/{sensor.id}/data", token=token,
                   query={"start": START, "duration": too_long, "unit": "kW", "resolution": "PT15M"})
    assert resp.status == 422 and list(resp.json["message"]["query"]) == ["duration"]
    ok = api.get(f"/api/v3_0/sensors/{sensor.id}/data", token=token,
                 query={"start": START, "duration": f"P{MAX_SLOTS // 96}D", "unit": "kW", "resolution": "PT15M"})
    assert ok.status == 200 and len(ok.json["values"]) == MAX_SLOTS // 96 * 96


def test_overlong_units_and_quantities_are_refused_before_pint(api, site):
    token, sensor = site.admin.token, site.sensor
    long_text = "k" * 500_000  # pint's parser would take minutes over this
    resp = api.post(f"/api/v3_0/sensors/{sensor.id}/schedules/trigger", token=token,
                    json={"start": START, "flex-model": {"soc-at-start": 1, "soc-unit": "kWh", "soc-max": 10,
                                                         "power-capacity": long_text}})
    assert resp.status == 422
    resp = api.post("/api/v3_0/sensors", token=token, json={"name": "n", "unit": long_text, "event_resolution": "PT15M",
                                                            "generic_asset_id": site.asset.id})
    assert resp.status == 422 and list(resp.json["message"]["json"]) == ["unit"]
