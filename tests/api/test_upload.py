"""POST /sensors/<id>/data/upload: multipart CSV files, kept in S3, checked completely, then saved (§8.5)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import audit, beliefs, files
from tests.factories import make_site

DAY = (datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc))


def multipart(files_: list[tuple[str, bytes, str]], fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in (fields or {}).items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, content, content_type in files_:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="uploaded-files"; '
                      f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def site(aws):
    return make_site(sensors={"sensor": dict(name="power", unit="kW", minutes=15, timezone="Europe/Amsterdam")})


def _upload(api, site, files_, fields=None, token=None, sensor_id=None):
    body, content_type = multipart(files_, fields)
    return api.request("POST", f"/api/v3_0/sensors/{sensor_id or site.sensor.id}/data/upload", body=body,
                       headers={"Content-Type": content_type}, token=token or site.member.token)


CSV = b"event_start,event_value\n2025-01-01T00:00:00+00:00,1.5\n2025-01-01T00:15:00+00:00,2.5\n"


def test_upload_saves_beliefs_keeps_the_file_and_audits(api, site):
    r = _upload(api, site, [("meter.csv", CSV, "text/csv")])
    assert r.status == 200 and r.json == {"status": "PROCESSED", "message": "Request has been processed."}
    stored = beliefs.read_beliefs(site.sensor.id, *DAY)
    assert stored.value.tolist() == [1.5, 2.5]
    keys = files.uploads_of(site.sensor.id)
    assert len(keys) == 1 and keys[0].startswith(f"uploads/{site.sensor.id}/") and keys[0].endswith("-meter.csv")
    assert files.read_upload(keys[0]) == CSV
    events = [e.event for e in audit.entries_for_asset(site.asset.id)]
    assert events == [f"Data from meter.csv uploaded to sensor 'power': {site.sensor.id}"]
    again = _upload(api, site, [("meter.csv", CSV, "text/csv")])
    assert again.status == 200  # a new belief time: identical values are skipped
    assert len(beliefs.read_beliefs(site.sensor.id, *DAY)) == 2


def test_naive_times_are_in_the_sensor_timezone_and_hourly_data_is_repeated(api, site):
    csv = b"event_start,event_value\n2025-01-01 01:00:00,4\n2025-01-01 02:00:00,8\n"
    r = _upload(api, site, [("hourly.CSV", csv, "text/csv")], {"belief-time-measured-instantly": "True"})
    assert r.status == 200
    stored = beliefs.read_beliefs(site.sensor.id, *DAY)
    assert [datetime.fromtimestamp(s / 1e6, timezone.utc).hour for s in stored.event_start[::4]] == [0, 1]
    assert stored.value.tolist() == [4.0] * 4 + [8.0] * 4
    # measured instantly: each belief is formed at its event's end
    assert (stored.belief_time - stored.event_start).tolist() == [15 * 60 * 1_000_000] * 8


def test_finer_data_is_averaged_and_a_belief_time_column_is_used(api, site):
    fine = b"event_start,event_value\n" + b"".join(
        f"2025-01-01T00:{m:02d}:00+00:00,{m}\n".encode() for m in range(0, 30, 5))
    assert _upload(api, site, [("fine.csv", fine, "text/csv")]).status == 200
    assert beliefs.read_beliefs(site.sensor.id, *DAY).value.tolist() == [5.0, 20.0]
    with_times = (b"event_start,event_value,belief_time\n"
                  b"2025-01-01T06:00:00+00:00,7,2024-12-31T12:00:00+00:00\n")
    assert _upload(api, site, [("forecast.csv", with_times, "text/csv")]).status == 200
    stored = beliefs.read_beliefs(site.sensor.id, DAY[0] + timedelta(hours=6), DAY[1])
    assert stored.belief_time.tolist() == [int(datetime(2024, 12, 31, 12, tzinfo=timezone.utc).timestamp() * 1e6)]


def test_a_bad_row_names_file_and_line_and_nothing_is_written(api, site):
    bad = CSV + b"2025-01-01T00:30:00+00:00,lots\n"
    r = _upload(api, site, [("good.csv", CSV, "text/csv"), ("bad.csv", bad, "text/csv")])
    assert r.status == 422
    assert r.json["message"] == {"path_and_files": {"1": "Invalid content in file: bad.csv. Failed with: line 4: "
                                                         "event values should be numeric, got 'lots'"}}
    assert len(beliefs.read_beliefs(site.sensor.id, *DAY)) == 0
    assert files.uploads_of(site.sensor.id) == []
    r = _upload(api, site, [("dates.csv", b"event_start,event_value\nyesterday,1\n", "text/csv")])
    assert "line 2: event start 'yesterday' is not an ISO 8601 datetime" in r.json["message"]["path_and_files"]["0"]


def test_form_errors(api, site):
    r = _upload(api, site, [("x.txt", CSV, "text/plain")])
    assert r.status == 422 and r.json["message"] == {"path_and_files": {"uploaded-files": {
        "0": ["Invalid filename: x.txt. Only CSV or Excel files are accepted."]}}}
    r = _upload(api, site, [])
    assert r.json["message"] == {"path_and_files": {"uploaded-files": ["Missing data for required field."]}}
    r = _upload(api, site, [("a.csv", CSV, "text/csv")], {"belief-time-measured-instantly": "maybe", "colour": "x"})
    assert r.json["message"]["path_and_files"] == {"belief-time-measured-instantly": ["Not a valid boolean."],
                                                   "colour": ["Unknown field."]}
    r = _upload(api, site, [("a.xlsx", b"PK...", "application/vnd.ms-excel")])
    assert r.status == 422 and "a.xlsx" in r.json["message"]["path_and_files"]["0"]


def test_unknown_sensor_is_422_and_permission_is_checked_after_parsing(api, site, make_user):
    assert _upload(api, site, [("a.csv", CSV, "text/csv")], sensor_id=99999).status == 422
    outsider = make_user()
    assert _upload(api, site, [("a.csv", CSV, "text/csv")], token=outsider.token).status == 403
    assert _upload(api, site, [("a.txt", CSV, "text/csv")], token=outsider.token).status == 422
    assert files.uploads_of(site.sensor.id) == []


def test_unit_field_converts_values(api, site):
    r = _upload(api, site, [("w.csv", CSV, "text/csv")], {"unit": "MW"})
    assert r.status == 200
    assert beliefs.read_beliefs(site.sensor.id, *DAY).value.tolist() == [1500.0, 2500.0]


def _xlsx(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_workbooks_are_read_and_old_xls_refused(api, site):
    content = _xlsx([["event_start", "event_value"], [datetime(2025, 1, 1, 1, 0), 3],
                     ["2025-01-01T00:15:00+00:00", 4.5]])
    xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = _upload(api, site, [("meter.XLSX", content, xlsx_type)])
    assert r.status == 200
    # the naive Excel date is Amsterdam time (the sensor's timezone): 01:00 there is 00:00 UTC
    assert beliefs.read_beliefs(site.sensor.id, *DAY).value.tolist() == [3.0, 4.5]
    old = _upload(api, site, [("old.xls", b"\xd0\xcf\x11\xe0", "application/vnd.ms-excel")])
    assert old.status == 422 and ".xls) cannot be read" in old.json["message"]["path_and_files"]["0"]
    bad = _upload(api, site, [("sheet.xlsx", _xlsx([["event_start", "event_value"], ["2025-01-01T00:00:00Z", "x"]]),
                               xlsx_type)])
    assert bad.json["message"]["path_and_files"]["0"] == (
        "Invalid content in file: sheet.xlsx. Failed with: line 2: event values should be numeric, got 'x'")


def test_rows_centuries_apart_are_refused_before_anything_is_allocated(api, site):
    """Two rows 9,998 years apart pushed the API to 23.5 GB; 300 years apart would have written ~21 M values."""
    # (Years 1 and 9999 are refused earlier, as data that could not be read back: test_hostile_upload.py.)
    for first, last in (("1700-01-01T00:00:00+00:00", "2261-01-01T00:00:00+00:00"),
                        ("2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00")):
        content = f"event_start,event_value\n{first},1\n{last},2\n".encode()
        r = _upload(api, site, [("span.csv", content, "text/csv")])
        assert r.status == 422
        assert r.json["message"]["path_and_files"]["0"] == (
            "Invalid content in file: span.csv. Failed with: the file spans more than 500000 events of the sensor's "
            "resolution; upload it in parts")
    assert beliefs.read_all_beliefs(site.sensor.id).value.tolist() == []
    assert files.uploads_of(site.sensor.id) == []


def test_a_spreadsheet_bomb_is_refused_without_parsing_its_sheet(api, site, monkeypatch):
    """A 300 kB .xlsx holding 88 MB of sheet XML took 77 s to be rejected."""
    import io
    import zipfile

    import openpyxl

    small = _xlsx([["event_start", "event_value"], ["2025-01-01T00:00:00Z", 1]])
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row/>" * 15_000_000 + b"</sheetData>")  # 90 MB unpacked
            out.writestr(entry.filename, data)
    assert len(bomb.getvalue()) < 400_000

    def never(*args, **kwargs):
        raise AssertionError("the bomb's XML was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    r = _upload(api, site, [("bomb.xlsx", bomb.getvalue(),
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")])
    assert r.status == 422
    assert r.json["message"]["path_and_files"]["0"].startswith(
        "Invalid content in file: bomb.xlsx. Failed with: the workbook unpacks to 86 MB, over the 64 MB")
    assert files.uploads_of(site.sensor.id) == []
