"""Create every table (and, for the local stack, the bucket, queues and mail identity), idempotently."""
from __future__ import annotations

import json

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.store import models

# The workers' Lambda timeouts (120 s, .chalice/config.json): SQS requires a Lambda event source's visibility
# timeout to be at least that. Short, so a crashed worker's job is retried within about two minutes; a live worker
# extends it while it works (workers/heartbeat.py).
SCHEDULE_VISIBILITY_TIMEOUT = 120
FORECAST_VISIBILITY_TIMEOUT = 120
MAX_RECEIVES_BEFORE_DLQ = 3
# The webhook delivery Lambda's timeout is 30 s; a failed attempt sets its own (backoff) visibility instead.
WEBHOOK_VISIBILITY_TIMEOUT = 180
WEBHOOK_MAX_RECEIVES = 5


def all_models():
    return list(models.ALL_MODELS)


def create_tables() -> list[str]:
    """Create missing tables and wait for them; return the names created."""
    created = []
    for model in all_models():
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created


def table_names() -> list[str]:
    return [model.Meta.table_name for model in all_models()]


def create_bucket() -> str:
    s3 = client("s3")
    name = settings.uploads_bucket()
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        region = settings.aws_region()
        kwargs = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **kwargs)
    return name


def create_queues() -> dict[str, str]:
    """Each queue (schedule and forecast jobs, webhook deliveries) and its dead-letter queue: name -> URL."""
    urls: dict[str, str] = {}
    for name, dlq_name, visibility, max_receives in queue_pairs():
        urls[dlq_name] = _create_queue(dlq_name, {})
        dlq_arn = client("sqs").get_queue_attributes(QueueUrl=urls[dlq_name], AttributeNames=["QueueArn"])
        urls[name] = _create_queue(name, {
            "VisibilityTimeout": str(visibility),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
                                         "maxReceiveCount": str(max_receives)}),
        })
    return urls


def queue_pairs() -> list[tuple[str, str, int, int]]:
    """(queue, dead-letter queue, visibility timeout, receives before the dead-letter queue) of every queue."""
    return [(q, dlq, visibility, MAX_RECEIVES_BEFORE_DLQ) for q, dlq, visibility in job_queues()] + [
        (settings.webhook_queue_name(), settings.webhook_dlq_name(), WEBHOOK_VISIBILITY_TIMEOUT, WEBHOOK_MAX_RECEIVES)]


def job_queues() -> list[tuple[str, str, int]]:
    """(queue, dead-letter queue, visibility timeout) of each kind of job."""
    return [(settings.schedule_queue_name(), settings.schedule_dlq_name(), SCHEDULE_VISIBILITY_TIMEOUT),
            (settings.forecast_queue_name(), settings.forecast_dlq_name(), FORECAST_VISIBILITY_TIMEOUT)]


def _create_queue(name: str, attributes: dict[str, str]) -> str:
    return client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def create_schedule_group() -> str:
    """The EventBridge Scheduler group of the automations' schedules (the templates create it in deployments)."""
    scheduler = client("scheduler")
    name = settings.automation_schedule_group()
    try:
        scheduler.create_schedule_group(Name=name)
    except scheduler.exceptions.ConflictException:
        pass
    return name


def verify_mail_sender() -> None:
    """SES (and moto's SES) only sends from a verified identity."""
    client("ses").verify_email_identity(EmailAddress=settings.mail_sender())
