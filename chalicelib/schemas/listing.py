"""Listing arguments (page, per_page, filter, sort_by, sort_dir) and the datatables-style page body."""
from __future__ import annotations

from typing import Any, Literal, Sequence

from pydantic import Field

from chalicelib.schemas.common import QueryArgs


class ListingArgs(QueryArgs):
    """page/per_page/filter/sort_by/sort_dir; endpoints subclass it to set defaults and sort keys."""

    RENAMED = {"per_page": "per-page", "sort_by": "sort-by", "sort_dir": "sort-dir"}

    page: int | None = Field(None, ge=1)
    per_page: int = Field(10, ge=1)
    filter: str | None = None
    sort_by: str | None = None
    sort_dir: Literal["asc", "desc"] | None = None


def paginated(items: Sequence[Any], num_records: int, filtered_records: int) -> dict[str, Any]:
    return {"data": list(items), "num-records": num_records, "filtered-records": filtered_records}
