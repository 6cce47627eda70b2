"""JSON as the API accepts it: standard numbers and well-formed Unicode only, whatever the field.

Python's json module reads `NaN`, `Infinity` and `1e400` (as inf) and keeps lone UTF-16 surrogates (`"\\ud800"`)
as they are. Neither can be stored or served again: a non-finite number makes the response non-standard JSON, a
lone surrogate cannot be encoded as UTF-8 (DynamoDB, logs, the response). FlexMeasures' marshmallow fields refuse
both with a 422, so every JSON the API reads (bodies and JSON-in-string fields) is checked here, in one walk.
"""
from __future__ import annotations

import json
import math
from typing import Any

NOT_A_NUMBER = "Not a valid number."
NOT_A_STRING = "Not a valid string."
NOT_JSON = "Not a valid JSON string."
# How deep objects and lists may nest. Python reads thousands of levels, and everything that walks the value again
# (rendering, the audit log, the scheduler) would recurse as deep; DynamoDB's own documents stop at 32 levels.
MAX_DEPTH = 32
TOO_DEEP = f"Nested deeper than {MAX_DEPTH} levels."


class JsonRefused(ValueError):
    """A value the API will not accept; `path` names where it sits (keys and list indexes)."""

    def __init__(self, path: tuple[Any, ...], message: str):
        super().__init__(message)
        self.path = path
        self.message = message


def loads(text: str | bytes) -> Any:
    """Parse JSON text; ValueError when malformed or nested deeper than Python can parse, JsonRefused when it
    holds a value the API refuses (see `check`)."""
    try:
        value = json.loads(text)
    except RecursionError:
        # Nesting thousands deep: json.loads recurses once per level.
        raise ValueError(NOT_JSON) from None
    check(value)
    return value


def check(value: Any) -> None:
    """JsonRefused for the first non-finite number, text with a lone surrogate (a key or a value) or container
    nested deeper than MAX_DEPTH."""
    _check_item((), None, value, [])
    stack: list[tuple[tuple[Any, ...], Any]] = [((), value)] if type(value) in (list, dict) else []
    while stack:  # iterative: the tree may be as deep as json.loads allows
        path, node = stack.pop()
        if len(path) >= MAX_DEPTH:
            raise JsonRefused(path, TOO_DEEP)
        for key, item in (enumerate(node) if type(node) is list else node.items()):
            if type(key) is str and not well_formed(key):
                raise JsonRefused(path + (key.encode("utf-8", "replace").decode(),), NOT_A_STRING)
            _check_item(path, key, item, stack)


def _check_item(path: tuple[Any, ...], key: Any, item: Any, stack: list) -> None:
    """Refuse a bad scalar; queue a container. The path is only built when needed (bodies hold 500,000 values)."""
    kind = type(item)
    if kind is float:
        if not math.isfinite(item):
            raise JsonRefused(path if key is None else path + (key,), NOT_A_NUMBER)
    elif kind is str:
        if not well_formed(item):
            raise JsonRefused(path if key is None else path + (key,), NOT_A_STRING)
    elif key is not None and (kind is list or kind is dict):
        stack.append((path + (key,), item))


def well_formed(text: str) -> bool:
    """False for text holding a lone UTF-16 surrogate, which has no UTF-8 encoding."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
