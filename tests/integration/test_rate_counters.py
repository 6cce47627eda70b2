"""Rate counters in DynamoDB (moto): fixed windows aligned to the clock, one item per counter and window."""
from __future__ import annotations

from chalicelib.store import rate_counters
from chalicelib.store.models import RateCounter


def test_hits_count_up_within_a_window_and_start_again_in_the_next(aws):
    first = rate_counters.hit("default/user:1", 60, now=1_000_020.5)
    second = rate_counters.hit("default/user:1", 60, now=1_000_079.9)
    assert (first.count, second.count) == (1, 2)
    assert first.window_ends_at == second.window_ends_at == 1_000_080  # 1_000_020 is 60 x 16_667
    following = rate_counters.hit("default/user:1", 60, now=1_000_080.0)
    assert (following.count, following.window_ends_at) == (1, 1_000_140)
    assert rate_counters.hit("default/user:2", 60, now=1_000_021).count == 1  # another user's count
    assert rate_counters.hit("default/user:1", 300, now=1_000_021).count == 1  # another window length
    stored = RateCounter.get(first.key)
    assert (stored.hits, stored.expires_at) == (2, 1_000_080)  # TTL at the window's end


def test_take_back_uncounts_in_the_window_it_was_counted_in(aws):
    hits = rate_counters.hit("triggers/account:1", 300, now=600.0)
    rate_counters.hit("triggers/account:1", 300, now=900.0)  # the next window
    rate_counters.take_back(hits)
    assert RateCounter.get(hits.key).hits == 0
    assert rate_counters.hit("triggers/account:1", 300, now=899.0).count == 1
    assert rate_counters.hit("triggers/account:1", 300, now=900.0).count == 2


def test_a_counter_dynamodb_refuses_lets_the_request_through(aws, monkeypatch):
    monkeypatch.setenv("FLEXCLOUD_TABLE_PREFIX", "no-such-tables")
    assert rate_counters.hit("default/user:1", 60, now=0.0) is None
