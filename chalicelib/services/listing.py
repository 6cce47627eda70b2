"""How listing endpoints filter, sort and page: shell-split filters, null-safe sorting, 404 past the end."""
from __future__ import annotations

import shlex
from typing import Any, Callable, Sequence, TypeVar

from chalicelib.errors import field_error, not_found
from chalicelib.schemas.listing import ListingArgs, paginated

T = TypeVar("T")


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


def id_has_prefix(item_id: int | None, term: str) -> bool:
    """A numeric term also matches ids that start with it (FlexMeasures 1.0's id_prefix_filter); "01" matches none."""
    return (item_id is not None and term.isdecimal() and term == str(int(term))
            and str(item_id).startswith(term))


def matches_all(terms: Sequence[str], *haystacks: str | None, item_id: int | None = None) -> bool:
    """Every term occurs (case-insensitively) in at least one haystack, or is a prefix of `item_id`."""
    lowered = [h.lower() for h in haystacks if h]
    return all(any(term.lower() in h for h in lowered) or id_has_prefix(item_id, term) for term in terms)


def matches_any(terms: Sequence[str], *haystacks: str | None, item_id: int | None = None) -> bool:
    lowered = [h.lower() for h in haystacks if h]
    return not terms or any(any(term.lower() in h for h in lowered) or id_has_prefix(item_id, term)
                            for term in terms)


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


def page_slice(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """Flask-SQLAlchemy paginate(error_out=True): a page past the end (other than page 1) is a 404."""
    start = (page - 1) * per_page
    chunk = list(items[start:start + per_page])
    if not chunk and page > 1:
        raise not_found()
    return chunk


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
