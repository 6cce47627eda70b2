"""Shared listing query helpers: filter splitting, matching, sorting, paging."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.api.query import parse_query
from chalicelib.schemas.listing import ListingArgs
from chalicelib.services.listing import (filter_terms, first_term_words, list_or_page, matches_all, matches_any,
                                         sort_items)
from chalicelib.errors import ApiError


def test_filter_is_split_like_a_shell_line():
    assert filter_terms('solar "ACME corp"') == ["solar", "ACME corp"]
    assert filter_terms(None) == [] and filter_terms("") == []
    assert first_term_words('"price hourly" other') == ["price", "hourly"]
    with pytest.raises(ApiError) as caught:
        filter_terms("'open")
    assert caught.value.status_code == 422
    assert caught.value.body["message"] == {"query": {"filter": ["No closing quotation"]}}


def test_matching_is_case_insensitive_substring():
    assert matches_all(["SOL", "acme"], "Solar panel", "ACME corp")
    assert not matches_all(["solar", "wind"], "Solar panel", None)
    assert matches_any(["wind", "sol"], "Solar panel") and matches_any([], "anything")
    assert not matches_any(["wind"], "Solar panel", None)


def test_sorting_needs_both_keys_and_orders_nulls_as_postgresql():
    rows = [SimpleNamespace(v=2), SimpleNamespace(v=None), SimpleNamespace(v=1)]
    keys = {"v": lambda r: r.v}
    assert sort_items(rows, ListingArgs(sort_by="v"), keys) == rows
    assert [r.v for r in sort_items(rows, ListingArgs(sort_by="v", sort_dir="asc"), keys)] == [1, 2, None]
    assert [r.v for r in sort_items(rows, ListingArgs(sort_by="v", sort_dir="desc"), keys)] == [None, 2, 1]


def test_list_or_page():
    items = list(range(5))
    assert list_or_page(items, ListingArgs(), 9, list) == items
    assert list_or_page(items, ListingArgs(per_page=2), 9, list, always_paginated=True) == {
        "data": [0, 1], "num-records": 9, "filtered-records": 5}
    assert list_or_page(items, ListingArgs(page=3, per_page=2), 9, list)["data"] == [4]
    with pytest.raises(ApiError) as caught:
        list_or_page(items, ListingArgs(page=4, per_page=2), 9, list)
    assert caught.value.status_code == 404


def test_parse_query_booleans_and_unknown_keys():
    class Args(ListingArgs):
        flag: bool = False

    for text, value in [("TRUE", True), ("yes", True), ("on", True), ("1", True), ("f", False), ("No", False)]:
        assert parse_query(Args, {"flag": text, "unknown": "ignored"}).flag is value
    with pytest.raises(ApiError) as caught:
        parse_query(Args, {"per_page": "0"})
    # Errors name FlexMeasures 1.0's spelling, whichever one was sent.
    assert caught.value.body["message"] == {"query": {"per-page": ["Must be greater than or equal to 1."]}}


def test_new_spellings_are_read_and_win_over_old_ones():
    args = parse_query(ListingArgs, {"per-page": "3", "sort-by": "name", "sort-dir": "desc"})
    assert (args.per_page, args.sort_by, args.sort_dir) == (3, "name", "desc")
    assert parse_query(ListingArgs, {"per_page": "4", "per-page": "5"}).per_page == 5
    assert parse_query(ListingArgs, {"per_page": "4"}).per_page == 4


def test_numeric_filter_terms_match_id_prefixes():
    from chalicelib.services.listing import id_has_prefix, matches_all

    assert id_has_prefix(123, "12") and id_has_prefix(123, "123") and not id_has_prefix(123, "23")
    assert not id_has_prefix(12, "012") and not id_has_prefix(None, "1") and not id_has_prefix(12, "1a")
    assert matches_all(["12", "solar"], "Solar park", item_id=125)
    assert not matches_all(["12"], "Solar park", item_id=31)
