"""Reading uploaded tables within a budget: the row count is checked as rows stream in, not after."""
from __future__ import annotations

from datetime import timezone

import pytest

from chalicelib.timeseries import uploads


def test_reading_stops_at_the_first_row_past_the_budget(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 3)
    consumed = []

    def rows():
        for n in range(1_000_000):
            consumed.append(n)
            yield ["2025-01-01T00:00:00Z", n]

    with pytest.raises(uploads.UploadError, match="more than 2 data rows"):
        uploads._within_budget(rows())
    assert len(consumed) == 4


def test_a_csv_within_the_budget_is_read_and_extra_columns_are_ignored(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ROWS", 3)
    content = b"start,value,belief,comment\n2025-01-01T00:00:00Z,1,2025-01-01T00:00:00Z,x\n" \
              b"2025-01-01T00:15:00Z,2,2025-01-01T00:15:00Z,y\n"
    starts, values, belief_times = uploads.read_table("a.csv", content, timezone.utc)
    assert values == [1.0, 2.0] and len(starts) == len(belief_times) == 2
    with pytest.raises(uploads.UploadError, match="more than 2 data rows"):
        uploads.read_table("b.csv", content + b"2025-01-01T00:30:00Z,3,2025-01-01T00:30:00Z,z\n", timezone.utc)
