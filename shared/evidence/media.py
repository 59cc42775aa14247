"""What evidence may be: the allowed media types, their size class and their magic bytes.

Pure functions only. A client declares a content type for the uploaded part; the
declared type must be one we accept (else 415), and the first bytes must be what that
type starts with (else 422): a renamed ``.exe`` is not a photo. Office files (docx,
xlsx) are zip archives; once the whole file is in, :func:`office_kind_matches` checks
that the archive holds a Word document or an Excel workbook.
"""

from __future__ import annotations

import zipfile
from enum import StrEnum
from typing import IO

HEAD_BYTES = 16
"""How many leading bytes :func:`magic_matches` needs to decide."""


class SizeClass(StrEnum):
    image = "image"
    audio = "audio"
    document = "document"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SIZE_CLASS: dict[str, SizeClass] = {
    "image/jpeg": SizeClass.image,
    "image/png": SizeClass.image,
    "image/webp": SizeClass.image,
    "image/heic": SizeClass.image,
    "audio/mpeg": SizeClass.audio,
    "audio/mp4": SizeClass.audio,
    "audio/amr": SizeClass.audio,
    "audio/wav": SizeClass.audio,
    "application/pdf": SizeClass.document,
    DOCX: SizeClass.document,
    XLSX: SizeClass.document,
}
"""Every accepted media type (canonical form) and the limit that applies to it."""

ALIASES: dict[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/heif": "image/heic",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/amr-wb": "audio/amr",
}

EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "audio/wav": "wav",
    "application/pdf": "pdf",
    DOCX: "docx",
    XLSX: "xlsx",
}

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"dash"}


def canonical(declared: str) -> str | None:
    """The canonical accepted media type for a declared ``Content-Type``, or None."""
    base = declared.split(";", 1)[0].strip().lower()
    base = ALIASES.get(base, base)
    return base if base in SIZE_CLASS else None


def _ftyp_brand(head: bytes) -> bytes | None:
    return head[8:12] if len(head) >= 12 and head[4:8] == b"ftyp" else None


def magic_matches(media_type: str, head: bytes) -> bool:
    """Whether the file's first bytes (up to :data:`HEAD_BYTES`) fit ``media_type``."""
    if media_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if media_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == "image/webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if media_type == "image/heic":
        return _ftyp_brand(head) in _HEIC_BRANDS
    if media_type == "audio/mpeg":
        frame_sync = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        return head.startswith(b"ID3") or frame_sync
    if media_type == "audio/mp4":
        return _ftyp_brand(head) in _M4A_BRANDS
    if media_type == "audio/amr":
        return head.startswith(b"#!AMR\n") or head.startswith(b"#!AMR-WB\n")
    if media_type == "audio/wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if media_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if media_type in (DOCX, XLSX):
        return head.startswith(b"PK\x03\x04")
    return False


def office_kind_matches(media_type: str, file: IO[bytes]) -> bool:
    """For docx/xlsx: the zip holds ``word/document.xml`` / ``xl/workbook.xml``."""
    if media_type not in (DOCX, XLSX):
        return True
    wanted = "word/document.xml" if media_type == DOCX else "xl/workbook.xml"
    try:
        with zipfile.ZipFile(file) as archive:
            return wanted in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        file.seek(0)


def safe_file_name(raw: str, evidence_id: str, media_type: str) -> str:
    """The client's file name without any path, control characters or excess length."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if not name:
        return f"evidence-{evidence_id}.{EXTENSIONS[media_type]}"
    return name[:200]
