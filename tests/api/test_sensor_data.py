"""POST and GET sensor data, by entity address and by sensor id (contract §8.1, §8.2)."""
from __future__ import annotations

import pytest

from chalicelib.store import beliefs, sources
from tests.expected import entity_address
from tests.factories import make_sensor, make_site

START = "2025-01-01T00:00:00+00:00"


@pytest.fixture
def site(aws):
    return make_site(username="Test Supplier User", sensors={"sensor": dict(name="power", unit="kW", minutes=10)})


def _post(api, site, target=None, **over):
    body = {"sensor": entity_address((target or site.sensor).id), "values": [91.3, 91.7, 92.1], "start": START,
            "duration": "PT30M", "unit": "kW", **over}
    return api.post("/api/v3_0/sensors/data", {k: v for k, v in body.items() if v is not None},
                    token=site.member.token)


def _get(api, site, target=None, **over):
    query = {"sensor": entity_address((target or site.sensor).id), "start": START, "duration": "PT1H20M", "unit": "kW",
             **over}
    return api.get("/api/v3_0/sensors/data", query={k: v for k, v in query.items() if v is not None},
                   token=site.member.token)


def test_post_then_read_resampled_with_null_gaps(api, site):
    r = _post(api, site)
    assert r.status == 200 and r.json == {"status": "PROCESSED", "message": "Request has been processed."}
    got = _get(api, site, resolution="PT20M")
    assert got.status == 200
    assert got.json == {"values": [91.5, 92.1, None, None], "start": START, "duration": "PT1H20M", "unit": "kW",
                        "resolution": "PT20M", "status": "PROCESSED", "message": "Request has been processed."}
    assert _get(api, site, resolution="PT5M", duration="PT30M").json["values"] == [91.3, 91.3, 91.7, 91.7, 92.1, 92.1]
    assert _get(api, site, unit="W", duration="PT30M").json["values"] == [91300.0, 91700.0, 92100.0]
    source = sources.existing_user_source(site.member.user)
    assert (source.type, source.name) == ("user", "Test Supplier User")


def test_reposting_with_horizon_is_already_received_and_a_change_is_a_replacement(api, site):
    assert _post(api, site, horizon="PT0H").status == 200
    again = _post(api, site, horizon="PT0H")
    assert again.status == 200 and again.json == {
        "results": "PROCESSED", "status": "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED",
        "message": "Some of the data has already been received and successfully processed."}
    changed = _post(api, site, horizon="PT0H", values=[91.3, 0, 92.1])
    assert changed.status == 403
    assert (changed.json["results"], changed.json["status"]) == ("Rejected", "INVALID_REPLACEMENT")
    assert _get(api, site, duration="PT30M").json["values"] == [91.3, 91.7, 92.1]


def test_overwrite_allowed_by_setting(api, site, monkeypatch):
    monkeypatch.setenv("FLEXMEASURES_ALLOW_DATA_OVERWRITE", "True")
    _post(api, site, horizon="PT0H")
    assert _post(api, site, horizon="PT0H", values=[1, 2, 3]).status == 200
    assert _get(api, site, duration="PT30M").json["values"] == [1.0, 2.0, 3.0]


def test_without_prior_each_post_is_a_new_belief_and_the_latest_wins(api, site):
    assert _post(api, site).status == 200
    assert _post(api, site, values=[1, 91.7, 3]).status == 200
    assert _get(api, site, duration="PT30M").json["values"] == [1.0, 91.7, 3.0]
    stored = beliefs.read_beliefs(site.sensor.id, *_day())
    assert len(stored) == 5  # the unchanged 91.7 was not stored twice
    # reading as of a prior before the second post gives the first version
    first_time = min(stored.belief_time.tolist())
    from chalicelib.timeseries.beliefs import from_us

    assert _get(api, site, duration="PT30M", prior=from_us(first_time).isoformat()).json["values"] == [91.3, 91.7, 92.1]


def _day():
    from datetime import datetime, timezone

    return datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)


def test_upsampling_by_repetition_nulls_dropped_and_unit_conversion(api, site, make_user):
    sensor = make_sensor(site.asset, name="volume flow", unit="m³/h", minutes=10)
    r = _post(api, site, sensor, values=[6, None], duration="PT40M", unit="m³")
    assert r.status == 200
    # 6 m³ per 20 min, repeated on two 10-min steps, then converted with the sensor's 10-min resolution: 36 m³/h
    assert _get(api, site, sensor, duration="PT40M", unit="m³/h").json["values"] == [36.0, 36.0, None, None]
    all_null = _post(api, site, values=[None, None], duration="PT20M")
    assert all_null.status == 200 and all_null.json["status"] == "ALREADY_RECEIVED_AND_SUCCESSFULLY_PROCESSED"


