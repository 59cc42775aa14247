"""The rebuild's state machine and progress figures (shared/rebuild.py), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.commands import IllegalStep
from shared.rebuild import (
    NEXT,
    PartitionProgress,
    RebuildRecord,
    RebuildState,
    moved,
    targets,
    with_positions,
)

T0 = datetime(2026, 11, 1, 8, tzinfo=UTC)
S = RebuildState


def record(*rows: PartitionProgress) -> RebuildRecord:
    return RebuildRecord(id=uuid4(), projections=["p", "q"], started_at=T0, partitions=list(rows))


def row(
    projection: str, partition: int, first: int, target: int, position: int = -1
) -> PartitionProgress:
    return PartitionProgress(
        projection=projection,
        topic="duxue.visits.events",
        partition=partition,
        first=first,
        target=target,
        position=first if position < 0 else position,
    )


def test_a_rebuild_goes_forward_and_stamps_its_times() -> None:
    r = record()
    r = moved(r, S.replaying, T0 + timedelta(seconds=1))
    assert (r.state, r.replay_started_at, r.finished_at) == (
        S.replaying,
        T0 + timedelta(seconds=1),
        None,
    )
    r = moved(r, S.switching, T0 + timedelta(seconds=5))
    r = moved(r, S.switched, T0 + timedelta(seconds=6))
    assert (r.state, r.finished_at, r.finished) == (S.switched, T0 + timedelta(seconds=6), True)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.preparing, S.switching),
        (S.preparing, S.switched),
        (S.replaying, S.switched),
        (S.replaying, S.preparing),
        (S.switching, S.replaying),
        (S.switched, S.failed),
        (S.failed, S.replaying),
    ],
)
def test_no_step_skips_a_state_or_goes_back(start: RebuildState, to: RebuildState) -> None:
    with pytest.raises(IllegalStep):
        moved(record().model_copy(update={"state": start}), to, T0)


@pytest.mark.parametrize("start", [S.preparing, S.replaying, S.switching])
def test_an_unfinished_rebuild_may_fail_with_its_reason(start: RebuildState) -> None:
    failed = moved(record().model_copy(update={"state": start}), S.failed, T0, error="boom")
    assert (failed.state, failed.error, failed.finished_at, failed.finished) == (
        S.failed,
        "boom",
        T0,
        True,
    )


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_any_requests_only_move_along_the_machine(requests: list[RebuildState]) -> None:
    r = record()
    for to in requests:
        before = r.state
        try:
            r = moved(r, to, T0)
        except IllegalStep:
            assert to not in NEXT.get(before, frozenset())
            assert r.state == before
        else:
            assert to in NEXT[before]
    if r.state in (S.switched, S.failed):
        assert r.finished and r.finished_at == T0


def test_progress_counts_records_from_the_first_offset_to_the_captured_end() -> None:
    r = record(row("p", 0, 10, 110, 60), row("p", 1, 0, 100, 100), row("q", 0, 0, 0))
    assert (r.replayed(), r.targeted()) == (150, 200)
    assert r.progress() == 0.75 and r.progress("p") == 0.75
    assert r.progress("q") == 1.0  # an empty log is replayed at once


def test_catching_up_beyond_the_target_counts_as_replayed_but_not_past_done() -> None:
    r = record(row("p", 0, 0, 100, 130), row("p", 1, 0, 100, 50))
    assert r.replayed() == 180 and r.progress() == 0.75


def test_nothing_captured_yet_is_no_progress() -> None:
    assert record().progress() == 0.0


def test_positions_come_from_the_runner_by_prefixed_name_and_never_move_back() -> None:
    r = record(row("p", 0, 0, 100, 40), row("p", 1, 0, 100, 70), row("q", 0, 0, 100, 5))
    runner = {"x.duxue.visits.events:0": 90, "x.duxue.visits.events:1": 60}
    moved_on = with_positions(r, "p", runner, "x.")
    assert [p.position for p in moved_on.partitions] == [90, 70, 5]
    assert targets(moved_on, "p", "x.") == {
        "x.duxue.visits.events:0": 100,
        "x.duxue.visits.events:1": 100,
    }


def test_the_rate_is_records_per_second_of_the_replay_until_the_switch() -> None:
    r = moved(record(row("p", 0, 0, 1000, 1000)), S.replaying, T0)
    assert r.events_per_second(T0 + timedelta(seconds=4)) == 250.0
    r = r.model_copy(update={"switched_at": T0 + timedelta(seconds=2)})
    assert r.events_per_second(T0 + timedelta(hours=1)) == 500.0
    assert record().events_per_second(T0) == 0.0
