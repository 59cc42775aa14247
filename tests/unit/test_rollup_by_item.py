"""Rectification by problem item against the county autumn worked out by hand
(tests/reporting_scenario.py, docs/reporting.md "Rectification by item")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_rollup_figures import AUTUMN, OCT, SEPT, rollup


def row(
    open_at_start: int, opened: int, reopened: int, closed: int, on_time: int
) -> dict[str, Any]:
    work = open_at_start + opened + reopened
    return {
        "open_at_start": open_at_start,
        "opened": opened,
        "reopened": reopened,
        "closed": closed,
        "closed_on_time": on_time,
        "rate": round(closed / work, 4),
    }


@pytest.mark.parametrize("unit", ["zone:K1-Z1", "county:K1", "city:C1", "province:P1"])
def test_closures_are_counted_by_the_item_of_their_issue(unit: str) -> None:
    # September: I1 (safety) opened and closed on time; I2 (canteen) opened
    assert rollup(unit, SEPT)["rectification_by_item"] == {
        "safety": row(0, 1, 0, 1, 1),
        "canteen": row(0, 1, 0, 0, 0),
    }
    # October: I1 reopened and closed on time; I2 open at the start, closed late; I3 opened
    assert rollup(unit, OCT)["rectification_by_item"] == {
        "safety": row(0, 0, 1, 1, 1),
        "canteen": row(1, 0, 0, 1, 0),
        "teaching": row(0, 1, 0, 0, 0),
    }
    assert rollup(unit, AUTUMN)["rectification_by_item"] == {
        "safety": row(0, 1, 1, 2, 2),
        "canteen": row(0, 1, 0, 1, 0),
        "teaching": row(0, 1, 0, 0, 0),
    }


def test_a_school_holds_its_own_items_only() -> None:
    assert rollup("school:K1-B", AUTUMN)["rectification_by_item"] == {"canteen": row(0, 1, 0, 1, 0)}
    assert rollup("school:K1-D", AUTUMN)["rectification_by_item"] == {}
    assert rollup("zone:K1-Z2", OCT)["rectification_by_item"] == {}
