"""Reading an evidence upload as it streams in, refusing it as early as possible.

The multipart body is parsed chunk by chunk (never loaded whole): form fields are
collected; the one file part is hashed (sha256) and counted as it arrives and spooled
to a temporary file (memory up to 1 MiB, then disk). The declared content type is
checked when the part's headers arrive (415), its magic bytes after the first 16 bytes
(422), and its size on every chunk (413 the moment the limit is passed). Nothing reaches
the database here: the caller stores the spooled bytes only once every check passed, so
a refused upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.evidence.media import (
    HEAD_BYTES,
    SIZE_CLASS,
    SizeClass,
    canonical,
    magic_matches,
    office_kind_matches,
)

FIELDS = ("school_id", "visit_id", "issue_id", "sha256")
MAX_FIELD_BYTES = 256
MAX_PARTS = 8
SPOOL_MEMORY_BYTES = 1024 * 1024
ENVELOPE_ALLOWANCE = 64 * 1024
"""Bytes a request may carry beyond the file itself (boundaries, headers, fields)."""


class Refused(Exception):
    """The upload is refused: an HTTP status, the field at fault, a zh-CN message."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


@dataclass
class Received:
    """A fully read, size- and type-checked upload (the hash is not compared yet)."""

    fields: dict[str, str]
    file_name: str
    media_type: str
    size: int
    sha256: str
    spool: SpooledTemporaryFile[bytes]


Admit = Callable[[Mapping[str, str]], Awaitable[None]]


@dataclass
class _Events:
    """Parser callbacks only record what happened; the async side acts on it."""

    items: list[tuple[str, Any]] = field(default_factory=list)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _name: bytes = b""
    _value: bytes = b""

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def _headers_finished(self) -> None:
        self.items.append(("headers", dict(self._headers)))

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.items.append(("data", bytes(data[start:end])))

    def _end(self) -> None:
        self.items.append(("end", None))


class _Reader:
    def __init__(self, limits: Mapping[SizeClass, int], admit: Admit) -> None:
        self.limits = limits
        self.admit = admit
        self.fields: dict[str, str] = {}
        self.parts = 0
        self.in_file = False
        self.field_name: str | None = None
        self.field_value = bytearray()
        self.file_done = False
        self.file_name = ""
        self.media_type = ""
        self.limit = 0
        self.size = 0
        self.head = b""
        self.head_checked = False
        self.hasher = hashlib.sha256()
        self.spool: SpooledTemporaryFile[bytes] | None = None

    async def on(self, kind: str, value: Any) -> None:
        if kind == "headers":
            await self._part(value)
        elif kind == "data":
            self._data(value)
        elif self.in_file:
            self._check_head()
            self.in_file, self.file_done = False, True
        elif self.field_name is not None:
            self.fields[self.field_name] = self.field_value.decode("utf-8", "replace").strip()
            self.field_name = None

    async def _part(self, headers: dict[bytes, bytes]) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise Refused(422, "body", f"表单字段过多 (at most {MAX_PARTS} parts)")
        _, options = parse_options_header(headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            await self._file(headers, options)
            return
        if name not in FIELDS:
            raise Refused(422, f"body.{name}", f"未知字段 {name} (unknown field)")
        if name in self.fields:
            raise Refused(422, f"body.{name}", f"字段 {name} 重复 (field given twice)")
        self.field_name, self.field_value = name, bytearray()

    async def _file(self, headers: dict[bytes, bytes], options: dict[bytes, bytes]) -> None:
        if self.file_done or self.spool is not None:
            raise Refused(422, "body.file", "每次只能上传一个文件 (one file per upload)")
        declared = headers.get(b"content-type", b"").decode("latin-1").strip()
        media_type = canonical(declared)
        if media_type is None:
            allowed = ", ".join(SIZE_CLASS)
            raise Refused(
                415,
                "body.file",
                f"不支持的文件类型 {declared or '(未声明)'}"
                f" (unsupported media type; allowed: {allowed})",
            )
        await self.admit(self.fields)
        self.media_type = media_type
        self.limit = self.limits[SIZE_CLASS[media_type]]
        self.file_name = options.get(b"filename", b"").decode("utf-8", "replace")
        self.spool = SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self.in_file = True

    def _data(self, data: bytes) -> None:
        if self.field_name is not None:
            self.field_value += data
            if len(self.field_value) > MAX_FIELD_BYTES:
                raise Refused(
                    422, f"body.{self.field_name}", f"字段过长 (at most {MAX_FIELD_BYTES} bytes)"
                )
            return
        if not self.in_file or self.spool is None:
            return
        self.size += len(data)
        if self.size > self.limit:
            raise Refused(
                413,
                "body.file",
                f"文件超过大小上限 {self.limit / 1024 / 1024:g} MiB"
                f" (file too large: at most {self.limit} bytes"
                f" for {SIZE_CLASS[self.media_type].value} files)",
            )
        if not self.head_checked:
            self.head += data[: HEAD_BYTES - len(self.head)]
            if len(self.head) >= HEAD_BYTES:
                self._check_head()
        self.hasher.update(data)
        self.spool.write(data)

    def _check_head(self) -> None:
        if self.head_checked:
            return
        self.head_checked = True
        if not magic_matches(self.media_type, self.head):
            raise Refused(
                422,
                "body.file",
                f"文件内容与声明的类型 {self.media_type} 不符"
                " (the file's bytes do not match its declared content type)",
            )


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise Refused(415, "body", "请以 multipart/form-data 上传 (send multipart/form-data)")
    return options[b"boundary"]


def max_request_bytes(limits: Mapping[SizeClass, int]) -> int:
    return max(limits.values()) + ENVELOPE_ALLOWANCE


async def receive(
    content_type: str,
    content_length: int | None,
    body: AsyncIterator[bytes],
    limits: Mapping[SizeClass, int],
    admit: Admit,
) -> Received:
    """Read the upload; raise :class:`Refused` as soon as something is wrong."""
    ceiling = max_request_bytes(limits)
    if content_length is not None and content_length > ceiling:
        raise Refused(413, "body.file", f"请求过大 (request too large: at most {ceiling} bytes)")
    events = _Events()
    reader = _Reader(limits, admit)
    try:
        parser = MultipartParser(_boundary(content_type), events.callbacks())
        received = 0
        async for chunk in body:
            received += len(chunk)
            if received > ceiling:
                raise Refused(413, "body.file", f"请求过大 (at most {ceiling} bytes)")
            parser.write(chunk)
            for kind, value in events.items:
                await reader.on(kind, value)
            events.items.clear()
        parser.finalize()
        for kind, value in events.items:
            await reader.on(kind, value)
        if reader.spool is None:
            raise Refused(422, "body.file", "缺少文件 (the part `file` is required)")
        if not reader.file_done:
            raise Refused(422, "body.file", "上传不完整 (the upload was cut short)")
        reader.spool.seek(0)
        if not office_kind_matches(reader.media_type, reader.spool):
            raise Refused(
                422,
                "body.file",
                f"文件内容与声明的类型 {reader.media_type} 不符 (not a document of that type)",
            )
        return Received(
            fields=reader.fields,
            file_name=reader.file_name,
            media_type=reader.media_type,
            size=reader.size,
            sha256=reader.hasher.hexdigest(),
            spool=reader.spool,
        )
    except FormParserError:
        if reader.spool is not None:
            reader.spool.close()
        raise Refused(422, "body", "请求不是有效的 multipart/form-data (malformed body)") from None
    except BaseException:
        if reader.spool is not None:
            reader.spool.close()
        raise
