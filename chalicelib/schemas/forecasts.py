"""The forecast trigger's body, with FlexMeasures 1.0.1's fields (ForecastingTriggerSchema and its `config`).

FlexMeasures' CLI-only fields (`model-save-dir`, `output-path`) and LightGBM-specific ones (`model-params`,
`annotation-regressors`, `snap`) are unknown fields here: the forecaster is ours (README "Forecasting").
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Union

from pydantic import Field, FiniteFloat, field_validator, model_validator

from chalicelib.schemas.common import AwareDatetime, Duration, StrictBody

# The models a trigger may name: FlexMeasures' forecaster class name (top level) and our model (in `config`).
PIPELINE = "TrainPredictPipeline"
MODEL = "MedianRidge"


class SensorReference(StrictBody):
    """A regressor given as {"sensor": <id>} (FlexMeasures' source filters are not supported)."""

    sensor: int


Regressor = Union[int, SensorReference]


class ForecastConfig(StrictBody):
    """How to train: regressors, training window, post-processing (FlexMeasures' TrainPredictPipelineConfig)."""

    model: Literal["MedianRidge"] = MODEL
    future_regressors: list[Regressor] = Field(default_factory=list, alias="future-regressors", max_length=20)
    past_regressors: list[Regressor] = Field(default_factory=list, alias="past-regressors", max_length=20)
    regressors: list[Regressor] = Field(default_factory=list, max_length=20)
    missing_threshold: FiniteFloat = Field(1.0, alias="missing-threshold", ge=0, le=1)
    ensure_positive: bool | None = Field(False, alias="ensure-positive")
    lower: FiniteFloat | None = None
    upper: FiniteFloat | None = None
    train_start: AwareDatetime | None = Field(None, alias="train-start")
    train_period: Duration | None = Field(timedelta(days=30), alias="train-period")
    max_training_period: Duration | None = Field(timedelta(days=365), alias="max-training-period")
    retrain_frequency: Duration | None = Field(None, alias="retrain-frequency")

    @field_validator("train_period")
    @classmethod
    def _at_least_two_days(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(days=2):
            raise ValueError("train-period must be at least 2 days (48 hours)")
        return value

    @field_validator("retrain_frequency")
    @classmethod
    def _at_least_an_hour(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(hours=1):
            raise ValueError("retrain-frequency must be at least 1 hour")
        return value

    @model_validator(mode="after")
    def _bounds_in_order(self) -> "ForecastConfig":
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError("lower must not exceed upper.")
        return self

    def regressor_ids(self) -> tuple[list[int], list[int]]:
        """(future, past) regressor sensor ids; `regressors` count as both, as FlexMeasures merges them."""
        both = [_sensor_id(r) for r in self.regressors]
        future = _unique([_sensor_id(r) for r in self.future_regressors] + both)
        past = _unique([_sensor_id(r) for r in self.past_regressors] + both)
        return future, past

    def training_period(self) -> timedelta:
        """The training window's length when no train-start is given (capped by max-training-period)."""
        period = self.train_period or timedelta(days=30)
        return min(period, self.max_training_period) if self.max_training_period else period


class ForecastTrigger(StrictBody):
    """POST /sensors/<id>/forecasts/trigger (FlexMeasures 1.0.1's ForecastingTriggerSchema)."""

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    duration: Duration | None = None
    prior: AwareDatetime | None = None
    max_forecast_horizon: Duration | None = Field(None, alias="max-forecast-horizon")
    forecast_frequency: Duration | None = Field(None, alias="forecast-frequency")
    probabilistic: bool = False
    model: Literal["TrainPredictPipeline"] = PIPELINE
    config: ForecastConfig = Field(default_factory=ForecastConfig)

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: object) -> object:
        # FlexMeasures drops null values before validating, so an explicit null means "the default".
        if isinstance(data, dict):
            given = {key for key in ("start", "end", "duration") if data.get(key) is not None}
            if len(given) > 2:
                raise ValueError("Provide 'duration' with either 'start' or 'end', but not with both.")
            return {key: value for key, value in data.items() if value is not None}
        return data

    @field_validator("probabilistic")
    @classmethod
    def _deterministic_only(cls, value: bool) -> bool:
        if value:
            raise ValueError("Probabilistic forecasts are not supported; the forecaster gives one value per event.")
        return value

    @field_validator("duration", "max_forecast_horizon", "forecast_frequency")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("Must be a positive duration.")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> "ForecastTrigger":
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("start must be before end")
        return self


def _sensor_id(regressor: Regressor) -> int:
    return regressor if isinstance(regressor, int) else regressor.sensor


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def forecast_result(start: datetime, duration: str, values: list[float], unit: str) -> dict:
    """GET /sensors/<id>/forecasts/<uuid> of a finished job: FlexMeasures sends these four keys only."""
    return {"start": start.isoformat(), "duration": duration, "values": values, "unit": unit}
