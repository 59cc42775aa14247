"""Read model of checklist templates: one document per template, one per version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import topics
from shared.contracts.checklists import ChecklistPublished, ChecklistRetired
from shared.envelope import EventEnvelope
from shared.events import EventPayload
from shared.projection import DocRef, View


def version_key(checklist_id: str, version: int) -> str:
    return f"{checklist_id}:{version}"


class ChecklistsView:
    """``templates`` (``_id`` = checklist id) and ``versions`` (``_id`` = ``<id>:<version>``).

    A template document: ``checklist_id, title, owner_scope, latest_version, retired,
    retired_reason, versions: [{version, scope, published_at}], version`` (the stream's,
    for ``If-Match``). A version document:
    ``checklist_id, version, title, scope, items, note, published_at, published_by``.
    """

    name = "visits_checklists"
    topics: tuple[str, ...] = (topics.VISITS,)
    handles = frozenset({ChecklistPublished.event_type, ChecklistRetired.event_type})
    collections: tuple[str, ...] = ("templates", "versions")

    def keys(self, event: EventEnvelope, payload: EventPayload) -> Iterable[DocRef]:
        if isinstance(payload, ChecklistPublished):
            return [
                DocRef("templates", payload.checklist_id),
                DocRef("versions", version_key(payload.checklist_id, payload.version)),
            ]
        if isinstance(payload, ChecklistRetired):
            return [DocRef("templates", payload.checklist_id)]
        return []

    def apply(self, event: EventEnvelope, payload: EventPayload, view: View) -> None:
        at = event.occurred_at.isoformat()
        if isinstance(payload, ChecklistPublished):
            ref = DocRef("templates", payload.checklist_id)
            template: dict[str, Any] = view.get(ref) or {
                "checklist_id": payload.checklist_id,
                "owner_scope": payload.scope,
                "retired": False,
                "retired_reason": None,
                "versions": [],
            }
            listed = [v for v in template["versions"] if v["version"] != payload.version]
            listed.append({"version": payload.version, "scope": payload.scope, "published_at": at})
            view.put(
                ref,
                {
                    **template,
                    "title": payload.title,
                    "latest_version": max(v["version"] for v in listed),
                    "versions": sorted(listed, key=lambda v: int(v["version"])),
                    "version": event.stream_version,
                },
            )
            doc = payload.model_dump(mode="json")
            doc.update(published_at=at, published_by=event.actor.user_id)
            view.put(DocRef("versions", version_key(payload.checklist_id, payload.version)), doc)
        elif isinstance(payload, ChecklistRetired):
            ref = DocRef("templates", payload.checklist_id)
            retired = view.get(ref)
            if retired is None:
                raise ValueError(f"retirement of unknown checklist {payload.checklist_id}")
            view.put(
                ref,
                {
                    **retired,
                    "retired": True,
                    "retired_reason": payload.reason,
                    "version": event.stream_version,
                },
            )
