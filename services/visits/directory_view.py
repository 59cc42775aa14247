"""The visits service's own read model of the directory (schools as documents)."""

from __future__ import annotations

from collections.abc import Iterable

from shared import topics
from shared.contracts.directory import SchoolDetailsCorrected, SchoolRegistered
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View


class DirectoryView:
    """``schools``: one document per school, as the directory endpoints return it."""

    name = "visits_directory"
    topics: tuple[str, ...] = (topics.DIRECTORY,)
    handles = frozenset({SchoolRegistered.event_type, SchoolDetailsCorrected.event_type})
    collections: tuple[str, ...] = ("schools",)

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        assert isinstance(payload, SchoolRegistered | SchoolDetailsCorrected)
        return [DocRef("schools", payload.school_id)]

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        if isinstance(payload, SchoolRegistered):
            doc = payload.model_dump(mode="json")
        elif isinstance(payload, SchoolDetailsCorrected):
            current = view.get(DocRef("schools", payload.school_id))
            if current is None:
                raise ValueError(f"correction for unknown school {payload.school_id}")
            changes = payload.model_dump(mode="json", exclude_none=True, exclude={"reason"})
            doc = {**current, **changes}
        else:
            return
        doc["version"] = event.stream_version
        doc["updated_at"] = event.occurred_at.isoformat()
        view.put(DocRef("schools", payload.school_id), doc)
