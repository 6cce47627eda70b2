"""Readiness: can this function reach its DynamoDB tables and its SQS queue?"""
from __future__ import annotations

import logging

from chalice import Blueprint

from chalicelib.api.responses import respond
from chalicelib.api.routing import ApiRequest, endpoint
from chalicelib.store.aws import client
from chalicelib.store.models import User
from chalicelib.store.queue import queue_url

bp = Blueprint(__name__)
log = logging.getLogger("flexcloud.health")


def _check(name: str, probe) -> bool:
    try:
        probe()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        log.warning("Readiness check %s failed", name, exc_info=True)
        return False


@endpoint(bp, "/v3_0/health/ready", "GET", auth=False, description="Get readiness status")
def ready(req: ApiRequest):
    # "database_sql" keeps FlexMeasures' key for the primary store, so existing monitors keep working.
    checks = {
        "database_sql": _check("dynamodb", lambda: client("dynamodb").describe_table(
            TableName=User.Meta.table_name)),
        "queue": _check("sqs", lambda: client("sqs").get_queue_attributes(
            QueueUrl=queue_url(), AttributeNames=["QueueArn"])),
    }
    status = 200 if all(checks.values()) else 503
    return respond(checks, status)
