"""Annotation bodies and the annotation JSON (FlexMeasures 1.0.1's AnnotationSchema), and chart_annotations' query."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from chalicelib.schemas.common import AwareDatetime, Duration, QueryArgs, StrictBody, isoformat

ANNOTATION_TYPES = ("alert", "holiday", "label", "feedback", "warning", "error")
MAX_CONTENT_LENGTH = 1024


class AnnotationBody(StrictBody):
    content: str = Field(max_length=MAX_CONTENT_LENGTH)
    start: AwareDatetime
    end: AwareDatetime
    type: Literal[ANNOTATION_TYPES] = "label"  # type: ignore[valid-type]
    prior: AwareDatetime | None = None  # the belief time (default: none recorded)

    @model_validator(mode="after")
    def _end_after_start(self) -> "AnnotationBody":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def annotation_json(annotation: Any) -> dict[str, Any]:
    return {"id": annotation.id, "source": annotation.source_id, "content": annotation.content,
            "start": isoformat(annotation.start), "end": isoformat(annotation.end), "type": annotation.type,
            "prior": isoformat(annotation.belief_time)}


class ChartAnnotationArgs(QueryArgs):
    """FlexMeasures 1.0's event window (`start`/`end`, or one of them with `duration`) and belief filter
    (`beliefs-after`, `prior`), with the old spellings; `clip` cuts annotations to the window."""

    RENAMED = {"event_starts_after": "start", "event_ends_before": "end", "beliefs_after": "beliefs-after",
               "beliefs_before": "prior"}
    event_starts_after: AwareDatetime | None = None
    event_ends_before: AwareDatetime | None = None
    duration: Duration | None = None
    beliefs_after: AwareDatetime | None = None
    beliefs_before: AwareDatetime | None = None
    clip: bool = True

    @field_validator("duration")
    @classmethod
    def _with_a_bound(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("event_starts_after") is None \
                and info.data.get("event_ends_before") is None:
            raise ValueError("Provide `duration` together with `start` or `end`.")
        return value

    @model_validator(mode="after")
    def _derive_missing_bound(self) -> "ChartAnnotationArgs":
        if self.duration is None:
            return self
        if self.event_ends_before is None:
            self.event_ends_before = self.event_starts_after + self.duration
        elif self.event_starts_after is None:
            self.event_starts_after = self.event_ends_before - self.duration
        return self
