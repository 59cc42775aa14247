"""The number book (编号簿) of one office, year and kind: gap-free, one number per subject.

Pure: :func:`assign` decides, :func:`evolve` folds. A book's stream holds only
:class:`~shared.contracts.registers.NumberAssigned` events, each taking the next
sequence number; appending them with optimistic concurrency (the event store's
``stream@version`` commit id) is what makes numbers unique and gap-free across
processes. A subject (an issue) that asks again gets its first number back and no new
event, so a caller that crashed after reserving a number and retries never burns one.

Numbers as printed::

    notice  <abbr>教督整〔<year>〕<seq>号      游教督整〔2026〕3号
    hazard  <abbr>隐〔<year>〕<seq:03>号        游隐〔2026〕007号
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shared.commands import IllegalStep
from shared.contracts.registers import NumberAssigned, NumberKind
from shared.events import EventPayload

_SUFFIX = {NumberKind.notice: "教督整", NumberKind.hazard: "隐"}


@dataclass(frozen=True)
class NumberBook:
    """What assigning needs: the last sequence number and who holds which number."""

    last_seq: int = 0
    numbers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """subject id → the number it was given."""

    def number_of(self, subject_id: str) -> str | None:
        return self.numbers.get(subject_id)


@dataclass(frozen=True)
class AssignNumber:
    kind: NumberKind
    office: str
    year: int
    subject_id: str
    abbreviation: str
    """The office's short name (简称), e.g. 游 for 游仙区."""


def stream_id(kind: NumberKind, office: str, year: int) -> str:
    return f"number-book-{kind.value}-{office}-{year}"


def format_number(kind: NumberKind, abbreviation: str, year: int, seq: int) -> str:
    prefix = f"{abbreviation}{_SUFFIX[kind]}"
    if kind == NumberKind.hazard:
        return f"{prefix}〔{year}〕{seq:03d}号"
    return f"{prefix}〔{year}〕{seq}号"


def assign(book: NumberBook, cmd: AssignNumber) -> list[EventPayload]:
    """The next number for ``cmd.subject_id``, or nothing when it holds one already."""
    if not cmd.subject_id.strip():
        raise IllegalStep("编号对象不能为空 (subject_id is required)")
    if not cmd.abbreviation.strip():
        raise IllegalStep("须有发文机关简称 (the office abbreviation is required)")
    if book.number_of(cmd.subject_id) is not None:
        return []
    seq = book.last_seq + 1
    return [
        NumberAssigned(
            kind=cmd.kind,
            office=cmd.office,
            year=cmd.year,
            seq=seq,
            number=format_number(cmd.kind, cmd.abbreviation.strip(), cmd.year, seq),
            subject_id=cmd.subject_id,
        )
    ]


def evolve(book: NumberBook, event: EventPayload) -> NumberBook:
    if not isinstance(event, NumberAssigned):
        raise ValueError(f"a number book cannot hold {event.event_type}")
    if event.seq != book.last_seq + 1:
        raise ValueError(f"number book out of order: {event.seq} after {book.last_seq}")
    numbers = {**book.numbers, event.subject_id: event.number}
    return NumberBook(last_seq=event.seq, numbers=MappingProxyType(numbers))


def replay(events: Iterable[EventPayload]) -> NumberBook:
    """Fold a whole book in one pass (evolve copies the map; this does not)."""
    last_seq = 0
    numbers: dict[str, str] = {}
    for event in events:
        if not isinstance(event, NumberAssigned):
            raise ValueError(f"a number book cannot hold {event.event_type}")
        if event.seq != last_seq + 1:
            raise ValueError(f"number book out of order: {event.seq} after {last_seq}")
        last_seq = event.seq
        numbers[event.subject_id] = event.number
    return NumberBook(last_seq=last_seq, numbers=MappingProxyType(numbers))
