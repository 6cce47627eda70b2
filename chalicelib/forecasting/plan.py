"""Which forecasts a trigger asks for: the prediction window, its viewpoints and their horizon.

FlexMeasures' rules (ForecasterParametersSchema.resolve_config): the window starts at `start` (default: now,
floored to the sensor's resolution) and lasts `duration` (default: the planning horizon) or runs to `end`; each
viewpoint, every `forecast-frequency`, forecasts `max-forecast-horizon` ahead (default: the whole window). Pure
datetime arithmetic, no numpy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Bounds on the work one job may ask for (each viewpoint trains one model per step ahead).
MAX_VIEWPOINTS = 48
MAX_STEPS_PER_VIEWPOINT = 2520  # the scheduler's longest horizon, FLEXMEASURES_MAX_PLANNING_HORIZON


class PlanError(ValueError):
    """A trigger whose timing cannot be met: `field` names the request field to blame (None: the whole body)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ForecastPlan:
    start: datetime
    end: datetime
    resolution: timedelta
    horizon: timedelta  # how far each viewpoint forecasts
    frequency: timedelta  # time between viewpoints
    belief_time: datetime | None  # when the forecasts count as formed; None: each viewpoint's own time

    @property
    def horizon_steps(self) -> int:
        return self.horizon // self.resolution

    def viewpoints(self) -> list[datetime]:
        count = max((self.end - self.start) // self.frequency, 1)
        return [self.start + k * self.frequency for k in range(count)]

    def to_json(self) -> dict:
        """As a job stores it (JSON), for `from_json`."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "resolution_s": self.resolution.total_seconds(), "horizon_s": self.horizon.total_seconds(),
                "frequency_s": self.frequency.total_seconds(),
                "belief_time": self.belief_time.isoformat() if self.belief_time else None}

    @classmethod
    def from_json(cls, stored: dict) -> "ForecastPlan":
        return cls(datetime.fromisoformat(stored["start"]), datetime.fromisoformat(stored["end"]),
                   timedelta(seconds=stored["resolution_s"]), timedelta(seconds=stored["horizon_s"]),
                   timedelta(seconds=stored["frequency_s"]),
                   datetime.fromisoformat(stored["belief_time"]) if stored.get("belief_time") else None)


def plan_forecasts(*, resolution: timedelta, now: datetime, default_duration: timedelta,
                   start: datetime | None = None, end: datetime | None = None, duration: timedelta | None = None,
                   prior: datetime | None = None, max_forecast_horizon: timedelta | None = None,
                   forecast_frequency: timedelta | None = None) -> ForecastPlan:
    if resolution <= timedelta(0):
        raise PlanError("Forecasts need a sensor with a positive event resolution (not an instantaneous sensor).")
    for name, value in (("max-forecast-horizon", max_forecast_horizon), ("forecast-frequency", forecast_frequency)):
        if value is not None and value % resolution:
            raise PlanError(f"{name} must be a multiple of the sensor resolution ({_text(resolution)})", name)
    if start is None:
        if duration is not None and end is not None:
            start = end - duration
        else:
            start = _floor(now, resolution)
            if end is not None and start >= end:
                raise PlanError(f"Resolved predict start ({start.isoformat()}) is not before end "
                                f"({end.isoformat()}). Provide start explicitly or choose a later end.", "end")
        belief_time = prior or now
    else:
        belief_time = prior  # None: each viewpoint believes at its own start, as a forecast made then would
    if (start - _floor(start, resolution)) or (end is not None and (end - _floor(end, resolution))):
        raise PlanError(f"start and end must lie on the sensor's resolution ({_text(resolution)}).")
    if end is None:
        end = start + (duration or default_duration)
    period = end - start
    if period % resolution:
        raise PlanError(f"The forecast window must be a multiple of the sensor resolution ({_text(resolution)}).",
                        "duration")
    horizon = max_forecast_horizon
    if horizon is not None and duration is not None and horizon < period:
        raise PlanError("This combination of parameters will not yield forecasts for the entire prediction window.",
                        "max-forecast-horizon")
    if horizon is None:
        horizon = period
    elif horizon > period:
        raise PlanError("max-forecast-horizon must be less than or equal to the forecast window (duration)",
                        "max-forecast-horizon")
    elif horizon < period and forecast_frequency is None:
        end, period = start + horizon, horizon
    frequency = forecast_frequency or min(horizon, period)
    plan = ForecastPlan(start, end, resolution, horizon, frequency, belief_time)
    if plan.horizon_steps > MAX_STEPS_PER_VIEWPOINT:
        raise PlanError(f"A forecast may reach at most {MAX_STEPS_PER_VIEWPOINT} steps ahead; this one reaches "
                        f"{plan.horizon_steps}.", "max-forecast-horizon")
    if len(plan.viewpoints()) > MAX_VIEWPOINTS:
        raise PlanError(f"A job may forecast from at most {MAX_VIEWPOINTS} viewpoints; this one asks for "
                        f"{len(plan.viewpoints())} (raise forecast-frequency).", "forecast-frequency")
    return plan


def _floor(moment: datetime, resolution: timedelta) -> datetime:
    """Floor to the resolution, counted from the epoch (as FlexMeasures floors to the sensor's resolution)."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return moment - ((moment - epoch) % resolution)


def _text(step: timedelta) -> str:
    return str(step)
