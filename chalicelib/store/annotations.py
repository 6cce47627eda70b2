"""Annotations: get-or-create one (unique per content, start, end, source and type, as FlexMeasures' lookup) and put
it on accounts, assets and sensors; list an entity's annotations."""
from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.store.errors import DuplicateError
from chalicelib.store.ids import next_id
from chalicelib.store.models import Annotation
from chalicelib.store.uniques import claim_key, claim_owner, write_with_claims

CANONICAL = "annotation"


def subject(kind: str, entity_id: int) -> str:
    """"asset#12": the entity an annotation is on (kind: account, asset or sensor)."""
    return f"{kind}#{int(entity_id)}"


def _identity(content: str, start: datetime, end: datetime, source_id: int, kind: str) -> str:
    text = "\x1f".join([content, start.isoformat(), end.isoformat(), str(source_id), kind])
    return claim_key("annotation", hashlib.sha256(text.encode()).hexdigest())


def get_or_create(*, content: str, start: datetime, end: datetime, belief_time: datetime | None, source_id: int,
                  kind: str) -> tuple[Annotation, bool]:
    """The annotation with this content, start, end, source and type (the stored one, whose belief time wins), and
    whether it was created now; a race between two creators leaves one annotation."""
    claim = _identity(content, start, end, source_id, kind)
    for _ in range(3):
        owner = claim_owner(claim)
        if owner is not None:
            existing = Annotation.get_or_none(CANONICAL, int(owner))
            if existing is not None:
                return existing, False
        annotation = Annotation(CANONICAL, next_id("annotation"), start=start, end=end, belief_time=belief_time,
                                source_id=source_id, type=kind, content=content)
        try:
            write_with_claims(lambda tx: tx.save(annotation), [claim], owner=str(annotation.id))
            return annotation, True
        except DuplicateError:
            continue
    raise RuntimeError("Could not look up or create the annotation")


def put_on(annotation: Annotation, on: str) -> None:
    """Put the annotation on an entity (a no-op when it is there already)."""
    Annotation(on, annotation.id, start=annotation.start, end=annotation.end, belief_time=annotation.belief_time,
               source_id=annotation.source_id, type=annotation.type, content=annotation.content).save()


def take_all_off(subject_: str) -> None:
    """Take every annotation off an entity that is going away (FlexMeasures' relationship rows cascade); the
    annotations themselves stay, as in FlexMeasures."""
    with Annotation.batch_write() as batch:
        for item in Annotation.query(subject_, attributes_to_get=["subject", "id"]):
            batch.delete(item)


def on(subject_: str) -> list[Annotation]:
    """The annotations on one entity, by id."""
    return list(Annotation.query(subject_))
