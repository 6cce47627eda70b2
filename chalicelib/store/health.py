"""Readiness probes: can this function reach its DynamoDB tables and its SQS queue?"""
from __future__ import annotations

from chalicelib.aws import client
from chalicelib.store.models import User
from chalicelib.store.queue import queue_url


def probe_tables() -> None:
    client("dynamodb").describe_table(TableName=User.Meta.table_name)


def probe_queue() -> None:
    client("sqs").get_queue_attributes(QueueUrl=queue_url(), AttributeNames=["QueueArn"])
