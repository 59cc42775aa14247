"""Number books (编号簿): gap-free numbers per office, year and kind.

An office numbers its documents and registers itself: 《督导整改通知书》 as
游教督整〔2026〕3号, entries of the hazard register (隐患台账) as 游隐〔2026〕001号. Each
(kind, office, year) is one stream ``number-book-<kind>-<office>-<year>`` whose only event
is :class:`NumberAssigned`; a number is assigned once per subject (the issue), so asking
again returns the first number, and consecutive appends make the numbers gap-free.
Published on the issues topic, keyed by the book's stream id.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.events import EventPayload, registry


class NumberKind(StrEnum):
    notice = "notice"  # 督导整改通知书
    hazard = "hazard"  # 隐患台账编号


@registry.register
class NumberAssigned(EventPayload):
    """An office's number book gave its next number to a subject (编号登记), e.g. 游隐〔2026〕007号.

    ``seq`` counts from 1 per (kind, office, year) without gaps; ``number`` is the
    number as printed; ``subject_id`` is what it numbers (the issue's id), once per book.
    """

    event_type: ClassVar[str] = "cn.duxue.registers.number_assigned"
    topic: ClassVar[str] = topics.ISSUES

    kind: NumberKind
    office: str
    """The division code of the numbering office (a county, city or province)."""
    year: int = Field(ge=2000, le=2999)
    seq: int = Field(ge=1)
    number: str = Field(min_length=1)
    subject_id: str = Field(min_length=1)
