"""Which job responses a request gets: the seed's (200 PROCESSED, 400 while pending) or FlexMeasures 1.0.1's
(202 ACCEPTED, 202 while pending).

The deployment chooses (settings.job_response_style, default the seed's). Under FlexMeasures' style, an asset may
still ask for the legacy responses as FlexMeasures 1.0.1 lets it: the setting
FLEXMEASURES_LEGACY_JOB_RESPONSES_MAX_INCOMPATIBLE_CLIENT_VERSION maps an asset attribute name to the highest client
version that cannot handle the new responses; the attribute is read on the asset, then up to two ancestors (the
first non-empty value wins), else from the "assume" twin setting; a version at or below the maximum means legacy.
Malformed settings or versions are ignored with a warning, as in FlexMeasures.
"""
from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from chalicelib import settings
from chalicelib.store import assets, jobs

LOG = logging.getLogger(__name__)
# FlexMeasures looks at the asset and at most this many ancestors.
MAX_PARENT_DEPTH = 2


def legacy_job_responses(asset: Any) -> bool:
    """True: answer jobs of `asset` in the seed's (legacy) way."""
    if settings.job_response_style() == "seed":
        return True
    return _legacy_for_client_version(asset)


def _legacy_for_client_version(asset: Any) -> bool:
    name, limits = settings.legacy_job_responses_max_incompatible_client_version()
    if not isinstance(limits, Mapping):
        LOG.warning("Ignoring %s %r: expected a mapping of asset attribute names to versions.", name, limits)
        return False
    assumed = settings.legacy_job_responses_assumed_client_version()
    if not isinstance(assumed, Mapping):
        LOG.warning("Ignoring %s %r: expected a mapping of asset attribute names to versions.",
                    settings.ASSUME_CLIENT_VERSION, assumed)
        assumed = {}
    for attribute, max_version in limits.items():
        client_version = _nearby_attribute(asset, attribute)
        if client_version is None:
            client_version = assumed.get(attribute)
        if client_version is None:
            continue
        try:
            if Version(str(client_version)) <= Version(str(max_version)):
                return True
        except InvalidVersion:
            LOG.warning("Ignoring client version %r or maximum incompatible version %r for attribute %r.",
                        client_version, max_version, attribute)
    return False


def _nearby_attribute(asset: Any, attribute: str) -> Any:
    """The first non-empty value on the asset or its nearest ancestors (an empty one does not shadow its site's)."""
    for _ in range(MAX_PARENT_DEPTH + 1):
        if asset is None:
            return None
        value = (asset.attributes or {}).get(attribute)
        if value:
            return value
        asset = assets.find(asset.parent_asset_id) if asset.parent_asset_id is not None else None
    return None


# Retry-After: the median run time of the asset's recent finished jobs of the same kind, kept a minute per container.
RECENT_JOBS = 20
RETRY_AFTER_CACHE_SECONDS = 60.0
_retry_after_cache: dict[tuple[int | None, str], tuple[float, int]] = {}


def retry_after(asset_id: int | None, kind: str | None) -> dict[str, str]:
    """The Retry-After header for a pending job: how long jobs like it took lately (whole seconds, at least the
    deployment's FLEXCLOUD_JOB_RETRY_AFTER when none finished yet)."""
    key = (None if asset_id is None else int(asset_id), kind or "scheduling")
    now = time.monotonic()
    cached = _retry_after_cache.get(key)
    if cached is None or now - cached[0] > RETRY_AFTER_CACHE_SECONDS:
        cached = (now, _median_run_seconds(*key) or settings.job_retry_after_seconds())
        _retry_after_cache[key] = cached
    return {"Retry-After": str(cached[1])}


def _median_run_seconds(asset_id: int | None, kind: str) -> int | None:
    if asset_id is None:
        return None
    finished = [job for job in jobs.list_for_asset(asset_id)
                if (job.kind or "scheduling") == kind and job.status == "finished" and job.started_at and job.ended_at]
    if not finished:
        return None
    seconds = statistics.median((job.ended_at - job.started_at).total_seconds() for job in finished[-RECENT_JOBS:])
    return max(1, math.ceil(seconds))


def forget_retry_after() -> None:
    """Tests that reset the tables drop what a container remembered."""
    _retry_after_cache.clear()
