"""Forecasting's pure core (numpy and pandas only): `forecast` a sensor's next events, or a ForecastError."""
from chalicelib.forecasting.errors import ForecastError
from chalicelib.forecasting.forecaster import forecast, minimum_history
from chalicelib.forecasting.grid import steps_between

__all__ = ["ForecastError", "forecast", "minimum_history", "steps_between"]
