"""Publishing a monthly report: only once the month has ended (China time), versions
counting from 1, and a re-issue's changes figure by figure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.reporting.reports.domain import report as r
from shared.commands import IllegalStep
from shared.contracts.reporting import Figures

ZERO: dict[str, object] = dict.fromkeys(Figures.model_fields, 0) | {
    "visits_by_kind": {},
    "problems": {},
    "campaigns": {},
    "rectification_by_item": {},
    "coverage": None,
}


def figures(**changed: object) -> Figures:
    return Figures.model_validate(ZERO | changed)


def publish(month: str, now: datetime, figs: Figures | None = None) -> r.PublishMonthlyReport:
    return r.PublishMonthlyReport("county", "510704", month, figs or figures(), now)


def test_a_month_can_be_published_from_its_last_midnight_in_china() -> None:
    # 2026-09-30T16:00Z is 2026-10-01 00:00 in China
    assert not r.month_ended("2026-09", datetime(2026, 9, 30, 15, 59, tzinfo=UTC))
    assert r.month_ended("2026-09", datetime(2026, 9, 30, 16, 0, tzinfo=UTC))
    assert r.month_ended("2026-12", datetime(2026, 12, 31, 16, 0, tzinfo=UTC))
    assert not r.month_ended("2026-12", datetime(2026, 12, 31, 15, 0, tzinfo=UTC))


def test_publishing_a_month_that_has_not_ended_is_an_illegal_step() -> None:
    with pytest.raises(IllegalStep):
        r.decide(r.Report(), publish("2026-10", datetime(2026, 10, 20, tzinfo=UTC)))


def test_versions_count_from_one_and_replay_gives_the_count() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    state = r.Report()
    for expected in (1, 2, 3):
        [event] = r.decide(state, publish("2026-10", now))
        assert event.version == expected
        state = r.evolve(state, event)
    assert state.versions == 3


def test_a_reissue_shows_each_changed_figure_nested_counts_by_dotted_name() -> None:
    before = figures(visits=3, coverage=0.6667, visits_by_kind={"routine": 3})
    after = figures(visits=4, coverage=1.0, visits_by_kind={"routine": 3, "special": 1})
    assert r.changes(before, after) == [
        {"figure": "coverage", "before": 0.6667, "after": 1.0},
        {"figure": "visits", "before": 3, "after": 4},
        {"figure": "visits_by_kind.special", "before": 0, "after": 1},
    ]
    assert r.changes(None, after) == []
    assert r.changes(after, after) == []
