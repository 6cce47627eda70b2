"""The forecasting core's behaviour on synthetic series with known patterns (no AWS, no store)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chalicelib.forecasting.errors import ForecastError
from chalicelib.forecasting.forecaster import forecast, minimum_history
from chalicelib.forecasting.grid import steps_between

TZ = "Europe/Amsterdam"
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)


def local_midnight(day: str) -> pd.Timestamp:
    return pd.Timestamp(day, tz=TZ).tz_convert("UTC")


def hourly_index(first_day: str, days: int) -> pd.DatetimeIndex:
    start = local_midnight(first_day)
    return pd.date_range(start, local_midnight((pd.Timestamp(first_day) + days * DAY).date().isoformat()),
                         freq=HOUR, inclusive="left")


def load_profile(index: pd.DatetimeIndex) -> np.ndarray:
    """An office-like load in local time: an evening peak at 18:00 on weekdays, lower and flatter at weekends."""
    local = index.tz_convert(TZ)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    weekend = local.dayofweek.to_numpy() >= 5
    daily = 4 * np.exp(-((hour - 18) ** 2) / 4) + 2 * np.exp(-((hour - 8) ** 2) / 3)
    return 10 + np.where(weekend, 0.3 * daily - 2, daily)


def noisy_load(index: pd.DatetimeIndex, seed: int = 1, noise: float = 0.4) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(load_profile(index) + rng.normal(0, noise, len(index)), index=index, name="load")


def mae(a, b) -> float:
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


def seasonal_naive(series: pd.Series, events: pd.DatetimeIndex) -> np.ndarray:
    return series.reindex(events - DAY).to_numpy()


def test_beats_seasonal_naive_on_daily_and_weekly_patterns():
    load = noisy_load(hourly_index("2025-01-06", 70))
    model_errors, naive_errors = [], []
    for day in pd.date_range("2025-02-24", periods=14, freq="D"):  # two full weeks, weekends included
        start = local_midnight(day.date().isoformat())
        predicted = forecast(load[load.index < start], start=start, horizon_steps=24, resolution=HOUR, timezone=TZ)
        truth = load.reindex(predicted.index).to_numpy()
        model_errors.append(mae(predicted, truth))
        naive_errors.append(mae(seasonal_naive(load, predicted.index), truth))
    noise_floor = 0.4 * np.sqrt(2 / np.pi)  # the MAE of a perfect forecast of this noise
    assert np.mean(model_errors) < 0.5 * np.mean(naive_errors)
    assert np.mean(model_errors) < 1.5 * noise_floor


def test_a_weekend_day_follows_last_weekend_not_yesterday():
    load = noisy_load(hourly_index("2025-01-06", 56))
    start = local_midnight("2025-03-01")  # a Saturday, after a Friday with the weekday shape
    predicted = forecast(load, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ)
    expected = load_profile(predicted.index)
    assert mae(predicted, expected) < 0.4
    assert mae(seasonal_naive(load, predicted.index), expected) > 2.0


def test_two_day_horizon_forecasts_the_second_day_too():
    load = noisy_load(hourly_index("2025-01-06", 60))
    start = local_midnight("2025-03-03")
    predicted = forecast(load, start=start, horizon_steps=48, resolution=HOUR, timezone=TZ)
    second_day = predicted.iloc[24:]
    assert mae(second_day, load_profile(second_day.index)) < 0.4


def test_a_future_regressor_the_target_depends_on_improves_the_forecast():
    index = hourly_index("2025-01-06", 60)
    rng = np.random.default_rng(7)
    driver = pd.Series(np.convolve(rng.normal(0, 1, len(index)), np.ones(6) / 6, mode="same"), index=index)
    target = pd.Series(load_profile(index) + 3 * driver.to_numpy() + rng.normal(0, 0.2, len(index)), index=index)
    start = local_midnight("2025-03-01")
    history = target[target.index < start]
    without = forecast(history, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ)
    with_driver = forecast(history, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ,
                           future_regressors={"driver": driver})
    truth = target.reindex(without.index)
    assert mae(with_driver, truth) < 0.4 * mae(without, truth)
    assert mae(with_driver, truth) < 0.35


def test_a_past_regressor_that_leads_the_target_improves_the_forecast():
    index = hourly_index("2025-01-06", 60)
    rng = np.random.default_rng(11)
    signal = pd.Series(rng.normal(0, 1, len(index)), index=index)
    # The target echoes the signal a day later: known at forecast time, and nowhere else to be had.
    echo = signal.shift(24).fillna(0).to_numpy()
    target = pd.Series(load_profile(index) + 2 * echo + rng.normal(0, 0.2, len(index)), index=index)
    start = local_midnight("2025-03-01")
    without = forecast(target[target.index < start], start=start, horizon_steps=24, resolution=HOUR, timezone=TZ)
    with_signal = forecast(target[target.index < start], start=start, horizon_steps=24, resolution=HOUR,
                           timezone=TZ, past_regressors={"signal": signal})
    truth = target.reindex(without.index)
    assert mae(with_signal, truth) < 0.4 * mae(without, truth)


def test_nothing_from_start_on_is_used():
    load = noisy_load(hourly_index("2025-01-06", 40))
    signal = pd.Series(np.random.default_rng(3).normal(size=len(load)), index=load.index)
    start = local_midnight("2025-02-05")
    first = forecast(load, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ,
                     past_regressors={"signal": signal})
    altered_load, altered_signal = load.copy(), signal.copy()
    altered_load[altered_load.index >= start] += 100
    altered_signal[altered_signal.index >= start] = -50
    second = forecast(altered_load, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ,
                      past_regressors={"signal": altered_signal})
    pd.testing.assert_series_equal(first, second)


def test_gaps_are_bridged():
    load = noisy_load(hourly_index("2025-01-06", 50))
    rng = np.random.default_rng(5)
    gappy = load.copy()
    gappy[rng.random(len(gappy)) < 0.2] = np.nan  # a fifth of the hours missing, scattered
    gappy[(gappy.index >= local_midnight("2025-02-01")) & (gappy.index < local_midnight("2025-02-04"))] = np.nan
    start = local_midnight("2025-02-20")
    gappy = gappy[gappy.index < start - 3 * HOUR]  # the latest hours absent
    gappy = gappy.drop(gappy.index[::7])  # and some rows not NaN but gone
    predicted = forecast(gappy, start=start, horizon_steps=24, resolution=HOUR, timezone=TZ)
    assert predicted.notna().all()
    assert mae(predicted, load_profile(predicted.index)) < 0.5


def test_output_index_has_the_requested_length_resolution_timezone_and_start():
    index = pd.date_range("2025-01-01", periods=10 * 96, freq="15min", tz="UTC")
    values = pd.Series(np.sin(np.arange(len(index)) * 2 * np.pi / 96), index=index, name="power")
    start = pd.Timestamp("2025-01-11T00:00", tz="UTC").tz_convert("Asia/Kolkata")
    predicted = forecast(values, start=start, horizon_steps=37, resolution=pd.Timedelta(minutes=15))
    assert len(predicted) == 37
    assert predicted.index[0] == start
    assert str(predicted.index.tz) == "Asia/Kolkata"
    assert (np.diff(predicted.index.asi8) == pd.Timedelta(minutes=15).value).all()
    assert predicted.name == "power"


@pytest.mark.parametrize("day, hours", [("2025-03-30", 23), ("2025-10-26", 25), ("2025-06-01", 24)])
def test_a_local_day_has_its_dst_number_of_steps(day, hours):
    start = pd.Timestamp(day, tz=TZ)
    end = start + pd.DateOffset(days=1)
    steps = steps_between(start, end, pd.Timedelta(minutes=15))
    assert steps == hours * 4
    load = noisy_load(pd.date_range(start - 8 * DAY, start, freq="15min", inclusive="left").tz_convert("UTC"))
    predicted = forecast(load, start=start, horizon_steps=steps, resolution=pd.Timedelta(minutes=15), timezone=TZ)
    assert len(predicted) == hours * 4
    assert predicted.index[-1] + pd.Timedelta(minutes=15) == end
    local_hours = predicted.index.tz_convert(TZ).hour
    assert sorted(set(local_hours)) == ([h for h in range(24) if h != 2] if hours == 23 else list(range(24)))


def test_the_peak_stays_at_its_local_hour_across_a_dst_change():
    load = noisy_load(hourly_index("2025-02-24", 40), noise=0.1)
    for day in ("2025-03-31", "2025-03-30"):  # the Monday after the change, and the 23-hour Sunday itself
        start = local_midnight(day)
        predicted = forecast(load[load.index < start], start=start, horizon_steps=steps_between(
            start, local_midnight((pd.Timestamp(day) + DAY).date().isoformat()), HOUR), resolution=HOUR, timezone=TZ)
        assert predicted.index[predicted.argmax()].tz_convert(TZ).hour == 18
        assert mae(predicted, load_profile(predicted.index)) < 0.3


def test_a_daily_sensor_keeps_local_midnight_across_dst():
    days = pd.date_range("2025-01-06", "2025-03-28", freq="D", tz=TZ)  # local midnights, 23 h apart once
    weekend = days.dayofweek >= 5
    daily = pd.Series(np.where(weekend, 13.0, 10.0) + np.random.default_rng(2).normal(0, 0.2, len(days)),
                      index=days.tz_convert("UTC"))
    start = pd.Timestamp("2025-03-29", tz=TZ)
    assert steps_between(start, pd.Timestamp("2025-04-05", tz=TZ), DAY, TZ) == 7
    predicted = forecast(daily, start=start, horizon_steps=7, resolution=DAY, timezone=TZ)
    assert list(predicted.index.tz_convert(TZ).hour) == [0] * 7
    expected = np.where(predicted.index.tz_convert(TZ).dayofweek >= 5, 13.0, 10.0)
    assert mae(predicted, expected) < 0.5


def test_too_little_history_says_how_much_is_needed():
    load = noisy_load(hourly_index("2025-01-06", 5))
    start = load.index[36]
    with pytest.raises(ForecastError, match=r"Too little history: 1 day 12 hours of data before .*, while "
                                            r"forecasting 24 steps of 1 hour needs at least 2 days"):
        forecast(load, start=start, horizon_steps=24, resolution=HOUR)
    with pytest.raises(ForecastError, match="needs at least 3 days"):
        forecast(load, start=load.index[60], horizon_steps=48, resolution=HOUR)
    assert minimum_history(48, HOUR) == 3 * DAY


def test_no_measurements_before_start():
    load = noisy_load(hourly_index("2025-01-06", 5))
    load[:] = np.nan
    with pytest.raises(ForecastError, match="load has no measured values before"):
        forecast(load, start=load.index[-1], horizon_steps=4, resolution=HOUR)


def test_gaps_everywhere_are_refused():
    load = noisy_load(hourly_index("2025-01-06", 20))
    sparse = load[::24]  # one value a day: too few rows to train each step ahead
    with pytest.raises(ForecastError, match=r"Too many gaps: only \d+ measured values can train"):
        forecast(sparse, start=load.index[-1] + HOUR, horizon_steps=24, resolution=HOUR)
    with pytest.raises(ForecastError, match=r"load has 95\.8% missing values in its history, more than the "
                                            r"allowed 50\.0%"):
        forecast(sparse, start=load.index[-1] + HOUR, horizon_steps=24, resolution=HOUR, max_missing_fraction=0.5)


def test_a_future_regressor_must_cover_the_horizon():
    load = noisy_load(hourly_index("2025-01-06", 10))
    start = load.index[-1] + HOUR
    with pytest.raises(ForecastError, match="future regressor 'weather' has no values from .* on"):
        forecast(load, start=start, horizon_steps=24, resolution=HOUR, future_regressors={"weather": load * 2})


def test_events_off_the_grid_are_refused():
    load = noisy_load(hourly_index("2025-01-06", 10))
    shifted = load.copy()
    shifted.index = shifted.index + pd.Timedelta(minutes=30)
    with pytest.raises(ForecastError, match="off the forecast's grid of 0 days 01:00:00 steps"):
        forecast(shifted, start=load.index[-1] + HOUR, horizon_steps=24, resolution=HOUR)


def test_bounds_clip_the_forecast():
    load = noisy_load(hourly_index("2025-01-06", 17))  # up to a Thursday, whose range spans both bounds
    predicted = forecast(load, start=load.index[-1] + HOUR, horizon_steps=24, resolution=HOUR, timezone=TZ,
                         lower=10.5, upper=12.0)
    assert predicted.min() == 10.5 and predicted.max() == 12.0


@pytest.mark.parametrize("kwargs, message", [
    ({"horizon_steps": 0}, "horizon_steps must be at least 1"),
    ({"resolution": pd.Timedelta(0)}, "positive resolution"),
    ({"start": pd.Timestamp("2025-01-20")}, "start must be timezone-aware"),
])
def test_arguments_no_data_could_make_valid(kwargs, message):
    load = noisy_load(hourly_index("2025-01-06", 20))
    arguments = {"start": load.index[-1] + HOUR, "horizon_steps": 24, "resolution": HOUR, **kwargs}
    with pytest.raises(ValueError, match=message):
        forecast(load, **arguments)


def test_steps_between_refuses_a_partial_step():
    start = pd.Timestamp("2025-01-01", tz="UTC")
    assert steps_between(start, start + 2 * DAY, HOUR) == 48
    with pytest.raises(ValueError, match="not a positive whole number of"):
        steps_between(start, start + pd.Timedelta(minutes=90), HOUR)
