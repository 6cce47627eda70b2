"""Listing cost: DynamoDB requests and wall time of GET /assets and GET /assets/<id>/sensors.

One account with 1,000 assets of 3 sensors each, under moto's in-process AWS (mock_aws). Requests
are counted with a botocore `before-call` hook on the DynamoDB client every PynamoDB model shares,
so each API operation counts once (retries, which moto never needs, would not add to it).

    .venv/bin/python -m benchmarks.listing [--assets 1000] [--sensors 3] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.update({
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1",
    "FLEXCLOUD_TOKEN_SECRET": "bench-secret", "FLEXCLOUD_PASSWORD_HASH_PROFILE": "fast",
    "FLEXCLOUD_TABLE_PREFIX": "bench",
})
os.environ.pop("AWS_ENDPOINT_URL", None)


class RequestCounter:
    """Counts DynamoDB API calls by operation name, via botocore's event system."""

    def __init__(self):
        self.calls: Counter[str] = Counter()

    def attach(self) -> None:
        from chalicelib import settings
        from chalicelib.store.base import shared_connection

        client = shared_connection(settings.aws_endpoint_url(), settings.aws_region()).client
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model, **_):
        self.calls[model.name] += 1

    def reset(self) -> None:
        self.calls.clear()


def seed(n_assets: int, n_sensors: int):
    """Bulk-write the fixture (its cost is not what we measure)."""
    from chalicelib.auth.passwords import hash_password
    from chalicelib.store import accounts, asset_types, users
    from chalicelib.store import assets as asset_store
    from chalicelib.store.models import Asset, Counter as IdCounter, Sensor

    account = accounts.create("Bench account")
    user = users.create("bench@example.com", hash_password("bench-password"), account.id, ["account-admin"], "bench")
    battery = asset_types.create("battery")
    with Asset.batch_write() as batch:
        for i in range(1, n_assets + 1):
            batch.save(Asset(i, name=f"Asset {i:04d}", account_id=account.id,
                             account_key=asset_store.account_key(account.id), parent_asset_id=None,
                             parent_key=asset_store.parent_key(None), generic_asset_type_id=battery.id,
                             latitude=52.0, longitude=4.0, attributes={"capacity_in_mw": 1}))
    sensor_id = 0
    with Sensor.batch_write() as batch:
        for asset_id in range(1, n_assets + 1):
            for k in range(n_sensors):
                sensor_id += 1
                batch.save(Sensor(sensor_id, name=f"sensor {k}", unit="MW", event_resolution_minutes=15,
                                  generic_asset_id=asset_id, account_id=account.id))
    IdCounter("asset", value=n_assets).save()
    IdCounter("sensor", value=sensor_id).save()
    return user


def measure(client, token: str, path: str, counter: RequestCounter, repeat: int):
    """Median wall and CPU seconds (CPU is steadier on a busy machine: moto runs in this process)."""
    walls, cpus, body_len = [], [], 0
    for _ in range(repeat):
        counter.reset()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.http.get(path, headers={"Authorization": token, "host": "localhost"})
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (path, response.status_code, response.body[:300])
        body_len = len(response.body)
    return statistics.median(walls), statistics.median(cpus), dict(counter.calls), body_len


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--sensors", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.auth.tokens import issue_token
        from chalicelib.store import tables

        tables.create_tables()
        started = time.perf_counter()
        user = seed(args.assets, args.sensors)
        print(f"seeded {args.assets} assets x {args.sensors} sensors in {time.perf_counter() - started:.1f} s "
              f"(moto, in-process)")
        token = issue_token(user.id, user.fs_uniquifier)
        counter = RequestCounter()
        counter.attach()
        cases = [
            ("GET /assets (no page: all, full JSON)", "/v3_0/assets"),
            ("GET /assets?page=1 (per_page 10)", "/v3_0/assets?page=1"),
            ("GET /assets?page=50&per_page=20", "/v3_0/assets?page=50&per_page=20"),
            ("GET /assets/<id>/sensors", f"/v3_0/assets/{args.assets // 2}/sensors"),
        ]
        print(f"{'request':42} {'DynamoDB calls':>14}  {'median wall':>11}  {'median CPU':>10}  {'body':>9}  "
              "by operation")
        with Client(app, stage_name="dev") as client:
            for label, path in cases:
                wall, cpu, calls, body_len = measure(client, token, path, counter, args.repeat)
                ops = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
                print(f"{label:42} {sum(calls.values()):>14}  {wall * 1000:>8.0f} ms  {cpu * 1000:>7.0f} ms  "
                      f"{body_len:>7} B  {ops}")


if __name__ == "__main__":
    main()
