"""Uploaded data files, kept in S3 exactly as received: uploads/<sensor id>/<date>/<uuid>-<filename>."""
from __future__ import annotations

import posixpath
import uuid
from datetime import datetime, timezone

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.store.errors import StorageUnavailable


def save_upload(sensor_id: int, filename: str, content: bytes, content_type: str | None = None) -> str:
    """Store one uploaded file; returns its S3 key."""
    day = datetime.now(timezone.utc).date().isoformat()
    safe_name = posixpath.basename(filename.replace("\\", "/")) or "upload"
    key = f"uploads/{int(sensor_id)}/{day}/{uuid.uuid4().hex}-{safe_name}"
    try:
        client("s3").put_object(Bucket=settings.uploads_bucket(), Key=key, Body=content,
                                ContentType=content_type or "application/octet-stream")
    except (BotoCoreError, ClientError) as exc:  # after botocore's own retries; a failed put stores nothing
        raise StorageUnavailable(f"S3 refused {key}: {exc}") from exc
    return key


def uploads_of(sensor_id: int) -> list[str]:
    """The keys of a sensor's uploaded files, oldest day first."""
    response = client("s3").list_objects_v2(Bucket=settings.uploads_bucket(), Prefix=f"uploads/{int(sensor_id)}/")
    return [item["Key"] for item in response.get("Contents", [])]


def read_upload(key: str) -> bytes:
    return client("s3").get_object(Bucket=settings.uploads_bucket(), Key=key)["Body"].read()
