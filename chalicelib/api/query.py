"""Query-string conventions shared by listing endpoints: paging, shell-split filters, sorting."""
from __future__ import annotations

import shlex
from typing import Any, Callable, Literal, Sequence, TypeVar

from pydantic import Field

from chalicelib.api.responses import field_error, page_slice, paginated
from chalicelib.schemas.common import QueryArgs
from chalicelib.schemas.validation import validate

T = TypeVar("T")
M = TypeVar("M", bound=QueryArgs)


class ListingArgs(QueryArgs):
    """page/per_page/filter/sort_by/sort_dir; endpoints subclass it to set defaults and sort keys."""

    page: int | None = Field(None, ge=1)
    per_page: int = Field(10, ge=1)
    filter: str | None = None
    sort_by: str | None = None
    sort_dir: Literal["asc", "desc"] | None = None


def parse_query(model: type[M], query: dict[str, str]) -> M:
    """Validate query arguments (booleans as in contract §1; unknown keys ignored) or 422 on "query"."""
    args = validate(model, query, location="query")
    if isinstance(args, ListingArgs):
        filter_terms(args.filter)  # an unbalanced quote is a 422 before anything is looked up
    return args


def filter_terms(text: str | None) -> list[str]:
    """Split a search filter like a shell line: `solar "ACME corp"` -> ["solar", "ACME corp"]."""
    if not text:
        return []
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise field_error("query", "filter", str(exc)) from None


def first_term_words(text: str | None) -> list[str]:
    """Only the first shell term, split on spaces (the asset-sensor and audit-log filters)."""
    terms = filter_terms(text)
    return terms[0].split() if terms else []


def matches_all(terms: Sequence[str], *haystacks: str | None) -> bool:
    """Every term occurs (case-insensitively) in at least one haystack."""
    lowered = [h.lower() for h in haystacks if h]
    return all(any(term.lower() in h for h in lowered) for term in terms)


def matches_any(terms: Sequence[str], *haystacks: str | None) -> bool:
    lowered = [h.lower() for h in haystacks if h]
    return not terms or any(term.lower() in h for term in terms for h in lowered)


def sort_items(items: list[T], args: ListingArgs, keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """Sort by `sort_by` when both sort_by and sort_dir are given (FlexMeasures ignores one alone)."""
    if not (args.sort_by and args.sort_dir) or args.sort_by not in keys:
        return items
    key = keys[args.sort_by]
    return sorted(items, key=lambda item: _total_key(key(item)), reverse=args.sort_dir == "desc")


def _total_key(value: Any) -> tuple:
    """Nulls as the largest value (PostgreSQL's order: last ascending, first descending), strings
    case-insensitively, so mixed rows never fail to compare."""
    if value is None:
        return (2, "")
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)


def page_of(items: Sequence[T], page: int, per_page: int, num_records: int,
            render: Callable[[list[T]], list[Any]] = list) -> dict[str, Any]:
    """The datatables-style page: render only the page's items; past the end is a 404."""
    return paginated(render(page_slice(items, page, per_page)), num_records, len(items))


def list_or_page(shown: Sequence[T], args: ListingArgs, num_records: int,
                 render: Callable[[list[T]], list[Any]], *, always_paginated: bool = False) -> Any:
    """A bare list without `page` (unless the endpoint always pages, then page 1), else the page."""
    if args.page is None and not always_paginated:
        return render(list(shown))
    return page_of(shown, args.page or 1, args.per_page, num_records, render)
