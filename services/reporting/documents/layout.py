"""The blocks a document is made of, shared by the PDF and the DOCX builders.

:mod:`.content` says *what* a document holds as a list of blocks; :mod:`.pdf` and
:mod:`.word` say *how* each block prints, so both formats carry the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str
    note: bool = False
    """Printed smaller and grey (definitions, sources)."""


@dataclass(frozen=True)
class Grid:
    rows: Sequence[Sequence[str]]
    """The header row first."""
    widths: Sequence[float]
    """Fractions of the text width."""


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str
    width: float = 0.9
    """Fraction of the text width."""


Block = Heading | Text | Grid | Picture


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    header: str
    """The running header of the PDF's pages."""
    blocks: Sequence[Block]


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels (from its IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
