"""Resampling: mean down, repeat up, instantaneous defaults, posted-series rules (contract §8.1, §8.2)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from chalicelib.timeseries.beliefs import to_us
from chalicelib.schemas.sensor_data import PostDataById
from chalicelib.timeseries.posting import PostingError, SensorSpec, to_beliefs
from chalicelib.timeseries.resampling import default_resolution, mean_of_groups, repeat_values, to_slots

M = 60_000_000  # one minute in µs
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_downsampling_takes_the_mean_and_gaps_are_nan():
    out = to_slots(np.array([0, 10, 20]) * M, [91.3, 91.7, 92.1], 10 * M, 0, 20 * M, 4)
    assert out[:2].tolist() == pytest.approx([91.5, 92.1]) and np.isnan(out[2:]).all()


def test_upsampling_repeats_and_uneven_resolutions_overlap():
    assert to_slots(np.array([0]) * M, [4.0], 60 * M, 0, 15 * M, 4).tolist() == [4.0] * 4
    # 15-minute events on 10-minute slots: the middle slot overlaps both events
    assert to_slots(np.array([0, 15]) * M, [1.0, 3.0], 15 * M, 0, 10 * M, 3).tolist() == [1.0, 2.0, 3.0]
    # an event starting before the window still covers its first slot
    before = to_slots(np.array([-30]) * M, [7.0], 60 * M, 0, 15 * M, 4)
    assert before[:2].tolist() == [7.0, 7.0] and np.isnan(before[2:]).all()


def test_instantaneous_values_fall_in_their_slot():
    out = to_slots(np.array([0, 3, 7]) * M, [1.0, 3.0, 10.0], 0, 0, 5 * M, 2)
    assert out.tolist() == [2.0, 10.0]


@pytest.mark.parametrize("window,expected", [(timedelta(hours=8), 5), (timedelta(hours=48), 15),
                                             (timedelta(days=14), 60), (timedelta(weeks=16), 1440),
                                             (timedelta(weeks=17), 10080)])
def test_default_resolution_for_instantaneous_sensors(window, expected):
    assert default_resolution(timedelta(0), window) == timedelta(minutes=expected)
    assert default_resolution(timedelta(minutes=15), window) == timedelta(minutes=15)


def test_repeat_and_group_means():
    assert repeat_values([1, 2], 2).tolist() == [1, 1, 2, 2]
    assert mean_of_groups([1, 3, np.nan, 5, np.nan, np.nan], 2)[:2].tolist() == [2.0, 5.0]
    assert np.isnan(mean_of_groups([np.nan, np.nan], 2)[0])


def _post(values, duration, unit="kW", **over):
    return PostDataById.model_construct(values=values, start=over.pop("start", T0), duration=duration, unit=unit,
                                        **{"horizon": None, "prior": None, "type": None, **over})


SENSOR = SensorSpec(unit="kW", resolution=timedelta(minutes=15))


def test_posted_values_are_spread_repeated_converted_and_nulls_dropped():
    out = to_beliefs(_post([1, None], timedelta(hours=1), unit="MW"), SENSOR, T0)
    assert ((out.event_start - to_us(T0)) // M).tolist() == [0, 15]
    assert out.value.tolist() == [1000.0, 1000.0]
    assert (out.belief_time == to_us(T0)).all()


def test_posted_timing_prior_and_horizon():
    prior = T0 - timedelta(days=1)
    assert (to_beliefs(_post([1], timedelta(minutes=15), prior=prior), SENSOR, T0).belief_time == to_us(prior)).all()
    ahead = to_beliefs(_post([1, 2], timedelta(minutes=30), horizon=timedelta(hours=1)), SENSOR, T0)
    # knowledge time (event end) minus the horizon
    assert ((ahead.belief_time - to_us(T0)) // M).tolist() == [-45, -30]


@pytest.mark.parametrize("post,field", [
    (_post([1, 2, 3], timedelta(minutes=15)), "_schema"),              # 5-minute values on a 15-minute sensor
    (_post([1, 2, 3], timedelta(minutes=40)), "_schema"),              # 40 minutes do not divide by 3
    (_post([1], timedelta(0)), "_schema"),                             # a zero duration on a 15-minute sensor
    (_post([1], timedelta(minutes=-15)), "duration"),
    (_post([1], timedelta(minutes=15), start=T0 + timedelta(minutes=5)), "start"),
    (_post([1], timedelta(minutes=15), unit="EUR"), "_schema"),
    (_post([1], timedelta(minutes=15), type="PostPriceDataRequest"), "_schema"),
])
def test_posting_errors(post, field):
    with pytest.raises(PostingError) as error:
        to_beliefs(post, SENSOR, T0)
    assert error.value.field == field


def test_grid_counts_from_midnight_in_the_sensor_timezone():
    daily = SensorSpec(unit="kW", resolution=timedelta(days=1), timezone="Europe/Amsterdam")
    local_midnight = datetime(2024, 12, 31, 23, tzinfo=timezone.utc)
    assert len(to_beliefs(_post([1], timedelta(days=1), start=local_midnight), daily, T0)) == 1
    with pytest.raises(PostingError):
        to_beliefs(_post([1], timedelta(days=1), start=T0 + timedelta(hours=6)), daily, T0)


def test_finer_data_is_averaged_only_when_allowed():
    post = _post([1, 3, 5, 7, 9, 11], timedelta(minutes=30))
    with pytest.raises(PostingError):
        to_beliefs(post, SENSOR, T0)
    assert to_beliefs(post, SENSOR, T0, current=True).value.tolist() == [3.0, 9.0]


def test_frequency_attribute_rounds_the_start():
    spec = SensorSpec(unit="kW", resolution=timedelta(minutes=15), frequency=timedelta(minutes=15))
    out = to_beliefs(_post([1], timedelta(minutes=15), start=T0 + timedelta(minutes=8)), spec, T0)
    assert out.event_start.tolist() == [to_us(T0 + timedelta(minutes=15))]


def test_current_rules_floor_the_start_and_convert_with_the_posted_resolution():
    hourly_kwh = _post([1, 2], timedelta(hours=2), unit="kWh")
    assert to_beliefs(hourly_kwh, SENSOR, T0).value.tolist() == [4.0] * 4 + [8.0] * 4  # the [SEED] quirk
    assert to_beliefs(hourly_kwh, SENSOR, T0, current=True).value.tolist() == [1.0] * 4 + [2.0] * 4
    late = to_beliefs(_post([1], timedelta(minutes=15), start=T0 + timedelta(minutes=7)), SENSOR, T0, current=True)
    assert late.event_start.tolist() == [to_us(T0)]
