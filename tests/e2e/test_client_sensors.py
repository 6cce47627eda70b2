"""flexmeasures-client 0.9.6, unchanged, against the local stack: sensors, posting, reading, upload, deletes."""
from __future__ import annotations

import pytest

from tests.expected import entity_address

pytestmark = pytest.mark.e2e


def test_client_sensor_lifecycle_and_data(local_stack, tmp_path):
    account_id = local_stack.admin_account_id()
    csv = tmp_path / "meter.csv"
    csv.write_text("event_start,event_value\n2025-01-02T00:00:00+00:00,5\n2025-01-02T00:15:00+00:00,6\n")

    async def scenario(client):
        asset = await client.add_asset(name="client e2e site", account_id=account_id, latitude=52.0,
                                       longitude=4.3, generic_asset_type_id=1)
        sensor = await client.add_sensor(name="power", event_resolution="PT15M", unit="kW",
                                         generic_asset_id=asset["id"], timezone="Europe/Amsterdam",
                                         attributes={"capacity_in_mw": 0.5})
        assert sensor["entity_address"] == entity_address(sensor["id"])
        assert sensor["attributes"] == '{"capacity_in_mw": 0.5}'
        fetched = await client.get_sensor(sensor["id"], parse_json_fields=True)
        assert fetched["attributes"] == {"capacity_in_mw": 0.5} and fetched["event_resolution"] == "PT15M"
        listed = await client.get_sensors(asset_id=asset["id"], parse_json_fields=True)
        assert [s["id"] for s in listed] == [sensor["id"]]
        updated = await client.update_sensor(sensor["id"], {"name": "grid power", "attributes": {"x": 1}},
                                             parse_json_fields=False)
        assert (updated["name"], updated["attributes"]) == ("grid power", '{"x": 1}')

        await client.post_sensor_data(sensor["id"], start="2025-01-01T01:00:00+01:00", duration="PT1H",
                                      values=[1, 2, 3, 4], unit="kW")
        data = await client.get_sensor_data(sensor["id"], start="2025-01-01T00:00:00+00:00", duration="PT1H",
                                            unit="W", resolution="PT30M")
        assert data == {"values": [1500.0, 3500.0], "start": "2025-01-01T00:00:00+00:00",
                        "duration": "PT1H", "unit": "W"}

        await client.post_sensor_data(sensor["id"], file_path=str(csv), belief_time_measured_instantly=True)
        uploaded = await client.get_sensor_data(sensor["id"], start="2025-01-02T00:00:00+00:00",
                                                duration="PT30M", unit="kW", resolution="PT15M")
        assert uploaded["values"] == [5.0, 6.0]

        await client.delete_sensor_data(sensor["id"], confirm_first=False, start="2025-01-01T00:30:00+00:00",
                                        until="2025-01-02T00:15:00+00:00")
        left = await client.get_sensor_data(sensor["id"], start="2025-01-01T00:00:00+00:00", duration="P2D",
                                            unit="kW", resolution="P1D")
        assert left["values"] == [1.5, 6.0]

        await client.delete_sensor(sensor["id"], confirm_first=False)
        with pytest.raises(Exception):
            await client.get_sensor(sensor["id"], parse_json_fields=True)

    local_stack.run(scenario)
