"""The number book (编号簿): gap-free, unique, one number per subject, under any interleaving.

Hypothesis plays several writers against one book kept the way the event store keeps a
stream: a writer reads the book at some version, decides, and appends only if the
stream is still at that version (else it reads again), exactly like
:meth:`services.issues.numbering.service.NumberBooks.assign`. Whatever the interleaving —
including one subject asked for by several writers, or asked for again later — the
book ends with numbers 1..n, each subject exactly once, and every writer got the
number its subject holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.issues.numbering import domain as nb
from services.issues.numbering.service import abbreviation, office_code, office_of
from shared.commands import IllegalStep
from shared.contracts.registers import NumberAssigned, NumberKind
from shared.events import EventPayload
from shared.jurisdiction import Jurisdiction

YEAR = 2026
WHERE = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")


def cmd(subject: str, kind: NumberKind = NumberKind.notice) -> nb.AssignNumber:
    return nb.AssignNumber(kind, "510704", YEAR, subject, "游")


@dataclass
class Writer:
    subject: str
    snapshot: tuple[nb.NumberBook, int] | None = None
    result: str | None = None
    conflicts: int = 0


@dataclass
class Stream:
    events: list[EventPayload] = field(default_factory=list)

    def read(self) -> tuple[nb.NumberBook, int]:
        return nb.replay(self.events), len(self.events)

    def append(self, expected: int, new: list[EventPayload]) -> bool:
        if expected != len(self.events):
            return False
        self.events.extend(new)
        return True


def step(writer: Writer, stream: Stream) -> None:
    """One move of a writer: read the book, or try to append what it decided."""
    if writer.snapshot is None:
        writer.snapshot = stream.read()
        return
    book, version = writer.snapshot
    writer.snapshot = None
    held = book.number_of(writer.subject)
    if held is not None:
        writer.result = held
        return
    events = nb.assign(book, cmd(writer.subject))
    if stream.append(version, events):
        [event] = events
        assert isinstance(event, NumberAssigned)
        writer.result = event.number
    else:
        writer.conflicts += 1


@settings(max_examples=300, deadline=None)
@given(
    subjects=st.lists(st.sampled_from([f"issue-{n}" for n in range(8)]), min_size=1, max_size=12),
    schedule=st.lists(st.integers(min_value=0, max_value=11), max_size=200),
)
def test_any_interleaving_gives_consecutive_numbers_each_subject_once(
    subjects: list[str], schedule: list[int]
) -> None:
    stream = Stream()
    writers = [Writer(s) for s in subjects]
    for pick in schedule:  # the interleaving hypothesis chose
        waiting = [w for w in writers if w.result is None]
        if not waiting:
            break
        step(waiting[pick % len(waiting)], stream)
    for w in writers:  # then everyone finishes (retrying after conflicts)
        while w.result is None:
            step(w, stream)

    assigned = [e for e in stream.events if isinstance(e, NumberAssigned)]
    assert [e.seq for e in assigned] == list(range(1, len(assigned) + 1))
    assert sorted(e.subject_id for e in assigned) == sorted(set(subjects))
    holders = {e.subject_id: e.number for e in assigned}
    assert len(set(holders.values())) == len(holders)
    for w in writers:
        assert w.result == holders[w.subject]
    book = nb.replay(stream.events)
    assert book.last_seq == len(set(subjects))
    # asking again later changes nothing
    assert nb.assign(book, cmd(subjects[0])) == []


def test_numbers_as_printed() -> None:
    assert nb.format_number(NumberKind.notice, "游", 2026, 3) == "游教督整〔2026〕3号"
    assert nb.format_number(NumberKind.hazard, "游", 2026, 7) == "游隐〔2026〕007号"
    [event] = nb.assign(nb.NumberBook(), cmd("a"))
    assert isinstance(event, NumberAssigned)
    assert (event.seq, event.number, event.office, event.year) == (
        1,
        "游教督整〔2026〕1号",
        "510704",
        2026,
    )
    assert nb.stream_id(NumberKind.hazard, "510704", 2026) == "number-book-hazard-510704-2026"


def test_evolve_and_replay_agree_and_refuse_gaps() -> None:
    events = [nb.assign(nb.NumberBook(), cmd("a"))[0]]
    book = nb.evolve(nb.NumberBook(), events[0])
    events += nb.assign(book, cmd("b"))
    book = nb.evolve(book, events[1])
    assert book == nb.replay(events)
    assert book.number_of("b") == "游教督整〔2026〕2号"
    with pytest.raises(ValueError, match="out of order"):
        nb.evolve(book, events[0])
    with pytest.raises(ValueError, match="out of order"):
        nb.replay([events[1]])


def test_blank_subject_or_abbreviation_is_refused() -> None:
    with pytest.raises(IllegalStep):
        nb.assign(nb.NumberBook(), cmd(" "))
    with pytest.raises(IllegalStep):
        nb.assign(nb.NumberBook(), nb.AssignNumber(NumberKind.notice, "1", YEAR, "a", " "))


def test_the_numbering_office_and_its_short_name() -> None:
    assert office_code(office_of("county_office", WHERE)) == "510704"
    assert office_of("city_office", WHERE) == Jurisdiction(province="510000", city="510700")
    assert office_of("province_office", WHERE) == Jurisdiction(province="510000")
    assert office_code(office_of("system", WHERE)) == "510704"
    city_direct = Jurisdiction(province="510000", city="510700", school="s9")
    assert office_code(office_of("county_office", city_direct)) == "510700"
    assert abbreviation("510704", {"510704": "游仙"}, "游仙区") == "游仙"
    assert abbreviation("510704", {}, "游仙区") == "游"
    assert abbreviation("510704", {"510704": " "}, None) == "510704"
