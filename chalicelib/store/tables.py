"""Create every table (and, for the local stack, the bucket, queues and mail identity), idempotently."""
from __future__ import annotations

import json

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.store import models

# The solver Lambda's timeout is 300 s; the queue's visibility timeout must be at least 6x that.
SCHEDULE_VISIBILITY_TIMEOUT = 1800
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


def create_queues() -> tuple[str, str]:
    """The schedule queue and its dead-letter queue (redrive after 3 receives); the webhook queues too."""
    create_webhook_queues()
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=settings.schedule_dlq_name())["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(
        QueueName=settings.schedule_queue_name(),
        Attributes={
            "VisibilityTimeout": str(SCHEDULE_VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": str(MAX_RECEIVES_BEFORE_DLQ)}),
        },
    )["QueueUrl"]
    return queue_url, dlq_url


def create_webhook_queues() -> tuple[str, str]:
    """The webhook delivery queue and its dead-letter queue (redrive after 5 receives)."""
    sqs = client("sqs")
    dlq_url = sqs.create_queue(QueueName=settings.webhook_dlq_name())["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue_url = sqs.create_queue(QueueName=settings.webhook_queue_name(), Attributes={
        "VisibilityTimeout": str(WEBHOOK_VISIBILITY_TIMEOUT),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(WEBHOOK_MAX_RECEIVES)}),
    })["QueueUrl"]
    return queue_url, dlq_url


def verify_mail_sender() -> None:
    """SES (and moto's SES) only sends from a verified identity."""
    client("ses").verify_email_identity(EmailAddress=settings.mail_sender())
