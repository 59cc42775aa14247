from typing import Any, ClassVar

import pytest

import shared.contracts  # noqa: F401
from shared.contracts.directory import SchoolRegistered
from shared.events import EventPayload, EventRegistry, UnknownEventType, registry
from shared.jurisdiction import Jurisdiction
from tests.factories import envelope

HERE = Jurisdiction(province="510000", city="510700", county="510704")


class RenamedV2(EventPayload):
    event_type: ClassVar[str] = "cn.duxue.test.renamed"
    schema_version: ClassVar[int] = 2
    topic: ClassVar[str] = "duxue.test.events"

    full_name: str


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"full_name": data["name"]}


def test_old_payloads_are_upcast_to_the_current_version() -> None:
    reg = EventRegistry()
    reg.register(RenamedV2)
    reg.register_upcaster(RenamedV2.event_type, 1, _v1_to_v2)
    old = envelope(RenamedV2(full_name="x"), "s", 1, HERE).model_copy(
        update={"schema_version": 1, "payload": {"name": "张三"}}
    )
    assert reg.parse(old) == RenamedV2(full_name="张三")


def test_a_newer_version_than_known_is_refused() -> None:
    reg = EventRegistry()
    reg.register(RenamedV2)
    newer = envelope(RenamedV2(full_name="x"), "s", 1, HERE).model_copy(
        update={"schema_version": 3}
    )
    with pytest.raises(UnknownEventType, match="newer"):
        reg.parse(newer)


def test_unknown_types_and_bad_payloads_raise() -> None:
    reg = EventRegistry()
    event = envelope(RenamedV2(full_name="x"), "s", 1, HERE)
    with pytest.raises(UnknownEventType):
        reg.parse(event)
    reg.register(RenamedV2)
    with pytest.raises(ValueError, match="invalid"):
        reg.parse(event.model_copy(update={"payload": {"full_name": 3}}))


def test_catalogue_lists_every_platform_event_with_its_schema() -> None:
    entries = {e["type"]: e for e in registry.catalogue()}
    school = entries[SchoolRegistered.event_type]
    assert school["topic"] == "duxue.directory.events"
    assert school["schema"]["$id"] == "urn:duxue:schema:cn.duxue.directory.school_registered:1"
    assert "school_id" in school["schema"]["properties"]


def test_registering_a_second_class_under_one_name_fails() -> None:
    reg = EventRegistry()
    reg.register(RenamedV2)

    class Clash(RenamedV2):
        pass

    with pytest.raises(ValueError, match="twice"):
        reg.register(Clash)
