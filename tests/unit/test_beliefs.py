"""Belief rules without AWS: merging a write into stored beliefs, selecting the most recent, restricting."""
from __future__ import annotations

import numpy as np

from chalicelib.timeseries.beliefs import Beliefs, merge, most_recent, restrict
from chalicelib.timeseries.packing import pack, unpack

H = 3_600_000_000  # one hour in µs


def _b(starts, times, values, sources=None) -> Beliefs:
    return Beliefs.of(np.array(starts) * H, np.array(times) * H, values, sources)


def test_merge_adds_new_and_counts_identical():
    stored = _b([0, 1], [-1, -1], [1.0, 2.0])
    out = merge(stored, _b([1, 2], [-1, -1], [2.0, 3.0]), H, allow_overwrite=False)
    assert (out.added, out.unchanged, out.replaced) == (1, 1, 0)
    assert (out.merged.event_start // H).tolist() == [0, 1, 2] and out.merged.value.tolist() == [1.0, 2.0, 3.0]


def test_merge_replacement_is_reported_and_applied_only_when_allowed():
    stored = _b([0], [-1], [1.0])
    refused = merge(stored, _b([0], [-1], [5.0]), H, allow_overwrite=False)
    assert refused.replaced == 1 and refused.merged.value.tolist() == [1.0]
    allowed = merge(stored, _b([0], [-1], [5.0]), H, allow_overwrite=True)
    assert allowed.replaced == 1 and allowed.merged.value.tolist() == [5.0]


def test_merge_skips_a_later_belief_equal_to_the_latest_of_the_same_kind():
    # event 0 ends at 1 h: a belief at -1 h is ex ante, at +2 h ex post
    stored = _b([0], [-1], [1.0])
    same_ex_ante = merge(stored, _b([0], [0], [1.0]), H, allow_overwrite=False)
    assert same_ex_ante.unchanged == 1 and not same_ex_ante.changed
    first_ex_post = merge(stored, _b([0], [2], [1.0]), H, allow_overwrite=False)
    assert first_ex_post.added == 1  # ex post is compared with ex post only
    earlier = merge(stored, _b([0], [-3], [1.0]), H, allow_overwrite=False)
    assert earlier.added == 1  # nothing stored before it


def test_merge_drops_duplicates_within_one_write():
    out = merge(Beliefs.empty(), _b([0, 0], [-1, -1], [1.0, 1.0]), H, allow_overwrite=False)
    assert (out.added, out.unchanged) == (1, 1)


def test_most_recent_per_event_and_per_source():
    beliefs = _b([0, 0, 0, 1], [-3, -1, -1, -2], [1.0, 2.0, 3.0, 4.0], [1, 1, 2, 1])
    latest = most_recent(beliefs)
    assert latest.value.tolist() == [3.0, 4.0]  # tie at -1 h goes to the higher source id
    per_source = most_recent(beliefs, per_source=True)
    assert sorted(zip(per_source.event_start // H, per_source.source_id, per_source.value)) == [
        (0, 1, 2.0), (0, 2, 3.0), (1, 1, 4.0)]


def test_restrict_by_window_prior_horizon_and_source():
    beliefs = _b([0, 0, 1, 5], [-3, 0, -1, 4], [1.0, 2.0, 3.0, 4.0], [1, 1, 2, 1])
    assert restrict(beliefs, start_us=0, end_us=2 * H).value.tolist() == [1.0, 2.0, 3.0]
    assert restrict(beliefs, prior_us=-1 * H).value.tolist() == [1.0, 3.0]
    # horizon: at least 2 h before the knowledge time (event end, resolution 1 h)
    assert restrict(beliefs, horizon_us=2 * H, resolution_us=H).value.tolist() == [1.0, 3.0, 4.0]
    assert restrict(beliefs, source_ids={2}).value.tolist() == [3.0]


def test_pack_round_trip():
    packed = pack([0, 900, 86_399], [1, -2, 3_000_000_000_000_000], [1.5, np.nan, -0.0])
    offsets, times, values = unpack(*packed)
    assert offsets.tolist() == [0, 900, 86_399] and times.tolist() == [1, -2, 3_000_000_000_000_000]
    assert values[0] == 1.5 and np.isnan(values[1])
    assert len(packed.offsets) == 12 and len(packed.belief_times) == 24
