"""Scores and rankings under a formula (pure; docs/reporting.md, "Assessments").

* **Score** = Σ weight × value over the formula's indicators, the value of a
  ``lower_is_better`` indicator taken as ``1 - value``. An **undefined** indicator (no
  denominator: a school without complaints has no on-time answer rate) is left out and
  the other weights are scaled up to sum to 1 — the score is the weighted mean of the
  defined indicators, so nothing counts for or against a unit that had nothing to be
  measured on. With no indicator defined there is no score. Rounded to four places.
* **Rank**: by score, highest first; equal scores share a rank and the next rank skips
  (1, 1, 3: competition ranking); ties are listed by code. Units without a score come
  last, without a rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.reporting.assessments.domain.indicators import CATALOGUE, Value
from shared.contracts.assessments import IndicatorWeight


@dataclass(frozen=True)
class Candidate:
    """One school, zone or inspector to be ranked: who it is and its indicator values."""

    code: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Value] = field(default_factory=dict)


def score(
    target: str, formula: Sequence[IndicatorWeight], values: Mapping[str, Value]
) -> tuple[float | None, list[str]]:
    """The score of one candidate, and the formula's indicators it has no value for."""
    catalogue = CATALOGUE[target]
    weighted = weights = 0.0
    missing = []
    for item in formula:
        value = values.get(item.indicator)
        if value is None:
            missing.append(item.indicator)
            continue
        counted = 1 - value if catalogue[item.indicator].lower_is_better else value
        weighted += item.weight * counted
        weights += item.weight
    if weights == 0:
        return None, missing
    return round(weighted / weights, 4), missing


def ranks(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Each code's competition rank (equal scores share one; no score: ``None``)."""
    ranked = sorted((s, code) for code, s in scores.items() if s is not None)
    ranked.sort(key=lambda pair: -pair[0])  # stable: ties keep code order
    out: dict[str, int | None] = dict.fromkeys(scores)
    previous: float | None = None
    rank = 0
    for position, (s, code) in enumerate(ranked, start=1):
        if s != previous:
            rank, previous = position, s
        out[code] = rank
    return out


def ranking(
    target: str,
    formula: Sequence[IndicatorWeight],
    candidates: Iterable[Candidate],
    active: Sequence[IndicatorWeight] | None = None,
) -> list[dict[str, Any]]:
    """The candidates ranked under ``formula``; with ``active`` (another version's
    formula), each row also holds its score and rank under that one, side by side."""
    listed = list(candidates)
    scored = {c.code: score(target, formula, c.values) for c in listed}
    rank = ranks({code: s for code, (s, _) in scored.items()})
    beside: dict[str, float | None] = {}
    beside_rank: dict[str, int | None] = {}
    if active is not None:
        beside = {c.code: score(target, active, c.values)[0] for c in listed}
        beside_rank = ranks(beside)
    rows = [
        {
            "code": c.code,
            **c.meta,
            "score": scored[c.code][0],
            "rank": rank[c.code],
            "indicators": dict(c.values),
            "missing": scored[c.code][1],
            "active_score": beside.get(c.code),
            "active_rank": beside_rank.get(c.code),
        }
        for c in listed
    ]
    last = len(rows) + 1
    rows.sort(key=lambda r: (r["rank"] or last, r["code"]))
    return rows