@pytest.mark.parametrize("over,where,message", [
    ({"duration": "PT15M"}, "_schema",
     "Resolution of 0:05:00 is incompatible with the sensor's required resolution of 0:10:00."),
    ({"unit": "EUR"}, "_schema", "Required unit for this sensor is kW, got incompatible unit: EUR"),
    ({"unit": "blorps"}, "_schema", "Required unit for this sensor is kW, got incompatible unit: blorps"),
    ({"start": "2025-01-01T00:05:00+00:00"}, "start",
     "Start 2025-01-01T00:05:00+00:00 does not lie on the sensor's grid of 0:10:00 steps."),
    ({"start": "2025-01-01T00:00:00"}, "start", "Not a valid aware datetime."),
    ({"values": None}, "values", "Field may not be null."),
    ({"values": []}, "values", "Shorter than minimum length 1."),
    ({"sensor": "ea2.2021-01.io.flexmeasures:fm1.1"}, "sensor",
     "A valid type 1 USEF entity address starts with 'ea1', please review ea2.2021-01.io.flexmeasures:fm1.1"),
    ({"sensor": "ea1.2021-13.io.flexmeasures:fm1.1"}, "sensor", "Could not parse sensor ea1.2021-13.io.flexmeasures:fm1.1."),
    ({"sensor": "ea1.2021-01.io.flexmeasures:fm1.99999"}, "sensor",
     "sensor with entity address ea1.2021-01.io.flexmeasures:fm1.99999 doesn't exist."),
    ({"type": "PostMeterDataRequest", "horizon": "PT1H"}, "_schema", "Meter data must lie in the past."),
    ({"type": "PostPrognosisRequest", "horizon": "-PT1H"}, "_schema", "Prognoses must lie in the future."),
    ({"type": "Bogus"}, "type", None),
    ({"extra": 1}, "extra", "Unknown field."),
])
def test_post_validation_errors_write_nothing(api, site, over, where, message):
    body = {k: v for k, v in over.items() if k != "values"}
    if "values" in over:
        r = api.post("/api/v3_0/sensors/data", {"sensor": entity_address(site.sensor.id), "values": over["values"],
                                                "start": START, "duration": "PT30M", "unit": "kW"},
                     token=site.member.token)
    else:
        r = _post(api, site, **body)
    assert r.status == 422 and r.json["status"] == "UNPROCESSABLE_ENTITY"
    errors = r.json["message"]["json"]
    assert where in errors
    if message:
        assert errors[where] == [message]
    assert len(beliefs.read_beliefs(site.sensor.id, *_day())) == 0


def test_non_numeric_values_are_named_by_index(api, site):
    r = _post(api, site, values=[1, "abc", 3])
    assert r.status == 422 and r.json["message"]["json"] == {"values": {"1": ["Not a valid number."]}}


def test_post_needs_create_children_after_validation(api, site, make_user):
    outsider = make_user()
    body = {"sensor": entity_address(site.sensor.id), "values": [1, 2, 3], "start": START, "duration": "PT30M",
            "unit": "kW"}
    assert api.post("/api/v3_0/sensors/data", body, token=outsider.token).status == 403
    assert api.post("/api/v3_0/sensors/data", {**body, "unit": "EUR"}, token=outsider.token).status == 422
    assert api.post("/api/v3_0/sensors/data", body).status == 401


def test_oversized_body_is_413(api, site):
    big = {"sensor": entity_address(site.sensor.id), "values": [1.123456789] * 700_000, "start": START,
           "duration": "PT30M", "unit": "kW"}
    r = api.post("/api/v3_0/sensors/data", big, token=site.member.token)
    assert r.status == 413 and "upload" in r.json["message"]


def test_get_errors_and_source_filter(api, site, make_user):
    _post(api, site)
    source = sources.existing_user_source(site.member.user)
    assert _get(api, site, duration="PT30M", source=source.id).json["values"] == [91.3, 91.7, 92.1]
    r = _get(api, site, source=9999)
    assert r.status == 422 and r.json["message"]["query"] == {"source": ["No data source found with id 9999."]}
    r = _get(api, site, unit="EUR")
    assert r.status == 422 and r.json["message"]["query"] == {
        "_schema": ["Required unit for this sensor is kW, got incompatible unit: EUR"]}
    r = _get(api, site, resolution="PT30M")  # 80 minutes do not split into 30-minute slots
    assert r.status == 422 and "_schema" in r.json["message"]["query"]
    r = _get(api, site, start=None)
    assert r.json["message"]["query"] == {"start": ["Missing data for required field."]}
    assert api.get("/api/v3_0/sensors/data", query={"sensor": entity_address(site.sensor.id), "start": START,
                                                    "duration": "PT1H", "unit": "kW"},
                   token=make_user().token).status == 403


