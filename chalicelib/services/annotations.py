"""What the annotation endpoints do: annotate an account, asset or sensor as the requesting user, and gather an
asset's annotations for its chart (FlexMeasures 1.0.1's chart_annotations)."""
from __future__ import annotations

from datetime import datetime
from textwrap import wrap
from typing import Any

from chalicelib.schemas.annotations import AnnotationBody, annotation_json
from chalicelib.schemas.charts import ChartAnnotationArgs
from chalicelib.store import annotations as store
from chalicelib.store import sources

# FlexMeasures wraps annotation text on whitespace at this line length for charts.
CHART_LINE_LENGTH = 60


def annotate(user: Any, kind: str, entity_id: int, body: AnnotationBody) -> tuple[dict[str, Any], int]:
    """201 with a new annotation, 200 with the existing one of the same content, window, source and type (which is
    then put on this entity too). The source is the user's own data source."""
    source = sources.user_source(user)
    annotation, created = store.get_or_create(content=body.content, start=body.start, end=body.end,
                                              belief_time=body.prior, source_id=source.id, kind=body.type)
    store.put_on(annotation, store.subject(kind, entity_id))
    return annotation_json(annotation), 201 if created else 200


def asset_annotations(asset: Any, start: datetime | None, end: datetime | None,
                      beliefs_after: datetime | None = None, beliefs_before: datetime | None = None) -> list[Any]:
    """The asset's annotations and its account's (not a public asset's: it has none), ending after `start` and
    starting before `end`; annotations without a belief time pass the belief filters."""
    found = store.on(store.subject("asset", asset.id))
    if asset.account_id is not None:
        found += store.on(store.subject("account", asset.account_id))
    return [a for a in found
            if (start is None or a.end > start) and (end is None or a.start < end)
            and (a.belief_time is None or ((beliefs_after is None or a.belief_time > beliefs_after)
                                           and (beliefs_before is None or a.belief_time <= beliefs_before)))]


def chart_annotations(asset: Any, args: ChartAnnotationArgs) -> list[dict[str, Any]]:
    """Records as FlexMeasures' chart_annotations: clipped to the window (unless `clip` is off), text wrapped into
    lines, and annotations ending at the same time stacked into one (the earliest start, all lines). `index` is
    the kept annotation's position among those found, as pandas' reset_index shows it."""
    found = asset_annotations(asset, args.event_starts_after, args.event_ends_before, args.beliefs_after,
                              args.beliefs_before)
    described = {s.id: sources.description(s) for s in sources.get_many({a.source_id for a in found}).values()}
    rows = []
    for position, a in enumerate(found):
        start, end = a.start, a.end
        if args.clip and args.event_starts_after is not None:
            start = max(start, args.event_starts_after)
        if args.clip and args.event_ends_before is not None:
            end = min(end, args.event_ends_before)
        rows.append({"index": position, "start": start, "end": end, "belief_time": a.belief_time,
                     "source": described.get(a.source_id, str(a.source_id)), "type": a.type,
                     "content": wrap(a.content, CHART_LINE_LENGTH)})
    return [_epoch_ms(row) for row in stack_by_end(rows)]


def stack_by_end(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per end time (ascending): the earliest-starting one (then earliest belief), with every row's lines."""
    by_end: dict[datetime, list[dict[str, Any]]] = {}
    for row in rows:
        by_end.setdefault(row["end"], []).append(row)
    stacked = []
    for end in sorted(by_end):
        group = sorted(by_end[end], key=lambda r: (r["start"], r["belief_time"] is None, r["belief_time"] or end))
        stacked.append({**group[0], "content": [line for row in group for line in row["content"]]})
    return stacked


def _epoch_ms(row: dict[str, Any]) -> dict[str, Any]:
    """Times as pandas' to_json writes them: epoch milliseconds (null for no belief time)."""
    return {**row, **{key: None if row[key] is None else int(row[key].timestamp() * 1000)
                      for key in ("start", "end", "belief_time")}}
