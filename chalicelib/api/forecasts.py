"""Forecast endpoints: trigger a forecasting job for a sensor, fetch its forecasts (FlexMeasures 1.0.1)."""
from __future__ import annotations

from typing import Any

from chalicelib.api.responses import render_reply
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_sensor
from chalicelib.auth.permissions import CREATE_CHILDREN, READ
from chalicelib.schemas.forecasts import ForecastTrigger
from chalicelib.schemas.validation import validate
from chalicelib.services import forecasts as service
from chalicelib.services.loaders import sensor_or_422


def trigger_forecast(req: ApiRequest, id: int) -> Any:
    sensor = sensor_or_422(id)
    args = validate(ForecastTrigger, req.json(), location="json")
    # The forecasts are stored on the sensor itself, so triggering needs what posting data to it needs.
    require_sensor(req.user, CREATE_CHILDREN, sensor)
    return render_reply(service.accepted(sensor, service.trigger(req.user, sensor, args)), wrap=False)


def get_forecast(req: ApiRequest, id: int, uuid: str) -> Any:
    sensor = sensor_or_422(id)
    require_sensor(req.user, READ, sensor)
    return render_reply(service.result(sensor, uuid), wrap=False)
