"""Posting sensor data through the service, without HTTP: concurrent posts to one sensor day."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

import pytest

from chalicelib.schemas.sensor_data import PostData
from chalicelib.services.sensor_data import beliefs_from_body, save_for_user
from chalicelib.store import beliefs, sources
from tests.concurrency import BeliefRace
from tests.expected import entity_address
from tests.factories import make_site

DAY = datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)


@pytest.fixture
def site(aws):
    return make_site(sensors={"sensor": dict(name="power", unit="kW", minutes=10)})


def test_two_concurrent_posts_to_one_sensor_day_both_land(site, monkeypatch):
    """Both requests read the day before either writes; the loser of the version check re-merges."""
    race = BeliefRace(monkeypatch)
    sources.user_source(site.member.user)  # both posts share the source; create it up front

    def post(start: str, values: list[float]):
        body = PostData(sensor=entity_address(site.sensor.id), values=values, start=start, duration="PT30M",
                        unit="kW")
        return save_for_user(site.member.user, site.sensor, beliefs_from_body(site.sensor, body))

    answers, errors = race.run(partial(post, "2025-01-01T00:00:00+00:00", [1, 2, 3]),
                               partial(post, "2025-01-01T12:00:00+00:00", [4, 5, 6]))
    assert errors == [] and [a[1] for a in answers] == [200, 200]
    assert [a[0]["status"] for a in answers] == ["PROCESSED", "PROCESSED"]
    assert sorted(beliefs.read_beliefs(site.sensor.id, *DAY).value.tolist()) == [1, 2, 3, 4, 5, 6]
    assert len(list(beliefs.BeliefChunk.query(site.sensor.id))) == 1
