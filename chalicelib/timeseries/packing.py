"""Pack belief arrays into compact bytes for one stored chunk, and back (numpy, little-endian)."""
from __future__ import annotations

from typing import NamedTuple

# Bytes per belief in a chunk: int32 start offset + int64 belief time + float64 value.
BYTES_PER_BELIEF = 4 + 8 + 8

_OFFSET, _TIME, _VALUE = "<i4", "<i8", "<f8"


class Packed(NamedTuple):
    offsets: bytes       # event start, seconds after the chunk's day start
    belief_times: bytes  # microseconds since the epoch
    values: bytes


def pack(offsets_s, belief_times_us, values) -> Packed:
    import numpy as np

    return Packed(np.asarray(offsets_s, dtype=_OFFSET).tobytes(),
                  np.asarray(belief_times_us, dtype=_TIME).tobytes(),
                  np.asarray(values, dtype=_VALUE).tobytes())


def unpack(offsets: bytes, belief_times: bytes, values: bytes):
    """The three arrays (int64 offsets in seconds, int64 belief times in µs, float64 values)."""
    import numpy as np

    return (np.frombuffer(offsets, dtype=_OFFSET).astype("int64"),
            np.frombuffer(belief_times, dtype=_TIME).astype("int64"),
            np.frombuffer(values, dtype=_VALUE).copy())
