"""Evidence end to end: the visits app (real lifespan) on the real MongoDB-wire server.

Uploads go through HTTP as multipart, bytes land in GridFS, downloads come back
hash-checked. Refused uploads must leave nothing in GridFS.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.evidence.store import GridFSEvidence
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body

IMAGE_LIMIT = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    county: str
    school_id: str
    office: dict[str, str]
    inspector: dict[str, str]

    @property
    def store(self) -> GridFSEvidence:
        return GridFSEvidence(self.app.state.runtime.db)

    async def stored_counts(self) -> tuple[int, int, int]:
        store = self.store
        return (
            await store.files.count_documents({}),
            await store.chunks.count_documents({}),
            await store.pending.count_documents({}),
        )


@pytest.fixture
async def world(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[World]:
    settings = settings_for(
        VisitsSettings, evidence_max_image_bytes=IMAGE_LIMIT, evidence_chunk_bytes=16 * 1024
    )
    app = create_app(settings)
    county = new_county()
    where = {"province": PROVINCE, "city": CITY, "county": county}
    office = auth_header(Role.county_office, **where)
    async with serve(app) as client:
        school_id = f"{county}-ev"
        r = await client.post("/schools", json=school_body(school_id, county), headers=office)
        assert r.status_code == 201, r.text

        async def visible() -> bool:
            return (await client.get(f"/schools/{school_id}", headers=office)).status_code == 200

        await eventually(visible)
        yield World(client, app, county, school_id, office, auth_header(Role.inspector, **where))


def png(size: int) -> bytes:
    return PNG + os.urandom(size - len(PNG))


async def upload(
    w: World,
    data: bytes,
    *,
    name: str = "校门口安全通道.png",
    media_type: str = "image/png",
    sha256: str | None = None,
    school_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    fields = {
        "school_id": school_id or w.school_id,
        "sha256": sha256 or hashlib.sha256(data).hexdigest(),
    }
    return await w.client.post(
        "/evidence",
        data=fields,
        files={"file": (name, data, media_type)},
        headers=headers or w.inspector,
    )


def fields_of(r: httpx.Response) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


async def test_a_photo_comes_back_byte_identical_with_its_headers(
    world: World, auth_header: Mint
) -> None:
    w = world
    photo = png(100 * 1024)  # several 16 KiB chunks
    digest = hashlib.sha256(photo).hexdigest()
    r = await upload(w, photo)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["sha256"] == digest and out["size"] == len(photo)
    assert out["media_type"] == "image/png" and out["file_name"] == "校门口安全通道.png"
    assert out["created"] is True and out["visit_id"] is None
    evidence_id = out["evidence_id"]
    assert r.headers["Location"] == f"/evidence/{evidence_id}"

    got = await w.client.get(f"/evidence/{evidence_id}", headers=w.inspector)
    assert got.status_code == 200
    assert got.content == photo
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["Content-Length"] == str(len(photo))
    assert got.headers["ETag"] == f'"{digest}"'
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    assert f"filename*=UTF-8''{quote('校门口安全通道.png')}" in disposition

    again = await w.client.get(
        f"/evidence/{evidence_id}", headers={**w.inspector, "If-None-Match": f'"{digest}"'}
    )
    assert again.status_code == 304 and not again.content

    principal = auth_header(
        Role.principal, province=PROVINCE, city=CITY, county=w.county,
        school=w.school_id,
    )  # fmt: skip
    meta = await w.client.get(f"/evidence/{evidence_id}/meta", headers=principal)
    assert meta.status_code == 200
    assert meta.json()["sha256"] == digest and meta.json()["school_id"] == w.school_id

    same = await upload(w, photo, name="重复.png", headers=w.office)
    assert same.status_code == 200
    assert same.json()["evidence_id"] == evidence_id and same.json()["created"] is False

    facts = await w.store.evidence(evidence_id)
    assert facts is not None
    assert (facts.sha256, facts.size, facts.media_type, facts.school_id) == (
        digest,
        len(photo),
        "image/png",
        w.school_id,
    )
    assert await w.store.evidence("no-such-evidence") is None
    assert await w.stored_counts() == (1, 7, 0)


async def test_refused_uploads_leave_nothing_behind(world: World) -> None:
    w = world
    photo = png(40 * 1024)

    wrong_hash = await upload(w, photo, sha256=hashlib.sha256(b"other").hexdigest())
    assert wrong_hash.status_code == 422 and fields_of(wrong_hash) == ["body.sha256"]
    assert "sha256" in wrong_hash.json()["message"]

    not_hex = await upload(w, photo, sha256="abc")
    assert not_hex.status_code == 422 and fields_of(not_hex) == ["body.sha256"]

    too_big = await upload(w, png(IMAGE_LIMIT + 1))
    assert too_big.status_code == 413 and fields_of(too_big) == ["body.file"]
    assert "上限" in too_big.json()["message"]
    assert (await upload(w, png(IMAGE_LIMIT))).status_code == 201
    await w.store.chunks.delete_many({})
    await w.store.files.delete_many({})

    disguised = await upload(w, b"%PDF-1.7 not a picture" + os.urandom(64))
    assert disguised.status_code == 422 and fields_of(disguised) == ["body.file"]

    unknown = await upload(w, b"hello", name="a.txt", media_type="text/plain")
    assert unknown.status_code == 415 and fields_of(unknown) == ["body.file"]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    fake_docx = await upload(w, buf.getvalue(), name="记录.docx", media_type=docx)
    assert fake_docx.status_code == 422 and fields_of(fake_docx) == ["body.file"]

    no_file = await w.client.post(
        "/evidence", data={"school_id": w.school_id, "sha256": "0" * 64}, headers=w.inspector
    )
    assert no_file.status_code in (415, 422)

    assert await w.stored_counts() == (0, 0, 0)


async def test_only_the_schools_jurisdiction_sees_its_evidence(
    world: World, auth_header: Mint
) -> None:
    w = world
    r = await upload(w, png(2048))
    assert r.status_code == 201, r.text
    evidence_id = r.json()["evidence_id"]

    unknown = await upload(w, png(2048), school_id="no-such-school")
    assert unknown.status_code == 422 and fields_of(unknown) == ["body.school_id"]
    neighbour = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
    assert (await upload(w, png(2048), headers=neighbour)).status_code == 403
    assert (await w.client.get(f"/evidence/{evidence_id}", headers=neighbour)).status_code == 403
    assert (
        await w.client.get(f"/evidence/{evidence_id}/meta", headers=neighbour)
    ).status_code == 403

    other_principal = auth_header(
        Role.principal, province=PROVINCE, city=CITY, county=w.county,
        school="another-school",
    )  # fmt: skip
    assert (
        await w.client.get(f"/evidence/{evidence_id}", headers=other_principal)
    ).status_code == 403
    assert (await upload(w, png(2048), headers=other_principal)).status_code == 403

    city = auth_header(Role.city_office, province=PROVINCE, city=CITY)
    assert (await w.client.get(f"/evidence/{evidence_id}", headers=city)).status_code == 200
    assert (await w.client.get("/evidence/nothing-here", headers=city)).status_code == 404
    assert (await w.client.get(f"/evidence/{evidence_id}")).status_code == 401


async def test_tampered_bytes_are_refused_with_a_clear_error(world: World) -> None:
    w = world
    photo = png(40 * 1024)
    r = await upload(w, photo)
    evidence_id = r.json()["evidence_id"]
    chunk = await w.store.chunks.find_one({"files_id": evidence_id, "n": 1})
    assert chunk is not None
    flipped = bytes(b ^ 0xFF for b in chunk["data"])
    await w.store.chunks.update_one({"_id": chunk["_id"]}, {"$set": {"data": flipped}})

    bad = await w.client.get(f"/evidence/{evidence_id}", headers=w.inspector)
    assert bad.status_code == 502
    assert bad.json()["error"] == "evidence_corrupted"
    assert "证据文件已损坏" in bad.json()["message"]
    assert (
        await w.client.get(f"/evidence/{evidence_id}/meta", headers=w.inspector)
    ).status_code == 200

    await w.store.chunks.delete_one({"_id": chunk["_id"]})
    missing = await w.client.get(f"/evidence/{evidence_id}", headers=w.inspector)
    assert missing.status_code == 502 and missing.json()["error"] == "evidence_corrupted"
