"""Query-string parsing for every endpoint: validate into a model, or the contract's 422 on "query"."""
from __future__ import annotations

from typing import TypeVar

from chalicelib.schemas.common import QueryArgs
from chalicelib.schemas.listing import ListingArgs
from chalicelib.schemas.validation import validate
from chalicelib.services.listing import filter_terms


M = TypeVar("M", bound=QueryArgs)


def parse_query(model: type[M], query: dict[str, str]) -> M:
    """Validate query arguments (booleans as in contract §1; unknown keys ignored) or 422 on "query"."""
    args = validate(model, query, location="query")
    if isinstance(args, ListingArgs):
        filter_terms(args.filter)  # an unbalanced quote is a 422 before anything is looked up
    return args
