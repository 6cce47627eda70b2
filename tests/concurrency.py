"""Concurrent writers of the belief store in lock step: each waits after its first read until all have read."""
from __future__ import annotations

import threading
from typing import Any, Callable

from chalicelib.store import beliefs as store


class BeliefRace:
    """Runs writers in threads so that all read the same (old) chunks before any writes; `lost` collects the
    commits that failed their version check (the writer then re-merges and retries)."""

    def __init__(self, monkeypatch, writers: int = 2):
        self.writers = writers
        self.lost: list[list[tuple]] = []
        self._barrier = threading.Barrier(writers, timeout=10)
        self._racing = threading.local()  # set in the writer threads only; other threads never wait
        # DynamoDB checks a write's condition and writes atomically; moto's in-process backend does not lock, so
        # two threads could both pass the check. Serialise the commits here as DynamoDB itself would.
        self._atomic = threading.Lock()
        self._load, self._commit = store._load, store._commit
        monkeypatch.setattr(store, "_load", self._load_in_step)
        monkeypatch.setattr(store, "_commit", self._commit_atomically)

    def _load_in_step(self, *args, **kwargs):
        chunks = self._load(*args, **kwargs)
        if getattr(self._racing, "first_read", False):
            self._racing.first_read = False
            self._barrier.wait()
        return chunks

    def _commit_atomically(self, actions):
        with self._atomic:
            ok = self._commit(actions)
        if not ok:
            self.lost.append(actions)
        return ok

    def run(self, *writers: Callable[[], Any]) -> tuple[list[Any], list[Exception]]:
        """Each writer in its own thread; what they returned (in the order they finished) and what they raised."""
        assert len(writers) == self.writers, "the barrier waits for exactly this many writers"
        results, errors = [], []

        def write(writer: Callable[[], Any]) -> None:
            self._racing.first_read = True
            try:
                results.append(writer())
            except Exception as exc:  # noqa: BLE001 - the caller asserts on them
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(writer,)) for writer in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results, errors
