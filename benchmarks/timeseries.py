"""Time-series figures under moto (in-process DynamoDB): a year of 15-minute values in one POST, reading
it back at PT15M and P1D, and 96 single-value posts to one sensor-day. Prints figures; asserts nothing.

Run: .venv/bin/python -m benchmarks.timeseries
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update({
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1",
    "FLEXCLOUD_TOKEN_SECRET": "benchmark-secret", "FLEXCLOUD_PASSWORD_HASH_PROFILE": "fast",
    "FLEXCLOUD_TABLE_PREFIX": "bench", "FLEXCLOUD_UPLOADS_BUCKET": "bench-uploads",
})
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
    os.environ.pop(name, None)

YEAR_VALUES = 365 * 96
START = "2025-01-01T00:00:00+00:00"


class RequestCounter:
    """Counts DynamoDB API calls (by operation) made through PynamoDB."""

    def __init__(self):
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0  # spent inside DynamoDB calls (moto's emulation, here)

    def install(self):
        from pynamodb.connection.base import Connection

        original = Connection._make_api_call
        counter = self

        def counting(self, operation_name, operation_kwargs):
            counter.calls[operation_name] += 1
            began = time.perf_counter()
            try:
                return original(self, operation_name, operation_kwargs)
            finally:
                counter.seconds += time.perf_counter() - began

        Connection._make_api_call = counting

    @contextmanager
    def measure(self, label: str):
        self.calls.clear()
        self.seconds = 0.0
        began = time.perf_counter()
        yield
        elapsed = time.perf_counter() - began
        detail = ", ".join(f"{op} {n}" for op, n in sorted(self.calls.items()))
        print(f"{label}: {elapsed:.2f} s wall ({self.seconds:.2f} s inside DynamoDB calls), "
              f"{sum(self.calls.values())} DynamoDB requests ({detail})")


def main() -> None:
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from app import app
        from chalicelib.auth.tokens import issue_token
        from chalicelib.auth.passwords import hash_password
        from chalicelib.store import accounts, asset_types, assets, sensors, tables, users
        from chalicelib.store.models import BeliefChunk

        tables.create_tables()
        tables.create_bucket()
        account = accounts.create("Bench")
        user = users.create("bench@example.com", hash_password("bench-password"), account.id, ["account-admin"], "bench")
        token = issue_token(user.id, user.fs_uniquifier)
        kind = asset_types.create("battery")
        asset = assets.create(name="site", generic_asset_type_id=kind.id, account_id=account.id)
        year_sensor = sensors.create(asset, "year", "kW", 15)
        day_sensor = sensors.create(asset, "day", "kW", 15)
        counter = RequestCounter()
        counter.install()
        from chalicelib.timeseries import units

        units.registry()  # built once per container; measured apart from the requests

        headers = {"Authorization": token, "Content-Type": "application/json", "host": "localhost"}

        with Client(app, stage_name="dev") as client:
            def call(method, path, body=None):
                response = client.http.request(method, path, headers=headers,
                                               body=json.dumps(body).encode() if body is not None else b"")
                assert response.status_code == 200, response.body[:300]
                return json.loads(response.body)

            address = f"ea1.2021-01.localhost:fm1.{year_sensor.id}"
            values = [round(i % 96 * 0.25, 2) for i in range(YEAR_VALUES)]
            body = {"sensor": address, "values": values, "start": START, "duration": "P365D", "unit": "kW"}
            print(f"POST /sensors/data body: {len(json.dumps(body)) / 1e6:.2f} MB, {YEAR_VALUES} values")
            with counter.measure("POST a year of 15-minute values"):
                call("POST", "/v3_0/sensors/data", body)
            chunks = list(BeliefChunk.query(year_sensor.id))
            print(f"  items written: {len(chunks)} (largest {max(c.count for c in chunks)} beliefs)")
            for resolution in ("PT15M", "P1D"):
                query = f"sensor={address}&start=2025-01-01T00:00:00%2B00:00&duration=P365D&unit=kW&resolution={resolution}"
                with counter.measure(f"GET the year at {resolution}"):
                    got = call("GET", "/v3_0/sensors/data?" + query)
                print(f"  values returned: {len(got['values'])}")
            with counter.measure("POST the same year again (all unchanged)"):
                call("POST", "/v3_0/sensors/data", body)

            day_address = f"ea1.2021-01.localhost:fm1.{day_sensor.id}"
            with counter.measure("96 single-value posts to one sensor-day"):
                for i in range(96):
                    start = f"2025-01-01T{i // 4:02d}:{i % 4 * 15:02d}:00+00:00"
                    call("POST", "/v3_0/sensors/data", {"sensor": day_address, "values": [float(i)], "start": start,
                                                        "duration": "PT15M", "unit": "kW"})
            day_chunks = list(BeliefChunk.query(day_sensor.id))
            print(f"  items stored: {len(day_chunks)} holding {sum(c.count for c in day_chunks)} beliefs, "
                  f"version {max(c.version for c in day_chunks)}")
            query = f"sensor={day_address}&start=2025-01-01T00:00:00%2B00:00&duration=P1D&unit=kW"
            with counter.measure("GET that day"):
                got = call("GET", "/v3_0/sensors/data?" + query)
            print(f"  values returned: {len(got['values'])}, nulls: {got['values'].count(None)}")


if __name__ == "__main__":
    main()
