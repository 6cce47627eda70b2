"""Asset chart figures under moto (in-process DynamoDB): chart_data, chart with data and KPIs over windows
of a week to a year, for an asset showing three sensors. Prints figures; asserts nothing.

Run: .venv/bin/python -m benchmarks.charts
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timeseries import RequestCounter  # noqa: E402 - also sets the offline environment

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _fill(sensor, source, days: int) -> None:
    """`days` of values at the sensor's resolution, formed when each event ends."""
    import numpy as np

    from chalicelib.store import beliefs
    from chalicelib.timeseries.beliefs import Beliefs, to_us

    step_us = int(sensor.event_resolution_minutes) * 60_000_000
    starts = to_us(T0) + np.arange(days * 86_400_000_000 // step_us, dtype="int64") * step_us
    values = np.round(np.sin(np.arange(len(starts)) / 10.0) * 100, 3)
    beliefs.save(sensor.id, source.id, Beliefs.of(starts, starts + step_us, values),
                 timedelta(microseconds=step_us), allow_overwrite=True)


def main() -> None:
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from app import app
        from chalicelib.auth.tokens import issue_token
        from chalicelib.auth.passwords import hash_password
        from chalicelib.store import accounts, asset_types, assets, sensors, sources, tables, users

        tables.create_tables()
        account = accounts.create("Bench")
        user = users.create("bench@example.com", hash_password("bench-password"), account.id, ["account-admin"], "bench")
        token = issue_token(user.id, user.fs_uniquifier)
        asset = assets.create(name="site", generic_asset_type_id=asset_types.create("battery").id,
                              account_id=account.id)
        power = sensors.create(asset, "power", "kW", 15)
        pv = sensors.create(asset, "pv", "MW", 60)
        price = sensors.create(asset, "price", "EUR/MWh", 60)
        energy = sensors.create(asset, "daily energy", "kWh", 1440)
        assets.update(asset, {"sensors_to_show": [[power.id, pv.id], price.id],
                              "sensors_to_show_as_kpis": [{"title": "Energy", "sensor": energy.id}]})
        source = sources.user_source(user)
        for sensor in (power, pv, price, energy):
            _fill(sensor, source, 365)
        counter = RequestCounter()
        counter.install()
        headers = {"Authorization": token, "host": "localhost"}

        def window(days: int) -> str:
            end = T0 + timedelta(days=days)
            return (f"event_starts_after={T0.isoformat().replace('+', '%2B')}"
                    f"&event_ends_before={end.isoformat().replace('+', '%2B')}")

        with Client(app, stage_name="dev") as client:
            print("asset showing [power (kW, 15 min), pv (MW, 1 h)] and price (EUR/MWh, 1 h); a year stored")
            for days in (7, 30, 365):
                with counter.measure(f"GET chart_data, {days} days"):
                    r = client.http.get(f"/v3_0/assets/{asset.id}/chart_data?{window(days)}", headers=headers)
                print(f"    {r.status_code}, {len(r.body) / 1e6:.1f} MB, {r.body.count(b'event_start')} records")
            with counter.measure("GET chart_data, 30 days, compress_json"):
                r = client.http.get(f"/v3_0/assets/{asset.id}/chart_data?{window(30)}&compress_json=true",
                                    headers=headers)
            print(f"    {r.status_code}, {len(r.body) / 1e6:.1f} MB")
            with counter.measure("GET chart (spec only)"):
                r = client.http.get(f"/v3_0/assets/{asset.id}/chart?{window(30)}", headers=headers)
            print(f"    {r.status_code}, {len(r.body) / 1e3:.1f} kB")
            with counter.measure("GET chart, include_data, 30 days"):
                r = client.http.get(f"/v3_0/assets/{asset.id}/chart?{window(30)}&include_data=true", headers=headers)
            print(f"    {r.status_code}, {len(r.body) / 1e6:.1f} MB")
            period = f"start={T0.isoformat().replace('+', '%2B')}&end=2026-01-01T00:00:00%2B00:00"
            with counter.measure("GET kpis, a year of daily values"):
                r = client.http.get(f"/v3_0/assets/{asset.id}/kpis?{period}", headers=headers)
            print(f"    {r.status_code}, {r.body.decode()}")


if __name__ == "__main__":
    main()
