"""The SQS queues (schedule and forecast jobs, webhook deliveries): send, delay a redelivery, find the URLs."""
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


def send_job(job_id: str, queue_name: str | None = None) -> None:
    """Queue a job for its worker: the schedule queue unless another queue is named."""
    send({"job_id": job_id}, queue_name)


def send(message: dict, queue_name: str | None = None) -> None:
    """A JSON message to a job queue (a job id, or an automation's occurrence)."""
    client("sqs").send_message(QueueUrl=queue_url(queue_name), MessageBody=json.dumps(message))


def send_webhook_delivery(message: dict) -> None:
    client("sqs").send_message(QueueUrl=queue_url(settings.webhook_queue_name()), MessageBody=json.dumps(message))


def delay_redelivery(queue_name: str, receipt_handle: str, seconds: int) -> None:
    """The received message comes back after `seconds` (it stays invisible that long), not the queue's default."""
    client("sqs").change_message_visibility(QueueUrl=queue_url(queue_name), ReceiptHandle=receipt_handle,
                                            VisibilityTimeout=seconds)


def reset_cache() -> None:
    _queue_url.cache_clear()
