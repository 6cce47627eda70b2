"""Annotation bodies and the annotation JSON (FlexMeasures 1.0.1's AnnotationSchema)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from chalicelib.schemas.common import AwareDatetime, StrictBody, isoformat

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
