"""Evidence uploads without a server: types, magic bytes, the streaming multipart reader."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.evidence.api import content_disposition
from shared.evidence.media import (
    DOCX,
    XLSX,
    SizeClass,
    canonical,
    magic_matches,
    office_kind_matches,
    safe_file_name,
)
from shared.evidence.upload import Received, Refused, receive

LIMITS = {SizeClass.image: 1000, SizeClass.audio: 5000, SizeClass.document: 2000}
BOUNDARY = "----duxue-test-boundary"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


def multipart(
    fields: Mapping[str, str], data: bytes, media_type: str = "image/png", first: bool = False
) -> bytes:
    parts = [
        (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n').encode()
        for k, v in fields.items()
    ]
    file_part = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="照片.png"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )
    parts = [file_part, *parts] if first else [*parts, file_part]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def pieces(body: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def nobody(fields: Mapping[str, str]) -> None:
    return None


async def read(body: bytes, piece: int = 64) -> Received:
    return await receive(
        f"multipart/form-data; boundary={BOUNDARY}", len(body), pieces(body, piece), LIMITS, nobody
    )


def test_types_aliases_and_magic_bytes() -> None:
    assert canonical("image/JPG; q=1") == "image/jpeg"
    assert canonical("audio/x-m4a") == "audio/mp4"
    assert canonical("text/html") is None and canonical("") is None
    assert magic_matches("image/png", PNG[:16])
    assert not magic_matches("image/png", b"\xff\xd8\xff\xe0" + bytes(12))
    assert magic_matches("image/jpeg", b"\xff\xd8\xff\xe0" + bytes(12))
    assert magic_matches("audio/mp4", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00")
    assert magic_matches("image/heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")
    assert not magic_matches("image/heic", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00")
    assert magic_matches("audio/amr", b"#!AMR\n" + bytes(10))
    assert magic_matches("audio/wav", b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert not magic_matches("image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert magic_matches("audio/mpeg", b"ID3\x04" + bytes(12))
    assert magic_matches("application/pdf", b"%PDF-1.7\n" + bytes(7))


def test_office_files_must_hold_the_right_document() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert office_kind_matches(DOCX, buf)
    assert not office_kind_matches(XLSX, buf)
    assert not office_kind_matches(DOCX, io.BytesIO(b"PK\x03\x04 not really a zip"))


def test_file_names_are_tamed_and_disposition_is_rfc_5987() -> None:
    assert safe_file_name("C:\\Users\\x\\校门.jpg", "e1", "image/jpeg") == "校门.jpg"
    assert safe_file_name("../../\x00\x07", "e1", "image/jpeg") == "evidence-e1.jpg"
    header = content_disposition("食堂 留样.pdf", "application/pdf")
    assert header == (
        'inline; filename="evidence.pdf"; '
        "filename*=UTF-8''%E9%A3%9F%E5%A0%82%20%E7%95%99%E6%A0%B7.pdf"
    )
    assert content_disposition('a"b.docx', DOCX).startswith('attachment; filename="a_b.docx"')


@settings(max_examples=40, deadline=None)
@given(piece=st.integers(min_value=1, max_value=300), first=st.booleans())
async def test_any_chunking_gives_the_same_hash_and_size(piece: int, first: bool) -> None:
    fields = {"school_id": "s-1", "sha256": "a" * 64}
    got = await read(multipart(fields, PNG, first=first), piece)
    with got.spool:
        assert got.sha256 == hashlib.sha256(PNG).hexdigest() and got.size == len(PNG)
        assert got.spool.read() == PNG
    assert got.fields == fields and got.media_type == "image/png" and got.file_name == "照片.png"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (multipart({}, PNG + bytes(1000)), 413, "body.file"),
        (multipart({}, b"GIF89a" + bytes(20)), 422, "body.file"),
        (multipart({}, PNG, media_type="image/gif"), 415, "body.file"),
        (multipart({}, PNG, media_type=""), 415, "body.file"),
        (multipart({"colour": "red"}, PNG), 422, "body.colour"),
        (multipart({"school_id": "x" * 300}, PNG), 422, "body.school_id"),
        (multipart({}, PNG)[:-40], 422, "body.file"),
        (b"--" + BOUNDARY.encode() + b"--\r\n", 422, "body.file"),
    ],
)
async def test_refusals_name_the_field(body: bytes, status: int, field: str) -> None:
    with pytest.raises(Refused) as refused:
        await read(body)
    assert (refused.value.status, refused.value.field) == (status, field)


async def test_a_declared_length_beyond_every_limit_is_refused_before_reading() -> None:
    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("the body must not be read")
        yield b""

    with pytest.raises(Refused) as refused:
        await receive(f"multipart/form-data; boundary={BOUNDARY}", 10**9, never(), LIMITS, nobody)
    assert refused.value.status == 413
    with pytest.raises(Refused) as wrong:
        await receive("application/json", 10, pieces(b"{}", 2), LIMITS, nobody)
    assert wrong.value.status == 415


async def test_admission_happens_before_the_file_bytes() -> None:
    seen: list[dict[str, str]] = []

    async def admit(fields: Mapping[str, str]) -> None:
        seen.append(dict(fields))
        raise Refused(403, "body.school_id", "no")

    body = multipart({"school_id": "s-1", "sha256": "0" * 64}, PNG)
    with pytest.raises(Refused):
        await receive(
            f"multipart/form-data; boundary={BOUNDARY}", None, pieces(body, 50), LIMITS, admit
        )
    assert seen == [{"school_id": "s-1", "sha256": "0" * 64}]