def test_get_horizon_selects_beliefs_formed_early_enough(api, site):
    _post(api, site, horizon="PT1H", values=[1, 2, 3])   # formed an hour before each event's end
    _post(api, site, horizon="PT0H", values=[4, 5, 6])   # formed at each event's end
    assert _get(api, site, duration="PT30M").json["values"] == [4.0, 5.0, 6.0]
    assert _get(api, site, duration="PT30M", horizon="PT30M").json["values"] == [1.0, 2.0, 3.0]


def test_empty_window_is_all_nulls(api, site):
    r = _get(api, site, duration="P1D", resolution="PT6H")
    assert r.status == 200 and r.json["values"] == [None] * 4 and r.json["duration"] == "PT24H"


def test_instantaneous_sensor_default_resolution(api, site):
    sensor = make_sensor(site.asset, name="soc", unit="kWh", minutes=0)
    r = _post(api, site, sensor, values=[5], duration="PT0H", unit="kWh")
    assert r.status == 200
    assert _post(api, site, sensor, values=[5, 6], duration="PT0H", unit="kWh").status == 422
    got = _get(api, site, sensor, duration="PT1H", unit="kWh")
    assert got.json["resolution"] == "PT5M" and got.json["values"] == [5.0] + [None] * 11


def test_by_id_routes_take_what_flexmeasures_client_sends(api, site):
    sensor = site.sensor
    body = {"start": START, "duration": "P0DT0H30M0S", "values": [1.0, 2.0, 3.0], "unit": "kW"}
    r = api.post(f"/api/v3_0/sensors/{sensor.id}/data", body, token=site.member.token)
    assert r.status == 200 and r.json["status"] == "PROCESSED"
    got = api.get(f"/api/v3_0/sensors/{sensor.id}/data", query={
        "start": START, "duration": "P0DT0H30M0S", "unit": "kW", "resolution": "P0DT0H10M0S"}, token=site.member.token)
    assert got.status == 200 and got.json["values"] == [1.0, 2.0, 3.0] and got.json["duration"] == "PT30M"
    # the current form downsamples finer data by the mean
    fine = {"start": START, "duration": "PT20M", "values": [1, 3, 5, 7], "unit": "kW", "prior": START}
    assert api.post(f"/api/v3_0/sensors/{sensor.id}/data", fine, token=site.member.token).status == 200
    assert api.get(f"/api/v3_0/sensors/{sensor.id}/data", query={"start": START, "duration": "PT20M", "unit": "kW"},
                   token=site.member.token).json["values"] == [1.0, 2.0]
    assert api.post("/api/v3_0/sensors/99999/data", body, token=site.member.token).status == 422


def test_by_id_read_takes_a_json_body_too(api, site):
    sensor = site.sensor
    api.post(f"/api/v3_0/sensors/{sensor.id}/data", {"start": START, "duration": "PT20M", "values": [1, 2],
                                                     "unit": "kW"}, token=site.member.token)
    r = api.request("GET", f"/api/v3_0/sensors/{sensor.id}/data", token=site.member.token,
                    json_body={"start": START, "duration": "PT20M", "unit": "kW"}, query={"unit": "W"})
    assert r.status == 200 and r.json["values"] == [1000.0, 2000.0] and r.json["unit"] == "W"


def test_frequency_attribute_rounds_posted_starts(api, site):
    rounded = make_sensor(site.asset, name="rounded", unit="kW", minutes=15, attributes={"frequency": "PT15M"})
    off_grid = "2025-01-01T00:08:00+00:00"
    assert _post(api, site, target=rounded, values=[5], start=off_grid, duration="PT15M").status == 200
    got = _get(api, site, target=rounded, duration="PT30M").json["values"]
    assert got == [None, 5.0]  # 00:08 rounds to 00:15
    plain = make_sensor(site.asset, name="plain", unit="kW", minutes=15)
    r = _post(api, site, target=plain, values=[5], start=off_grid, duration="PT15M")
    assert r.status == 422 and "start" in r.json["message"]["json"]
