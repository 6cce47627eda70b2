"""boto3 clients, built once per container and per endpoint (moto server, or real AWS)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import settings


def client(service: str) -> Any:
    return _client(service, settings.aws_region(), settings.aws_endpoint_url())


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    import boto3

    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint)


def reset_clients() -> None:
    """Tests that swap AWS backends (mock_aws per test) drop cached clients with this."""
    _client.cache_clear()



def item_too_large(exc: BaseException) -> bool:
    """Whether DynamoDB refused a write because an item would exceed its 400 KB limit."""
    return _refused(exc, ("Item size has exceeded",))


def number_out_of_range(exc: BaseException) -> bool:
    """Whether DynamoDB refused a number (an id from the request) of over 38 digits or beyond its range."""
    return _refused(exc, ("significant digits", "Number overflow", "Number underflow"))


def _refused(exc: BaseException, phrases: tuple[str, ...]) -> bool:
    """A DynamoDB ValidationException whose message has one of `phrases`, anywhere in the exception chain."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        response = getattr(error, "response", None)
        if isinstance(response, dict):
            details = response.get("Error", {})
            message = details.get("Message", "")
            if details.get("Code") == "ValidationException" and any(phrase in message for phrase in phrases):
                return True
        todo += [error.__cause__, error.__context__, getattr(error, "cause", None)]
    return False
