"""webargs' nested 422 shape from pydantic-style error lists, without importing pydantic: the request path
(routing's JSON checks) builds these before any model is compiled."""
from __future__ import annotations

from typing import Any

# pydantic error type -> marshmallow's message (what FlexMeasures clients see).
_MESSAGES = {
    "missing": "Missing data for required field.",
    "extra_forbidden": "Unknown field.",
    "int_parsing": "Not a valid integer.",
    "int_type": "Not a valid integer.",
    "int_from_float": "Not a valid integer.",
    "float_parsing": "Not a valid number.",
    "float_type": "Not a valid number.",
    "finite_number": "Not a valid number.",
    "string_type": "Not a valid string.",
    "bool_parsing": "Not a valid boolean.",
    "bool_type": "Not a valid boolean.",
    "list_type": "Not a valid list.",
    "dict_type": "Not a valid mapping type.",
    "model_type": "Invalid input type.",
    "model_attributes_type": "Invalid input type.",
    "none_required": "Field may not be null.",
    "datetime_parsing": "Not a valid datetime.",
    "datetime_type": "Not a valid datetime.",
    "timezone_aware": "Not a valid aware datetime.",
    "too_short": "Shorter than minimum length {min_length}.",
    "string_too_short": "Shorter than minimum length {min_length}.",
    "string_too_long": "Longer than maximum length {max_length}.",
    "greater_than_equal": "Must be greater than or equal to {ge}.",
    "less_than_equal": "Must be less than or equal to {le}.",
    "greater_than": "Must be greater than {gt}.",
    "less_than": "Must be less than {lt}.",
}


def error_message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error" or kind == "assertion_error":
        exc = ctx.get("error")
        return str(exc) if exc is not None else error["msg"]
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",")]
        return "Must be one of: " + ", ".join(options) + "."
    if kind == "enum":
        return "Must be one of: " + ctx.get("expected", "").replace("'", "").replace(" or ", ", ") + "."
    template = _MESSAGES.get(kind)
    if template is None:
        return error["msg"]
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def nest_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """pydantic's flat error list -> {"field": ["msg"], "nested": {"0": {"f": ["msg"]}}, "_schema": [...]}."""
    out: dict[str, Any] = {}
    for error in errors:
        # Union members and validator wrappers add type names to loc; keep only real keys.
        loc = [part for part in error["loc"] if not _is_union_tag(part)]
        message = error_message(error)
        if not loc:
            loc = ["_schema"]
        node = out
        for part in loc[:-1]:
            key = str(part)
            existing = node.get(key)
            if not isinstance(existing, dict):
                existing = {}
                node[key] = existing
            node = existing
        leaf = str(loc[-1])
        bucket = node.setdefault(leaf, [])
        if isinstance(bucket, list) and message not in bucket:
            bucket.append(message)
    return out


def nested_error(path: tuple[Any, ...] | list[Any], message: str) -> dict[str, Any]:
    """One message at a path, in webargs' nesting: ("a", 1, "b") -> {"a": {"1": {"b": [message]}}}."""
    return nest_errors([{"loc": tuple(path), "type": "value_error", "msg": message,
                         "ctx": {"error": ValueError(message)}}])


def _is_union_tag(part: Any) -> bool:
    if not isinstance(part, str):
        return False
    return part.startswith(("function-", "union[", "tagged-union[", "json-or-python[", "lax-or-strict[",
                            "chain[", "nullable[", "constrained-"))
