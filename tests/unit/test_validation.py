"""pydantic errors -> webargs' nested 422 shape."""
from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field, model_validator

from chalicelib.errors import ApiError
from chalicelib.schemas.common import AwareDatetime, Duration, JsonString, StrictBody
from chalicelib.schemas.validation import validate


class Item(StrictBody):
    value: int


class Body(StrictBody):
    name: str
    count: int = Field(default=1, ge=1)
    when: AwareDatetime | None = None
    span: Duration | None = None
    kind: Literal["a", "b"] = "a"
    items: list[Item] = []
    attributes: JsonString = None
    flex_model: dict | None = Field(default=None, alias="flex-model")

    @model_validator(mode="after")
    def _check(self):
        if self.name == "bad":
            raise ValueError("Name may not be bad.")
        return self


def errors_of(data, location="json"):
    with pytest.raises(ApiError) as info:
        validate(Body, data, location)
    assert info.value.status_code == 422
    body = info.value.body
    assert body["result"] == "Rejected" and body["status"] == "UNPROCESSABLE_ENTITY"
    return body["message"][location]


def test_missing_and_unknown_fields():
    assert errors_of({"nmae": "x"}) == {"name": ["Missing data for required field."], "nmae": ["Unknown field."]}


def test_type_errors():
    errs = errors_of({"name": "x", "count": "many", "kind": "c"})
    assert errs == {"count": ["Not a valid integer."], "kind": ["Must be one of: a, b."]}


def test_range_and_nested_list_items_keyed_by_index():
    errs = errors_of({"name": "x", "count": 0, "items": [{"value": 1}, {"value": "x"}]})
    assert errs == {"count": ["Must be greater than or equal to 1."], "items": {"1": {"value": ["Not a valid integer."]}}}


def test_datetime_duration_json_string():
    errs = errors_of({"name": "x", "when": "2024-01-01T00:00:00", "span": "PT1H30S", "attributes": "{bad"})
    assert errs == {"when": ["Not a valid aware datetime."], "span": ["FlexMeasures only support multiples of 1 minute."],
                    "attributes": ["Not a valid JSON string."]}


def test_cross_field_errors_go_under_schema():
    assert errors_of({"name": "bad"}) == {"_schema": ["Name may not be bad."]}


def test_alias_names_are_used_and_non_objects_rejected():
    assert errors_of({"name": "x", "flex_model": {}}) == {"flex_model": ["Unknown field."]}
    with pytest.raises(ApiError) as info:
        validate(Body, [1, 2], "json")
    assert info.value.body["message"] == {"json": {"_schema": ["Invalid input type."]}}


def test_valid_body_parses_values():
    body = validate(Body, {"name": "x", "when": "2024-01-01T00:00:00 01:00", "span": "P0DT0H15M0S",
                           "attributes": '{"a": 1}', "flex-model": {}})
    assert body.when.utcoffset().total_seconds() == 3600
    assert body.span.total_seconds() == 900
    assert body.attributes == {"a": 1}
