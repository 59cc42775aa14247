"""Erasure of a complainant's personal data (PIPL 个人信息保护法) end to end, through HTTP,
on the real Kafka and MongoDB-wire server.

Two complaints carry a distinctive phone number and name in their texts and contact: one
from the plate's QR code (then accepted, verified, answered and closed, each step's text
naming them again), one taken by the county office on the phone (then not admitted).
Handlers read the words; the raw Kafka topics, the event store's commits and every
read-model collection never hold them in clear. The county office erases both: the
keys and the contacts go, ``ComplaintErased`` is recorded, and afterwards no collection
of the service's databases and no Kafka message holds the words, no remaining key opens
any sealed text, the reads show ``[已删除]``, and a rebuild of the read model from
offset 0 keeps it so, the complaints still listed with their facts.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import bson
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from services.issues.bootstrap import create_app as create_issues
from services.issues.complaints import domain as c
from services.issues.complaints.keys import ERASED, KEYS, DataKey
from services.issues.complaints.service import CONTACTS
from services.issues.complaints.view import VIEW
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Principal, Role
from shared.commands import CallerContext, CommandContext
from shared.contracts.complaints import SEALED_SCHEME, SealedText
from shared.envelope import Actor
from shared.eventstore import COMMITS
from shared.jurisdiction import Jurisdiction
from tests.conftest import Infra, Mint, eventually, ok, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_xlsx, upload

DAY = date(2026, 11, 16)


@dataclass
class World:
    app: FastAPI
    client: httpx.AsyncClient
    code: str
    mint: Mint
    topic_prefix: str
    kafka: str
    dbs: list[AsyncDatabase[dict[str, Any]]]

    def as_user(self, user_id: str, *roles: Role, **where: str) -> dict[str, str]:
        place = {"province": PROVINCE, "city": CITY, "county": self.code, **where}
        headers: dict[str, str] = self.mint(*roles, user_id=user_id, **place)
        return headers

    @property
    def office(self) -> dict[str, str]:
        return self.as_user(f"office-{self.code}", Role.county_office)

    @property
    def inspector(self) -> dict[str, str]:
        return self.as_user(f"{self.code}-insp-1", Role.inspector)  # listed at s1–s3

    @property
    def db(self) -> AsyncDatabase[dict[str, Any]]:
        return self.dbs[0]


@pytest.fixture
async def world(
    settings_for: Callable[..., Any], auth_header: Mint, infra: Infra
) -> AsyncIterator[World]:
    code = new_county()
    prefix = f"{infra.topic_prefix}erasure{secrets.token_hex(3)}."
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=code)
    issues_settings = settings_for(IssuesSettings, kafka_topic_prefix=prefix)
    visits_settings = settings_for(VisitsSettings, kafka_topic_prefix=prefix)
    issues = create_issues(issues_settings)
    async with (
        serve(create_visits(visits_settings)) as visits,
        serve(issues) as client,
    ):
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=office
        )
        assert r.status_code == 201, r.text
        issues.state.runtime.clock = lambda: datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
        lookup = issues.state.directory_lookup

        async def directory_arrived() -> bool:
            return bool(await lookup.listed_inspectors(f"{code}-s1", DAY))

        await eventually(directory_arrived)
        mongo = issues.state.runtime.db.client
        dbs = [mongo[issues_settings.mongodb_database], mongo[visits_settings.mongodb_database]]
        yield World(issues, client, code, auth_header, prefix, infra.kafka, dbs)


def markers() -> tuple[str, str]:
    """A phone number and a name no other test uses."""
    phone = f"139{secrets.randbelow(10**8):08d}"
    name = "".join(secrets.choice("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许") for _ in range(4))
    return phone, name


def form(school_id: str, phone: str, name: str) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "category": "teacher_ethics",
        "subject": f"{name}反映班主任收受礼品",
        "content": f"我是学生家长{name}，班主任要求家长送礼，请打 {phone} 联系我核实情况。",
        "contact": {"name": name, "phone": phone, "address": f"{name}家，幸福路8号"},
    }


# ---------------------------------------------------------------- where the bytes are


async def kafka_messages(w: World) -> list[bytes]:
    """Every message (key, value and headers) of every topic of this test, from offset 0."""
    admin = AIOKafkaAdminClient(bootstrap_servers=w.kafka)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(w.topic_prefix)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=w.kafka, enable_auto_commit=False)
    await consumer.start()
    out: list[bytes] = []
    try:
        metadata = await consumer._client.fetch_all_metadata()
        parts = [
            TopicPartition(t, p) for t in topics for p in metadata.partitions_for_topic(t) or ()
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        while any([await consumer.position(tp) < end[tp] for tp in parts]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    out += [r.value or b"", r.key or b""]
                    out += [k.encode() + v for k, v in r.headers]
    finally:
        await consumer.stop()
    assert topics and out, "the topics hold this test's events"
    return out


async def collections_holding(w: World, *words: str) -> set[str]:
    """Every collection (of the service's databases) whose BSON holds one of ``words``."""
    found = set()
    for db in w.dbs:
        for name in await db.list_collection_names():
            async for doc in db[name].find({}):
                raw = bson.encode(doc)
                if any(word.encode() in raw for word in words):
                    found.add(name)
    return found


def sealed_texts(messages: list[bytes]) -> list[SealedText]:
    """The sealed texts inside the Kafka values (JSON objects with the sealed scheme)."""
    texts: list[SealedText] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("scheme") == SEALED_SCHEME:
                texts.append(SealedText.model_validate(value))
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    for message in messages:
        if message.startswith(b"{"):
            visit(json.loads(message))
    return texts


async def test_erasure_leaves_no_readable_byte_anywhere_and_a_rebuild_keeps_it(
    world: World,
) -> None:
    w = world
    phone, name = markers()
    s1 = f"{w.code}-s1"
    transport = httpx.ASGITransport(app=w.app, client=("10.9.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as parent:
        r = await parent.post(f"/public/schools/{s1}/complaints", json=form(s1, phone, name))
        filed = await ok(r, 201)
    staff_form = {**form(f"{w.code}-s2", phone, name), "channel": "phone"}
    taken = await ok(await w.client.post("/complaints", json=staff_form, headers=w.office), 201)

    async def listed(extra: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        r = await w.client.get("/complaints", headers=w.office)
        docs = (
            [d for d in r.json()["items"] if d["county"] == w.code] if r.status_code == 200 else []
        )
        return docs if len(docs) == 2 and extra(docs) else []

    docs = await eventually(lambda: listed(lambda d: True))
    qr = next(d for d in docs if d["tracking_no"] == filed["tracking_no"])
    cid, other = qr["complaint_id"], taken["complaint_id"]

    # Every text kind, each naming the complainant again.
    insp = w.inspector
    await ok(await w.client.post(f"/complaints/{cid}/accept", json={"note": name}, headers=insp))
    verified = {"outcome": "substantiated", "findings": f"经与{name}（{phone}）核实，属实"}
    await ok(await w.client.post(f"/complaints/{cid}/verify", json=verified, headers=insp))
    answer = {"answer": f"{name}您好，已电话 {phone} 答复处理结果。", "method": "phone"}
    await ok(await w.client.post(f"/complaints/{cid}/answer", json=answer, headers=insp))
    await ok(await w.client.post(f"/complaints/{cid}/close", json={"note": name}, headers=insp))
    reject = {"reason": f"{name}反映的问题已由纪检部门处理"}
    await ok(await w.client.post(f"/complaints/{other}/reject", json=reject, headers=w.office))
    await eventually(lambda: listed(lambda d: {x["status"] for x in d} == {"closed", "rejected"}))

    # The handlers read the words (opened with the complaint's key) ...
    seen = await ok(await w.client.get(f"/complaints/{cid}", headers=w.office))
    assert phone in seen["content"] and seen["answer"]["answer"] == answer["answer"]
    assert seen["contact"]["phone"] == phone
    assert any(name in str(e["payload"].get("findings", "")) for e in seen["timeline"])
    row = next(d for d in (await listed(lambda d: True)) if d["complaint_id"] == other)
    assert row["rejection"]["reason"] == reject["reason"] and row["subject"].startswith(name)

    # ... but Kafka, the event store and the read models hold them sealed only; the
    # contact (and nothing else) is in clear, in its own collection.
    raw = b"".join(await kafka_messages(w))
    assert phone.encode() not in raw and name.encode() not in raw
    assert SEALED_SCHEME.encode() in raw
    assert await collections_holding(w, phone, name) == {CONTACTS}
    commits = w.db[COMMITS]
    stored = [c async for c in commits.find({"stream_id": {"$in": [f"complaint-{cid}"]}})]
    assert SEALED_SCHEME in json.dumps(stored, default=str)
    read_model = [n for n in await w.db.list_collection_names() if n.startswith(f"rm_{VIEW}_")]
    assert read_model, "the complaints read model is among the scanned collections"

    # Erasure: the county office of the school only; 404 unknown, 422 bad reason.
    body = {"reason": "complainant_request", "request_ref": "SQ-2026-001"}
    elsewhere = w.mint(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
    r = await w.client.post(f"/complaints/{cid}/erasure", json=body, headers=insp)
    assert r.status_code == 403, r.text  # the handler sees the case, but may not erase
    for outsider in (elsewhere, w.mint(Role.admin, province=PROVINCE)):
        r = await w.client.post(f"/complaints/{cid}/erasure", json=body, headers=outsider)
        assert r.status_code == 404, r.text  # they do not see it at all
    r = await w.client.post(f"/complaints/{'0' * 32}/erasure", json=body, headers=w.office)
    assert r.status_code == 404
    r = await w.client.post(
        f"/complaints/{cid}/erasure", json={"reason": "because"}, headers=w.office
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.reason"
    stale = {**w.office, "If-Match": '"5"'}  # 412, and nothing deleted yet
    r = await w.client.post(f"/complaints/{cid}/erasure", json=body, headers=stale)
    assert r.status_code == 412 and await w.db[KEYS].count_documents({"_id": cid}) == 1
    r = await w.client.post(
        f"/complaints/{cid}/erasure", json=body, headers={**w.office, "If-Match": '"6"'}
    )
    assert (await ok(r))["erased"] and r.headers["ETag"] == '"7"'

    # A crash after the key and contact went, before ComplaintErased was appended: the
    # texts are unreadable already, and repeating the request records the erasure.
    service = w.app.state.complaints
    append = service._streams.append

    async def crash(*args: Any, **kwargs: Any) -> int:
        raise ConnectionError("the event store went away")

    service._streams.append = crash
    with pytest.raises(ConnectionError):
        await w.client.post(f"/complaints/{other}/erasure", json=body, headers=w.office)
    service._streams.append = append
    assert await w.db[KEYS].count_documents({"_id": other}) == 0
    half = await ok(await w.client.get(f"/complaints/{other}", headers=w.office))
    assert half["content"] == ERASED and not half["erased"]
    r = await w.client.post(f"/complaints/{other}/erasure", json=body, headers=w.office)
    assert (await ok(r))["erased"]
    school_side = w.as_user(
        f"principal-{w.code}-1", Role.principal, zone=f"{w.code}-z1", school=f"{w.code}-s1"
    )
    seen_by_school = await ok(await w.client.get(f"/complaints/{cid}", headers=school_side))
    assert "request_ref" not in str(seen_by_school) and "contact_removed" not in str(seen_by_school)
    again = await w.client.post(f"/complaints/{cid}/erasure", json=body, headers=w.office)
    assert again.status_code == 409 and "已删除" in again.json()["message"]
    r = await w.client.post(f"/complaints/{cid}/close", json={}, headers=insp)
    assert r.status_code == 409

    erased = await eventually(lambda: listed(lambda d: all(x["erased"] for x in d)))

    # Nothing readable is left: no collection holds the words, no Kafka message either,
    # and no remaining key opens any sealed text of this test.
    assert await collections_holding(w, phone, name) == set()
    assert await w.db[KEYS].count_documents({"_id": {"$in": [cid, other]}}) == 0
    assert await w.db[CONTACTS].count_documents({"_id": {"$in": [cid, other]}}) == 0
    messages = await kafka_messages(w)
    raw = b"".join(messages)
    assert phone.encode() not in raw and name.encode() not in raw
    sealed = sealed_texts(messages)
    assert len(sealed) >= 8  # subject, content ×2; note, findings, answer, note; reason
    remaining = [
        DataKey(str(k["_id"]), k["key_id"], bytes(k["key"])) async for k in w.db[KEYS].find({})
    ]
    assert not any(key.open(text) for key in remaining for text in sealed)

    # The reads say erased; the facts stay; the audit event names who and why.
    for doc in erased:
        assert doc["content"] == doc["subject"] == ERASED
        assert doc["erasure"]["reason"] == "complainant_request"
    shown = await ok(await w.client.get(f"/complaints/{cid}", headers=w.office))
    assert shown["content"] == ERASED and shown["answer"]["answer"] == ERASED
    assert shown["contact"] == {"erased": True} and shown["status"] == "closed"
    assert phone not in json.dumps(shown, ensure_ascii=False)
    audit = shown["timeline"][-1]
    assert audit["type"] == "cn.duxue.issues.complaint_erased"
    assert audit["actor"]["user_id"] == f"office-{w.code}"
    assert audit["payload"]["request_ref"] == "SQ-2026-001"
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as parent:
        r = await parent.get(
            f"/public/complaints/{filed['tracking_no']}", params={"code": filed["query_code"]}
        )
        assert (await ok(r))["answer"]["answer"] == ERASED

    # A rebuild from offset 0 keeps it erased, and the complaints listed with their facts.
    admin = w.mint(Role.admin, province=PROVINCE)
    rebuilt = await ok(await w.client.post(f"/admin/projections/{VIEW}/rebuild", headers=admin))
    assert rebuilt["active_generation"] == 2
    after = await listed(lambda d: True)
    assert {d["complaint_id"] for d in after} == {cid, other}
    assert {d["status"] for d in after} == {"closed", "rejected"}
    for doc in after:
        assert doc["content"] == doc["subject"] == ERASED and doc["erased"]
        assert doc["school_id"] in (s1, f"{w.code}-s2") and doc["category"] == "teacher_ethics"
    assert await collections_holding(w, phone, name) == set()


async def test_a_step_racing_the_erasure_is_shredded_too(world: World) -> None:
    """A step that appends between the erasure's deletes and its event (sealed with a key
    it made after the delete) makes the erasure's append conflict; the erasure runs again
    on the new version and deletes that key too."""
    w = world
    phone, name = markers()
    staff_form = {**form(f"{w.code}-s3", phone, name), "channel": "letter"}
    taken = await ok(await w.client.post("/complaints", json=staff_form, headers=w.office), 201)
    cid = taken["complaint_id"]
    service = w.app.state.complaints
    office = Principal(
        user_id=f"office-{w.code}",
        name="县督导室",
        roles=frozenset({Role.county_office}),
        jurisdiction=Jurisdiction(province=PROVINCE, city=CITY, county=w.code),
    )
    delete = service.keys.delete
    raced: list[int] = []

    async def delete_then_race(complaint_id: str) -> bool:
        deleted: bool = await delete(complaint_id)
        if not raced:
            ctx = CommandContext(
                actor=Actor(user_id=office.user_id, role="county_office"),
                now=w.app.state.runtime.clock(),
                correlation_id="race",
            )
            step = c.Accept(by=office.user_id, as_office=True, note=f"已联系{name} {phone}")
            raced.append(await service.handle(cid, step, CallerContext(office, ctx)))
        return deleted

    service.keys.delete = delete_then_race
    try:
        body = {"reason": "consent_withdrawn"}
        r = await w.client.post(f"/complaints/{cid}/erasure", json=body, headers=w.office)
        done = await ok(r)
    finally:
        service.keys.delete = delete
    assert raced == [3] and done["version"] == 4  # received, routed, the raced accept, erased
    assert await w.db[KEYS].count_documents({"_id": cid}) == 0
    shown = await ok(await w.client.get(f"/complaints/{cid}", headers=w.office))
    assert shown["erased"] and shown["timeline"][2]["payload"]["note"] == ERASED
    assert await collections_holding(w, phone, name) == set()
