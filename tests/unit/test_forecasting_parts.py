"""The forecasting core's parts: local-time lags, calendar terms, gap filling and the linear models."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chalicelib.forecasting.calendar_terms import calendar_features, local_wall_time
from chalicelib.forecasting.filling import filled
from chalicelib.forecasting.grid import event_starts, grid_index, on_grid
from chalicelib.forecasting.lags import SeasonalLags
from chalicelib.forecasting.ridge import fit_median_ridge, fit_ridge

TZ = "Europe/Amsterdam"
HOUR = pd.Timedelta(hours=1)


def amsterdam_grid(first: str, hours: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first, tz=TZ).tz_convert("UTC"), periods=hours, freq=HOUR)


def test_yesterday_is_the_same_local_hour_across_a_spring_forward():
    grid = amsterdam_grid("2025-03-29", 72)
    lags = SeasonalLags(local_wall_time(grid, TZ), HOUR)
    monday_six = grid.get_loc(pd.Timestamp("2025-03-31T18:00", tz=TZ))
    sunday_six = grid.get_loc(pd.Timestamp("2025-03-30T18:00", tz=TZ))
    assert lags.days_back(1)[monday_six] == sunday_six
    assert monday_six - sunday_six == 24
    saturday_six = grid.get_loc(pd.Timestamp("2025-03-29T18:00", tz=TZ))
    assert sunday_six - saturday_six == 23  # one local day back is 23 absolute hours on the 23-hour day
    assert lags.days_back(1)[sunday_six] == saturday_six


def test_a_lag_within_the_horizon_moves_a_day_further_back():
    grid = amsterdam_grid("2025-03-28", 96)
    lags = SeasonalLags(local_wall_time(grid, TZ), HOUR)
    # Origin Sunday 00:00 local; the event 23 steps ahead is Monday 00:00, whose "yesterday" (Sunday 00:00)
    # is the first unknown event, so the lag falls back to Saturday 00:00.
    origin = grid.get_loc(pd.Timestamp("2025-03-30T00:00", tz=TZ))
    monday = grid.get_loc(pd.Timestamp("2025-03-31T00:00", tz=TZ))
    assert monday - origin == 23
    position = lags.latest_known(np.array([monday]), lead=24, period_days=1)[0]
    assert grid[position] == pd.Timestamp("2025-03-29T00:00", tz=TZ)
    assert position <= origin - 1


def test_the_fall_back_hour_and_the_grid_start_have_lags_or_none():
    grid = amsterdam_grid("2025-10-25", 72)
    lags = SeasonalLags(local_wall_time(grid, TZ), HOUR)
    back = lags.days_back(1)
    assert (back[:24] == -1).all()  # nothing a day before the first day
    second_two_am = grid.get_loc(pd.Timestamp("2025-10-26T01:00", tz="UTC"))  # 02:00 CET, the repeated hour
    assert grid[back[second_two_am]] == pd.Timestamp("2025-10-25T02:00", tz=TZ)


def test_calendar_terms_follow_local_time():
    grid = amsterdam_grid("2025-03-29", 72)
    terms = calendar_features(local_wall_time(grid, TZ), HOUR)
    assert terms.shape == (72, 12)
    six_pm = [grid.get_loc(pd.Timestamp(f"2025-03-{d}T18:00", tz=TZ)) for d in (29, 30)]
    np.testing.assert_allclose(terms[six_pm[0], :6], terms[six_pm[1], :6])  # the daily terms repeat
    assert calendar_features(local_wall_time(grid[::24], TZ), pd.Timedelta(days=1)).shape == (3, 6)
    assert calendar_features(local_wall_time(grid[::24], TZ), pd.Timedelta(days=7)).shape == (3, 0)


def test_short_gaps_are_interpolated_and_long_ones_take_the_daily_profile():
    hours = np.arange(24 * 4)
    values = (hours % 24).astype(float)  # 0..23 each day
    values[30] = np.nan  # one hour: interpolated
    values[50:60] = np.nan  # ten hours: the profile
    values[:2] = np.nan  # the edge: the profile
    out = filled(values, hours % 24, max_interpolated_steps=1)
    assert out[30] == 6.0
    np.testing.assert_allclose(out[50:60], np.arange(2, 12))
    np.testing.assert_allclose(out[:2], [0.0, 1.0])
    assert not np.isnan(out).any()


def test_on_grid_places_values_and_marks_what_is_missing():
    index = pd.date_range("2025-01-01", periods=5, freq=HOUR, tz="UTC")
    series = pd.Series([1.0, None, 3.0, 4.0, 5.0], index=index).drop(index[3])
    start = pd.Timestamp("2025-01-01T05:00", tz="UTC")
    grid = grid_index(index[0], start, 2, HOUR)
    assert len(grid) == 7 and grid[5] == start
    np.testing.assert_array_equal(on_grid(series, grid, "x"), [1, np.nan, 3, np.nan, 5, np.nan, np.nan])
    with pytest.raises(ValueError, match="more than one value"):
        on_grid(pd.concat([series, series]), grid, "x")


def test_ridge_recovers_a_linear_relation_and_ignores_a_constant_column():
    rng = np.random.default_rng(0)
    features = np.column_stack([rng.normal(size=500), rng.normal(size=500), np.ones(500)])
    target = 3 + 2 * features[:, 0] - features[:, 1] + rng.normal(0, 0.01, 500)
    predict = fit_ridge(features, target)
    np.testing.assert_allclose(predict(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 1.0]])), [4.0, 3.0], atol=0.01)


def test_median_ridge_is_not_pulled_by_outliers_as_least_squares_is():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(400, 1))
    target = 1 + features[:, 0] + rng.normal(0, 0.05, 400)
    target[rng.random(400) < 0.15] += 20  # one row in seven a large one-sided error
    at_zero = np.array([[0.0]])
    assert abs(fit_median_ridge(features, target)(at_zero)[0] - 1) < 0.1
    assert fit_ridge(features, target)(at_zero)[0] > 3


def test_daily_steps_are_calendar_days_in_the_sensors_timezone():
    start = pd.Timestamp("2025-03-29", tz=TZ)
    days = event_starts(start, np.arange(3), pd.Timedelta(days=1), TZ)
    assert [t.hour for t in days] == [0, 0, 0]
    assert days[2] - days[1] == pd.Timedelta(hours=23)  # across the spring-forward night
    hours = event_starts(start, np.arange(26), HOUR, TZ)
    assert hours[25] - hours[0] == 25 * HOUR  # shorter steps stay absolute
