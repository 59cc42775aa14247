"""The lean decoder gives exactly what the validating decoder gives, or defers to it."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from aiokafka import ConsumerRecord

import shared.contracts  # noqa: F401
from shared.contracts.directory import SchoolDetailsCorrected, SchoolKind, SchoolRegistered
from shared.decoding import LeanDecoder, decode, header_type
from shared.envelope import CONTENT_TYPE, EventEnvelope
from shared.events import EventPayload, EventRegistry, registry
from shared.jurisdiction import Jurisdiction
from tests.factories import envelope

WHERE = Jurisdiction(province="510000", city="510700", county="510703", school="s1")
HANDLES = frozenset({SchoolRegistered.event_type})


def registered() -> EventEnvelope:
    payload = SchoolRegistered(
        school_id="s1",
        name="学校",
        kind=SchoolKind.primary,
        province="510000",
        city="510700",
        county="510703",
        zone_id=None,
        address="地址",
        city_direct=False,
        principal_name=None,
        location=None,
    )
    return envelope(payload, "school-s1", 1, WHERE).model_copy(update={"causation_id": "c1"})


def record(value: bytes, headers: list[tuple[str, bytes]] | None = None) -> ConsumerRecord:
    return ConsumerRecord("t", 0, 7, 0, 0, b"k", value, None, 1, len(value), headers or [])


def test_the_lean_envelope_and_payload_equal_the_validated_ones() -> None:
    event = registered()
    r = record(event.to_bytes(), event.kafka_headers())
    lean, full = LeanDecoder(registry, HANDLES).decode(r), decode(r, registry)
    assert lean is not None and lean.error is None
    assert lean.envelope == full.envelope == event
    assert lean.envelope is not None and full.envelope is not None
    assert lean.envelope.model_dump() == full.envelope.model_dump()
    assert lean.payload == full.payload


def test_types_not_handled_are_skipped_by_header_or_after_parsing() -> None:
    other = envelope(
        SchoolDetailsCorrected(school_id="s1", kind=SchoolKind.junior, reason="改制"),
        "school-s1",
        2,
        WHERE,
    )
    decoder = LeanDecoder(registry, HANDLES)
    assert not decoder.wanted(record(other.to_bytes(), other.kafka_headers()))
    assert decoder.wanted(record(other.to_bytes()))  # no header: parsed to find the type
    assert decoder.decode(record(other.to_bytes())) is None


def test_anything_unusual_gets_the_validating_decoders_reason() -> None:
    decoder = LeanDecoder(registry, HANDLES)
    broken = decoder.decode(record(b"{broken"))
    assert broken is not None and (broken.error or "").startswith("undecodable")
    raw: dict[str, Any] = orjson.loads(registered().to_bytes())
    raw["data"]["kind"] = "castle"
    invalid = decoder.decode(record(orjson.dumps(raw)))
    assert invalid is not None and (invalid.error or "").startswith("invalid_payload")
    raw = orjson.loads(registered().to_bytes())
    raw["type"] = "cn.duxue.directory.nope"
    unknown = decoder.decode(record(orjson.dumps(raw), [("ce_type", raw["type"].encode())]))
    assert unknown is not None and (unknown.error or "").startswith("unknown_type")
    raw = orjson.loads(registered().to_bytes())
    raw["jurisdiction"] = "city:510700"
    bad_place = decoder.decode(record(orjson.dumps(raw)))
    assert bad_place is not None and (bad_place.error or "").startswith("undecodable")


class Renamed(EventPayload):
    event_type: ClassVar[str] = "cn.duxue.test.renamed"
    schema_version: ClassVar[int] = 2
    topic: ClassVar[str] = "t"
    full_name: str


def test_an_old_schema_version_is_upcast_through_the_registry() -> None:
    local = EventRegistry()
    local.register(Renamed)
    local.register_upcaster(Renamed.event_type, 1, lambda d: {"full_name": d["name"]})
    old = envelope(Renamed(full_name="x"), "r-1", 1, WHERE).model_copy(
        update={"schema_version": 1, "payload": {"name": "旧名"}}
    )
    delivery = LeanDecoder(local, frozenset({Renamed.event_type})).decode(record(old.to_bytes()))
    assert delivery is not None and delivery.payload == Renamed(full_name="旧名")


def legacy_headers(event: EventEnvelope) -> list[tuple[str, bytes]]:
    """The headers messages carried before issue 17 (still in the topics' logs)."""
    return [
        ("content-type", CONTENT_TYPE.encode()),
        ("ce_type", event.event_type.encode()),
        ("ce_id", str(event.event_id).encode()),
    ]


def test_structured_mode_headers_carry_no_ce_prefix() -> None:
    names = [name for name, _ in registered().kafka_headers()]
    assert names == ["content-type", "duxue_type", "duxue_id"]
    assert not [name for name in names if name.lower().startswith("ce_")]


def test_messages_with_the_legacy_headers_are_filtered_and_decoded_alike() -> None:
    decoder = LeanDecoder(registry, HANDLES)
    event = registered()
    other = envelope(
        SchoolDetailsCorrected(school_id="s1", kind=SchoolKind.junior, reason="改制"),
        "school-s1",
        2,
        WHERE,
    )
    assert not decoder.wanted(record(other.to_bytes(), legacy_headers(other)))
    old = record(event.to_bytes(), legacy_headers(event))
    assert decoder.wanted(old)
    assert header_type(old) == event.event_type
    decoded = decoder.decode(old)
    assert decoded is not None and decoded.envelope == event
