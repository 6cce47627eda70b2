"""Run a pydantic model over request data and map its errors to webargs' nested 422 shape (error_shapes.py)."""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.errors import unprocessable
from chalicelib.schemas.error_shapes import nest_errors

M = TypeVar("M", bound=BaseModel)

def validate(model: type[M], data: Any, location: str = "json") -> M:
    """Validate `data` against `model`; a failure raises the contract's 422 for that location."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise unprocessable(location, {"_schema": ["Invalid input type."]})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = nest_errors(exc.errors(include_url=False))
        renamed = getattr(model, "RENAMED", {})
        raise unprocessable(location, {renamed.get(key, key): value for key, value in errors.items()}) from None
