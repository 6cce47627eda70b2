"""Uploads that were stored wrong or lost without an error (issue 14, finding 9), and an S3 failure."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import audit, beliefs, files
from tests.api.test_upload import _upload
from tests.factories import make_site

UTC = timezone.utc


@pytest.fixture
def site(aws):
    return make_site(sensors={"sensor": dict(name="power", unit="kW", minutes=15, timezone="Europe/Amsterdam"),
                              "daily": dict(name="daily", unit="kWh", minutes=1440, timezone="Europe/Amsterdam")})


def _csv(*rows: str) -> bytes:
    return ("event_start,event_value\n" + "".join(row + "\n" for row in rows)).encode()


def _stored(sensor):
    found = beliefs.read_all_beliefs(sensor.id)
    return [(datetime.fromtimestamp(us / 1e6, UTC), v) for us, v in zip(found.event_start.tolist(),
                                                                      found.value.tolist())]


def _error(r):
    assert r.status == 422, (r.status, r.body)
    return r.json["message"]["path_and_files"]["0"]


def test_off_grid_rows_are_floored_onto_the_grid_as_a_json_post_start_is(api, site):
    r = _upload(api, site, [("off.csv", _csv("2025-01-01T00:07:00+00:00,1", "2025-01-01T00:22:00+00:00,2"),
                             "text/csv")])
    assert r.status == 200, r.body
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    assert _stored(site.sensor) == [(t0, 1.0), (t0 + timedelta(minutes=15), 2.0)]


def test_finer_off_grid_data_is_averaged_into_the_grid_slots(api, site):
    r = _upload(api, site, [("fine.csv", _csv("2025-01-01T00:05:00+00:00,1", "2025-01-01T00:10:00+00:00,2",
                                              "2025-01-01T00:15:00+00:00,3", "2025-01-01T00:20:00+00:00,5"),
                             "text/csv")])
    assert r.status == 200, r.body
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    assert _stored(site.sensor) == [(t0, 1.5), (t0 + timedelta(minutes=15), 4.0)]


def test_duplicate_timestamps_in_one_file_are_refused_naming_the_rows(api, site):
    r = _upload(api, site, [("dup.csv", _csv("2025-01-01T00:00:00+00:00,1", "2025-01-01T00:15:00+00:00,2",
                                             "2025-01-01T01:00:00+01:00,3"), "text/csv")])
    assert _error(r) == ("Invalid content in file: dup.csv. Failed with: lines 2 and 4: the same event start "
                         "(2025-01-01T00:00:00+00:00) twice")
    assert _stored(site.sensor) == [] and files.uploads_of(site.sensor.id) == []


def test_naive_times_in_the_repeated_dst_hour_are_refused_naming_the_row(api, site):
    rows = ["2025-10-26T01:45:00,1", "2025-10-26T02:00:00,2", "2025-10-26T02:15:00,3"]
    r = _upload(api, site, [("dst.csv", _csv(*rows), "text/csv")])
    assert _error(r) == ("Invalid content in file: dst.csv. Failed with: line 3: event start 2025-10-26T02:00:00 "
                         "occurs twice in Europe/Amsterdam (the clocks go back); give it with its UTC offset")
    assert _stored(site.sensor) == []


def test_naive_times_in_the_skipped_dst_hour_are_refused(api, site):
    r = _upload(api, site, [("gap.csv", _csv("2025-03-30T02:30:00,1"), "text/csv")])
    assert "line 2: event start 2025-03-30T02:30:00 does not exist in Europe/Amsterdam" in _error(r)


def test_the_same_times_with_offsets_are_kept(api, site):
    rows = ["2025-10-26T02:45:00+02:00,1", "2025-10-26T02:00:00+01:00,2"]  # 15 minutes apart
    r = _upload(api, site, [("dst.csv", _csv(*rows), "text/csv")])
    assert r.status == 200, r.body
    assert [v for _, v in _stored(site.sensor)] == [1.0, 2.0]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:00", "9999-06-01T00:00:00+00:00",
                                    "1600-01-01T00:00:00+00:00", "2262-06-01T00:00:00+00:00"])
def test_data_that_could_not_be_read_back_is_refused(api, site, moment):
    r = _upload(api, site, [("far.csv", _csv(moment + ",1"), "text/csv")])
    assert "which data can be stored for" in _error(r)
    assert _stored(site.sensor) == []


def test_daily_rows_on_local_midnights_across_dst_stay_on_them(api, site):
    rows = ["2027-03-27T00:00:00,100", "2027-03-28T00:00:00,200", "2027-03-29T00:00:00,300"]
    r = _upload(api, site, [("days.csv", _csv(*rows), "text/csv")], sensor_id=site.daily.id)
    assert r.status == 200, r.body
    assert _stored(site.daily) == [(datetime(2027, 3, 26, 23, tzinfo=UTC), 100.0),
                                   (datetime(2027, 3, 27, 23, tzinfo=UTC), 200.0),
                                   (datetime(2027, 3, 28, 22, tzinfo=UTC), 300.0)]


def test_a_re_upload_answered_already_received_writes_no_audit_row(api, site):
    content = _csv("2025-01-01T00:00:00+00:00,1")
    assert _upload(api, site, [("a.csv", content, "text/csv")]).json["status"] == "PROCESSED"
    again = _upload(api, site, [("a.csv", content, "text/csv")])
    assert again.status == 200 and again.json["status"].startswith("ALREADY_RECEIVED")
    assert len(audit.entries_for_asset(site.asset.id)) == 1


def test_an_s3_failure_during_upload_writes_nothing_and_says_so(api, site, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.aws import client

    s3 = client("s3")

    def failing(*args, **kwargs):
        raise ClientError({"Error": {"Code": "InternalError", "Message": "We encountered an internal error"}},
                          "PutObject")

    monkeypatch.setattr(s3, "put_object", failing)
    r = _upload(api, site, [("a.csv", _csv("2025-01-01T00:00:00+00:00,1"), "text/csv")])
    assert r.status == 503, r.body
    assert r.json["status"] == 503 and "nothing was saved" in r.json["message"]
    assert _stored(site.sensor) == [] and audit.entries_for_asset(site.asset.id) == []


def test_daily_data_posted_and_read_across_a_dst_switch_follows_the_local_calendar(api, site):
    """`start=2027-03-28T00:00+01:00&duration=P2D` returned [200, null] where [100, 300] was posted."""
    token = site.member.token
    r = api.post(f"/api/v3_0/sensors/{site.daily.id}/data", {"values": [100, 300], "unit": "kWh",
                                                            "start": "2027-03-28T00:00:00+01:00", "duration": "P2D"},
                 token=token)
    assert r.status == 200, r.body
    # Local midnights: the 28th has 23 hours (clocks forward), so the 29th starts at 22:00 UTC.
    assert _stored(site.daily) == [(datetime(2027, 3, 27, 23, tzinfo=UTC), 100.0),
                                   (datetime(2027, 3, 28, 22, tzinfo=UTC), 300.0)]
    r = api.get(f"/api/v3_0/sensors/{site.daily.id}/data", token=token,
                query={"start": "2027-03-28T00:00:00+01:00", "duration": "P2D", "unit": "kWh"})
    assert r.status == 200 and r.json["values"] == [100, 300], r.json
    r = api.get(f"/api/v3_0/sensors/{site.daily.id}/data", token=token,
                query={"start": "2027-03-27T00:00:00+01:00", "duration": "P4D", "unit": "kWh"})
    assert r.json["values"] == [None, 100, 300, None]


def test_quarter_hours_read_per_local_day_across_dst(api, site):
    token = site.member.token
    # 23 hours of 1 kW on the short day, then 24 hours of 2 kW: daily means per local day.
    r = api.post(f"/api/v3_0/sensors/{site.sensor.id}/data", {"values": [1] * 92 + [2] * 96, "unit": "kW",
                                                             "start": "2027-03-28T00:00:00+01:00",
                                                             "duration": "PT47H"}, token=token)
    assert r.status == 200, r.body
    r = api.get(f"/api/v3_0/sensors/{site.sensor.id}/data", token=token,
                query={"start": "2027-03-28T00:00:00+01:00", "duration": "P2D", "unit": "kW", "resolution": "P1D"})
    assert r.status == 200 and r.json["values"] == [1, 2], r.json
