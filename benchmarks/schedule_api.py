"""Scheduling API cost: DynamoDB requests and wall time of a sensor trigger, the worker's job, and the GET.

A 15-minute battery with hourly prices stored as beliefs, scheduled over 48 h (192 steps) under moto's
in-process AWS (mock_aws); DynamoDB calls counted as in benchmarks/listing.py. Each trigger forces a new job.

    .venv/bin/python -m benchmarks.schedule_api [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.listing import RequestCounter  # noqa: E402 - also sets the offline AWS environment

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def seed():
    from chalicelib.auth.passwords import hash_password
    from chalicelib.store import accounts, asset_types, assets, beliefs, sensors, sources, users

    account = accounts.create("Bench account")
    user = users.create("bench@example.com", hash_password("bench-password"), account.id, [], "bench")
    site = assets.create(name="site", generic_asset_type_id=asset_types.create("battery").id, account_id=account.id)
    battery = sensors.create(site, "battery power", "kW", 15)
    prices = sensors.create(site, "prices", "EUR/MWh", 60)
    values = [50 + 40 * ((h % 24) in range(8, 20)) + (h % 7) for h in range(48)]
    beliefs.write_beliefs(prices, sources.user_source(user), [START + timedelta(hours=h) for h in range(48)], values,
                          belief_time=START - timedelta(days=1))
    return user, battery, prices


def seeded_site():
    """Inside mock_aws: the tables and queues, `seed()`'s site, and headers for requests as its user."""
    from chalicelib.auth.tokens import issue_token
    from chalicelib.store import tables

    tables.create_tables()
    tables.create_queues()
    user, battery, prices = seed()
    token = issue_token(user.id, user.fs_uniquifier)
    return user, battery, prices, {"Authorization": token, "host": "localhost", "Content-Type": "application/json"}


def trigger_body(consumption_price: object) -> str:
    """A trigger of the battery from START that always makes a new job."""
    return json.dumps({"start": START.isoformat(), "force-new-job-creation": True, "flex-model": {
        "soc-at-start": "20 kWh", "soc-min": "0 kWh", "soc-max": "100 kWh", "power-capacity": "25 kW"},
        "flex-context": {"consumption-price": consumption_price}})


def timed(counter: RequestCounter, action):
    counter.reset()
    wall = time.perf_counter()
    result = action()
    return result, time.perf_counter() - wall, dict(counter.calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from moto import mock_aws

    with mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.workers import scheduling

        user, battery, prices, headers = seeded_site()
        body = trigger_body({"sensor": prices.id})
        counter = RequestCounter()
        counter.attach()
        rows: dict[str, list] = {"trigger (POST)": [], "worker job (solve + store)": [], "GET schedule (PT48H)": []}
        with Client(app, stage_name="dev") as client:
            for _ in range(args.repeat + 1):  # the first round warms imports, the unit registry and CBC
                response, wall, calls = timed(counter, lambda: client.http.post(
                    f"/v3_0/sensors/{battery.id}/schedules/trigger", headers=headers, body=body))
                job_id = json.loads(response.body)["schedule"]
                rows["trigger (POST)"].append((wall, calls))
                _, wall, calls = timed(counter, lambda: scheduling.handle_message(json.dumps({"job_id": job_id})))
                rows["worker job (solve + store)"].append((wall, calls))
                response, wall, calls = timed(counter, lambda: client.http.get(
                    f"/v3_0/sensors/{battery.id}/schedules/{job_id}?duration=PT48H", headers=headers))
                assert response.status_code == 200, response.body[:300]
                rows["GET schedule (PT48H)"].append((wall, calls))
        print(f"{'step':30} {'DynamoDB calls':>14}  {'median wall':>11}  by operation (last run)")
        for label, runs in rows.items():
            runs = runs[1:]
            calls = runs[-1][1]
            ops = ", ".join(f"{op} {n}" for op, n in sorted(calls.items()))
            wall = statistics.median(w for w, _ in runs)
            print(f"{label:30} {sum(calls.values()):>14}  {wall * 1000:>8.0f} ms  {ops}")


if __name__ == "__main__":
    main()
