"""Bodies and query arguments of the sensor data endpoints (contract §8.1, §8.2)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chalicelib.schemas.common import AwareDatetime, Duration, QueryArgs, StrictBody

POST_TYPES = Literal["PostSensorDataRequest", "PostMeterDataRequest", "PostPrognosisRequest",
                     "PostPriceDataRequest", "PostWeatherDataRequest"]
GET_TYPES = Literal["GetSensorDataRequest", "GetMeterDataRequest", "GetPrognosisRequest", "GetPriceDataRequest"]


def _as_list(value: Any) -> Any:
    """A single number stands for a list of one; a single null is refused."""
    if value is None:
        raise ValueError("Field may not be null.")
    return value if isinstance(value, list) else [value]


def _not_boolean(value: Any) -> Any:
    """JSON's true/false are not numbers (marshmallow's Float refuses them; pydantic would read 1.0/0.0)."""
    if isinstance(value, bool):
        raise ValueError("Not a valid number.")
    return value


# Finite only, as FlexMeasures' Float(allow_nan=False): NaN, Infinity, 1e400 and "inf" cannot be served as JSON.
Value = Annotated[float, BeforeValidator(_not_boolean), Field(allow_inf_nan=False)]
Values = Annotated[list[Value | None], BeforeValidator(_as_list), Field(min_length=1)]


class _Timing(BaseModel):
    """The window, unit and belief timing that posting and reading share."""

    model_config = ConfigDict(defer_build=True)

    start: AwareDatetime
    duration: Duration
    unit: str
    horizon: Duration | None = None
    prior: AwareDatetime | None = None


class PostDataById(StrictBody, _Timing):
    """POST /sensors/<id>/data ([CURRENT], what flexmeasures-client 0.9.6 sends)."""

    values: Values
    type: POST_TYPES | None = None


class PostData(PostDataById):
    """POST /sensors/data: the sensor is named by its entity address."""

    sensor: str


class GetDataById(QueryArgs, _Timing):
    resolution: Duration | None = None
    source: int | None = None
    type: GET_TYPES | None = None


class GetData(GetDataById):
    sensor: str
