"""flexmeasures-client 0.9.6, unchanged, takes its current code paths against the local stack (GET /api/ reports
FlexMeasures 1.0.1): trigger_and_get_schedule waits through GET /jobs/<uuid>, uploads and schedules carry a unit
server-side, sensor data is deleted, job status is read. Once with the seed's job responses (the default), once
with FlexMeasures 1.0.1's (202 ACCEPTED)."""
from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import running_local_stack

pytestmark = pytest.mark.e2e

START = "2027-01-01T00:00:00+00:00"
PRICES = [20, 10, 90, 100]  # EUR/MWh, hourly
BATTERY = {"soc-unit": "kWh", "soc-at-start": 0, "soc-min": 0, "soc-max": 20}
# The client's first wait between job polls (default 2 s); short here so the test (and P1's figure) is not
# dominated by a sleep.
FAST = dict(job_polling_interval=0.1, request_retry_interval=0.5)


def recorded(client) -> list[tuple[str, str, dict | None]]:
    """Record (method, uri, params) of every request the client makes, calling through unchanged."""
    calls: list[tuple[str, str, dict | None]] = []
    original = client.request

    async def request(uri, *args, **kwargs):
        calls.append((kwargs.get("method", "POST"), uri, kwargs.get("params")))
        return await original(uri, *args, **kwargs)

    client.request = request
    return calls


def scenario_for(account_id: int, tmp_path, within_seconds: float = 5):
    csv = tmp_path / "prices_and_power.csv"
    # A 15-minute kW sensor receives watts from a file.
    csv.write_text("event_start,event_value\n2027-01-02T00:00:00+00:00,5000\n2027-01-02T00:15:00+00:00,6000\n")

    async def scenario(client):
        calls = recorded(client)
        asset = await client.add_asset(name=f"fast path {time.time_ns()}", account_id=account_id, latitude=52.0,
                                       longitude=4.3, generic_asset_type_id=1)
        prices = await client.add_sensor(name="prices", event_resolution="PT1H", unit="EUR/MWh",
                                         generic_asset_id=asset["id"], timezone="UTC")
        await client.post_sensor_data(prices["id"], start=START, duration="PT4H", values=PRICES, unit="EUR/MWh")
        battery = await client.add_sensor(name="battery", event_resolution="PT15M", unit="kW",
                                          generic_asset_id=asset["id"], timezone="UTC",
                                          attributes={"capacity_in_mw": 0.01})
        assert client._supports_job_status_api()  # the server's version turns on the current code paths

        began = time.perf_counter()
        schedule = await client.trigger_and_get_schedule(
            sensor_id=battery["id"], start=START, duration="PT4H", flex_model=BATTERY,
            flex_context={"consumption-price": {"sensor": prices["id"]}})
        elapsed = time.perf_counter() - began
        assert schedule["unit"] == "kW" and len(schedule["values"]) == 16
        # Fill up (20 kWh at 10 kW) in the cheap first two hours, sell it all in the dear last two.
        assert sum(schedule["values"][:8]) / 4 == pytest.approx(20, abs=1e-3)
        assert sum(schedule["values"][8:]) / 4 == pytest.approx(-20, abs=1e-3)
        job_polls = [uri for method, uri, _ in calls if uri.startswith("jobs/")]
        assert job_polls, calls
        job_id = job_polls[0].split("/", 1)[1]
        # The schedule was fetched once the job had finished (no polling of the schedule endpoint).
        assert [uri for _, uri, _ in calls if "/schedules/" in uri and "trigger" not in uri] == [
            f"sensors/{battery['id']}/schedules/{job_id}"]
        assert elapsed < within_seconds, elapsed

        status = await client.get_job_status(job_id)
        assert status["status"] == "FINISHED" and status["result"]["num-beliefs"] == 16
        assert status["ended_at"] == status["ended-at"] and status["func_name"] == status["func-name"]

        in_mw = await client.get_schedule(sensor_id=battery["id"], schedule_id=job_id, duration="PT4H", unit="MW")
        assert in_mw["unit"] == "MW"
        assert in_mw["values"] == pytest.approx([v / 1000 for v in schedule["values"]], abs=1e-9)
        assert calls[-1][2]["unit"] == "MW"  # converted by the server, not by the client

        await client.post_sensor_data(battery["id"], file_path=str(csv), unit="W",
                                      belief_time_measured_instantly=True)
        uploaded = await client.get_sensor_data(battery["id"], start="2027-01-02T00:00:00+00:00", duration="PT30M",
                                                unit="kW", resolution="PT15M")
        assert uploaded["values"] == [5.0, 6.0]
        await client.delete_sensor_data(battery["id"], confirm_first=False, start="2027-01-02T00:00:00+00:00",
                                        until="2027-01-02T00:15:00+00:00")
        left = await client.get_sensor_data(battery["id"], start="2027-01-02T00:00:00+00:00", duration="PT30M",
                                            unit="kW", resolution="PT15M")
        assert left["values"] == [None, 6.0]
        return elapsed

    return scenario


def test_client_fast_path_with_seed_job_responses(local_stack, tmp_path):
    local_stack.run(scenario_for(local_stack.admin_account_id(), tmp_path), **FAST)


def test_default_client_schedules_within_2_seconds_on_the_local_stack(local_stack, tmp_path):
    """The client's own polling (first wait 2 s): the local stack holds the first GET /jobs until the job ends."""
    local_stack.run(scenario_for(local_stack.admin_account_id(), tmp_path, within_seconds=2))


def test_client_fast_path_with_flexmeasures_job_responses(tmp_path):
    with running_local_stack({"FLEXCLOUD_JOB_RESPONSES": "flexmeasures"}) as stack:
        stack.run(scenario_for(stack.admin_account_id(), tmp_path), **FAST)
