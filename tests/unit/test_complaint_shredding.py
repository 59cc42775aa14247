"""Crypto-shredding of complaint texts: sealing, opening, erasure, the v1 upcasters.

The texts of a complaint's events are sealed with its data key, so the encoded events
never hold the words; a reader with the key opens them, and once the key is gone (or
the complaint erased) every text reads ``[已删除]``. Events of schema version 1 (clear
text) are lifted by their upcasters and hidden by the erasure too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.issues.complaints import domain as c
from services.issues.complaints.keys import ERASED, DataKey, MemoryKeyStore, Reader
from services.issues.complaints.view import fold
from shared.commands import IllegalStep
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintReceived,
    ErasureReason,
    LegacyText,
    SealedText,
    VerificationOutcome,
)
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload, registry
from shared.jurisdiction import Jurisdiction

DAY = date(2026, 11, 16)
PHONE = "13912345678"
NAME = "李秀英"
WHERE = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")


def receive() -> c.ReceiveComplaint:
    return c.ReceiveComplaint(
        complaint_id="c1",
        tracking_no="TS20261116000001",
        school_id="s1",
        school_name="测试第1学校",
        channel=ComplaintChannel.qr_code,
        category=ComplaintCategory.learning_load,
        subject=f"{NAME}反映作业过多",
        content=f"三年级每天作业超过两小时，请回电 {PHONE}（{NAME}）",
        anonymous=False,
        has_contact=True,
        received_by="public",
        received_on=DAY,
        answer_days=15,
        listed_inspector_ids=("insp-1",),
    )


ERASE = c.Erase(
    by="office", reason=ErasureReason.complainant_request, request_ref="SQ-1", contact_removed=True
)


def whole_way(key: DataKey) -> list[EventPayload]:
    state, log = c.Complaint(), []
    for cmd in (
        receive(),
        c.Accept(by="insp-1", as_office=False, note=f"已联系 {NAME}"),
        c.Verify(
            by="insp-1", outcome=VerificationOutcome.substantiated, findings=f"{NAME}所述属实"
        ),
        c.Answer(by="insp-1", answer=f"已电话答复 {PHONE}", method=AnswerMethod.phone, on=DAY),
        c.Close(by="insp-1", note=f"{NAME}满意"),
    ):
        events = c.decide(state, cmd, key.seal)
        for e in events:
            state = c.evolve(state, e)
        log.extend(events)
    return log


def envelopes(
    payloads: list[tuple[str, int, dict[str, Any]]], start: int = 1
) -> list[EventEnvelope]:
    at = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
    return [
        EventEnvelope(
            event_id=uuid4(),
            event_type=event_type,
            schema_version=version,
            source="/tests",
            stream_id="complaint-c1",
            stream_version=n,
            partition_key="complaint-c1",
            occurred_at=at + timedelta(hours=n),
            recorded_at=at + timedelta(hours=n),
            actor=Actor(user_id="insp-1", role="inspector"),
            jurisdiction=WHERE,
            correlation_id="corr",
            payload=payload,
        )
        for n, (event_type, version, payload) in enumerate(payloads, start=start)
    ]


def of(events: list[EventPayload], start: int = 1) -> list[EventEnvelope]:
    return envelopes(
        [(e.event_type, e.schema_version, e.model_dump(mode="json")) for e in events], start
    )


def test_no_event_holds_the_words_and_the_key_opens_them() -> None:
    key = DataKey.new("c1")
    log = whole_way(key)
    encoded = b"".join(e.to_bytes() for e in of(log))
    assert PHONE.encode() not in encoded and NAME.encode() not in encoded
    received = log[0]
    assert isinstance(received, ComplaintReceived) and isinstance(received.content, SealedText)
    assert received.schema_version == 2
    doc = Reader(key).tree(fold(of(log), registry))
    assert PHONE in doc["content"] and doc["subject"].startswith(NAME)
    assert doc["verification"]["findings"] == f"{NAME}所述属实"
    assert doc["answer"]["answer"] == f"已电话答复 {PHONE}"
    assert doc["routing"][0]["reason"] == "按挂牌责任督学自动转办"  # the service's label


def test_without_the_key_every_text_reads_erased() -> None:
    log = whole_way(DataKey.new("c1"))
    for reader in (Reader(None), Reader(DataKey.new("c1")), Reader(DataKey.new("c2"))):
        doc = reader.tree(fold(of(log), registry))
        assert doc["content"] == doc["subject"] == ERASED
        assert doc["answer"]["answer"] == doc["verification"]["findings"] == ERASED
        assert doc["status"] == "closed" and doc["school_id"] == "s1"  # the facts stay
    tampered = log[0].model_dump(mode="json")["content"]
    tampered["ciphertext"] = "A" + tampered["ciphertext"][1:]
    assert Reader(DataKey.new("c1")).text(tampered) == ERASED


def test_the_erasure_shreds_the_document_and_ends_the_case() -> None:
    key = DataKey.new("c1")
    log = whole_way(key)
    state = c.replay(log)
    erased = c.decide(state, ERASE, key.seal)
    state = c.evolve(state, erased[0])
    assert state.erased and state.status == c.Status.closed
    doc = fold(of([*log, *erased]), registry)
    assert doc is not None and doc["erased"] and doc["erasure"]["reason"] == "complainant_request"
    assert "ciphertext" not in json.dumps(doc)  # not even the sealed words are kept
    assert Reader(key).tree(doc)["content"] == ERASED  # the key itself would not help
    with pytest.raises(IllegalStep, match="已删除"):
        c.decide(state, ERASE, key.seal)
    with pytest.raises(IllegalStep, match="已删除"):
        c.decide(state, c.Close(by="insp-1"), key.seal)


def test_version_1_events_are_lifted_and_hidden_by_the_erasure() -> None:
    v1 = [
        (
            "cn.duxue.issues.complaint_received",
            1,
            {
                "complaint_id": "c1",
                "tracking_no": "TS20261116000001",
                "school_id": "s1",
                "school_name": "测试第1学校",
                "channel": "online",
                "category": "safety",
                "subject": "校门口拥堵",
                "content": f"放学时校门口车辆拥堵，联系 {PHONE}",
                "anonymous": False,
                "has_contact": True,
                "received_by": "public",
                "received_on": "2026-11-16",
                "answer_due_on": "2026-12-01",
            },
        ),
        (
            "cn.duxue.issues.complaint_routed",
            1,
            {
                "complaint_id": "c1",
                "to_inspector_ids": ["insp-1"],
                "to_county_office": False,
                "unlisted": False,
                "routed_by": "svc-issues",
                "reason": "按挂牌责任督学自动转办",
            },
        ),
        (
            "cn.duxue.issues.complaint_accepted",
            1,
            {"complaint_id": "c1", "accepted_by": "insp-1", "as_office": False, "note": ""},
        ),
    ]
    old = envelopes(v1)
    lifted = registry.parse(old[0])
    assert isinstance(lifted, ComplaintReceived) and isinstance(lifted.content, LegacyText)
    accepted = registry.parse(old[2]).model_dump()
    assert accepted["note"] is None
    assert Reader(None).tree(fold(old, registry))["content"].endswith(PHONE)
    state = c.replay([registry.parse(e) for e in old])
    erased = of(c.decide(state, ERASE, DataKey.new("c1").seal), start=4)
    doc = fold([*old, *erased], registry)
    assert doc is not None and PHONE not in json.dumps(doc, ensure_ascii=False)
    assert Reader(None, erased=True).tree(registry.parse(old[0]).model_dump())["content"] == ERASED


async def test_the_key_store_port_creates_once_and_deletes() -> None:
    store = MemoryKeyStore()
    now = datetime(2026, 11, 16, tzinfo=UTC)
    first = await store.create("c1", now)
    assert await store.create("c1", now) == first  # a retry gets the same key
    assert await store.get_many(["c1", "c2"]) == {"c1": first}
    assert await store.delete("c1") and not await store.delete("c1")
    assert await store.get("c1") is None
