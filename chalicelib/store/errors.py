"""What the store refuses, in its own words: not found, duplicate, replacement refused, write conflict, and
DynamoDB's refusals (item too large, number out of range) recognised in botocore's exceptions."""
from __future__ import annotations


class NotFound(LookupError):
    """An entity the caller named does not exist."""


class DuplicateError(Exception):
    """A unique value (email, username, account name, asset name under its parent, ...) is already taken."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class ReplacementRefused(Exception):
    """Some beliefs would replace stored beliefs with other values (and overwriting is off)."""


class WriteConflict(Exception):
    """Concurrent writers kept winning; the caller may retry the whole request."""


class StorageUnavailable(Exception):
    """An AWS service (S3, DynamoDB) failed or throttled the request beyond its retries; nothing was written by
    the call that raised it."""


# DynamoDB's answers for a table or account over its throughput (after botocore's own retries).
THROTTLING_CODES = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


def throttled(exc: BaseException) -> bool:
    """Whether DynamoDB throttled the request (anywhere in the exception chain, PynamoDB's wrapping included)."""
    for error in exception_chain(exc):
        if getattr(error, "cause_response_code", None) in THROTTLING_CODES:
            return True
        response = getattr(error, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in THROTTLING_CODES:
            return True
    return False


def item_too_large(exc: BaseException) -> bool:
    """Whether DynamoDB refused a write because an item would exceed its 400 KB limit."""
    return _refused(exc, ("Item size has exceeded",))


def number_out_of_range(exc: BaseException) -> bool:
    """Whether DynamoDB refused a number (an id from the request) of over 38 digits or beyond its range."""
    return _refused(exc, ("significant digits", "Number overflow", "Number underflow"))


def _refused(exc: BaseException, phrases: tuple[str, ...]) -> bool:
    """A DynamoDB ValidationException whose message has one of `phrases`, anywhere in the exception chain."""
    for error in exception_chain(exc):
        response = getattr(error, "response", None)
        if isinstance(response, dict):
            details = response.get("Error", {})
            message = details.get("Message", "")
            if details.get("Code") == "ValidationException" and any(phrase in message for phrase in phrases):
                return True
    return False


def exception_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception behind it: causes, contexts, and PynamoDB's wrapped botocore errors."""
    out: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop()
        if error is None or any(error is seen for seen in out):
            continue
        out.append(error)
        todo += [error.__cause__, error.__context__, getattr(error, "cause", None)]
    return out
