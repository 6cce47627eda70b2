"""The SQS queues: send job ids and webhook deliveries, delay a redelivery, find the queue URLs."""
from __future__ import annotations

import json
from functools import lru_cache

from chalicelib import settings
from chalicelib.aws import client


def queue_url(name: str | None = None) -> str:
    return _queue_url(name or settings.schedule_queue_name(), settings.aws_endpoint_url(),
                      settings.aws_region())


@lru_cache(maxsize=8)
def _queue_url(name: str, endpoint: str | None, region: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def send_job(job_id: str) -> None:
    client("sqs").send_message(QueueUrl=queue_url(), MessageBody=json.dumps({"job_id": job_id}))


def send_webhook_delivery(message: dict) -> None:
    client("sqs").send_message(QueueUrl=queue_url(settings.webhook_queue_name()), MessageBody=json.dumps(message))


def delay_redelivery(queue_name: str, receipt_handle: str, seconds: int) -> None:
    """The received message comes back after `seconds` (it stays invisible that long), not the queue's default."""
    client("sqs").change_message_visibility(QueueUrl=queue_url(queue_name), ReceiptHandle=receipt_handle,
                                            VisibilityTimeout=seconds)


def reset_cache() -> None:
    _queue_url.cache_clear()
