"""Field types shared by the schemas: aware datetimes, ISO durations, JSON-in-string fields, flags."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from chalicelib.schemas import json_text
from chalicelib.schemas.durations import DurationError, parse_duration


class StrictBody(BaseModel):
    """A JSON body: unknown keys are 422 "Unknown field.", keys keep FlexMeasures' spelling."""

    # defer_build: schemas are compiled on first use, not when a cold Lambda imports every route.
    model_config = ConfigDict(extra="forbid", populate_by_name=False, defer_build=True)


class QueryArgs(BaseModel):
    """Query-string arguments: unknown keys are ignored, as webargs does for the query location.

    `RENAMED` maps a field to the spelling FlexMeasures 1.0 gave it (`per_page` -> `per-page`): both are read, the
    new one wins when a request sends both, and errors name the new one (its SupportsLegacyFieldAliases).
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)
    RENAMED: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _read_new_spellings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(new in data for new in cls.RENAMED.values()):
            return data
        data = dict(data)
        for old, new in cls.RENAMED.items():
            if new in data:
                data[old] = data.pop(new)
        return data


def parse_aware_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        # An unencoded "+02:00" in a query string arrives as " 02:00".
        text = value.strip().replace(" ", "+")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("Not a valid aware datetime.") from None
    else:
        raise ValueError("Not a valid aware datetime.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("Not a valid aware datetime.")
    return parsed


def _parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


def _parse_json_string(value: Any) -> Any:
    """JSON-encoded string fields; objects are accepted too, as [CURRENT] FlexMeasures does."""
    if isinstance(value, str):
        try:
            return json_text.loads(value)
        except json_text.JsonRefused as refused:
            raise ValueError(refused.message) from None
        except ValueError:
            raise ValueError(json_text.NOT_JSON) from None
    if isinstance(value, (dict, list)):
        return value  # the body it came in was checked (api/routing.py)
    raise ValueError("Not a valid JSON string.")


AwareDatetime = Annotated[datetime, BeforeValidator(parse_aware_datetime)]
Duration = Annotated[timedelta, BeforeValidator(_parse_duration)]
JsonString = Annotated[Any, BeforeValidator(_parse_json_string)]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def isoformat(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()

