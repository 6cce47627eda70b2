"""Holding a queue message while its job runs: the visibility timeout is short, and a heartbeat extends it.

The schedule queue's base visibility timeout is the solver function's timeout (SQS requires at least that of a
Lambda event source; see store/tables.py), so a worker that crashes or is killed leaves its message visible again
within about two minutes, to be retried. While a worker is alive, a thread renews the message's visibility every
`HEARTBEAT_SECONDS`; it stops with the job (or dies with the worker, which is the point).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Iterator

from chalicelib.aws import client
from chalicelib.store import queue
from chalicelib.store.tables import SCHEDULE_VISIBILITY_TIMEOUT

log = logging.getLogger("flexcloud.worker")

# Renewed well before it runs out: a third of the timeout leaves two missed beats of slack.
HEARTBEAT_SECONDS = SCHEDULE_VISIBILITY_TIMEOUT / 3


@contextmanager
def holding(receipt_handle: str | None, queue_name: str | None = None,
            every: float = HEARTBEAT_SECONDS, extend_to: int = SCHEDULE_VISIBILITY_TIMEOUT) -> Iterator[None]:
    """Keep the received message invisible while the block runs (nothing to hold without a receipt handle)."""
    if not receipt_handle:
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(queue.queue_url(queue_name), receipt_handle, every, extend_to, stop),
                            name="visibility-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=5)


def _beat(url: str, receipt_handle: str, every: float, extend_to: int, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            client("sqs").change_message_visibility(QueueUrl=url, ReceiptHandle=receipt_handle,
                                                    VisibilityTimeout=extend_to)
        except Exception as exc:  # noqa: BLE001 - a missed beat only risks an early redelivery, which claims handle
            log.warning("Could not extend the visibility of a job message: %s", exc)
