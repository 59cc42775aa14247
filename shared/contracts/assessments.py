"""Assessment formulas (结果运用: 学校考核、责任区目标考核、督学考核) as data.

An office keeps one versioned formula per target (``school``, ``zone``, ``inspector``):
the province office on the stream ``assessment-formula-<province>-<target>``, a city or
county office for its own jurisdiction on ``…-<target>-city-<city>`` /
``…-<target>-county-<county>`` (its events name the ``city`` / ``county``; without them
an event is the province office's, as every event before offices had formulas of their
own). Rankings within a unit use the nearest office's formula: county, city, province.
Each change is
one :class:`AssessmentFormulaChanged` with the next version (a new *generation* of
scores); :class:`AssessmentFormulaActivated` says which version the rankings use. The
first version is activated with its change; later ones are read beside the active one
until activated. Published on the reporting topic, keyed by the stream.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.events import EventPayload, registry

TARGET = r"^(school|zone|inspector)$"
PROVINCE = r"^[0-9A-Za-z_-]{1,40}$"
"""A province code, as :class:`shared.jurisdiction.Jurisdiction` takes it."""


class IndicatorWeight(BaseModel):
    """One indicator of a formula and its weight (the weights of a formula sum to 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str = Field(min_length=1, max_length=60, description="指标名，如 coverage")
    weight: float = Field(gt=0, le=1, description="权重 (0, 1]，各指标权重之和为 1")


@registry.register
class AssessmentFormulaChanged(EventPayload):
    """An office set a new version of its assessment formula (考核方案修订).

    The office: the province's when ``city`` and ``county`` are absent, the city's when
    only ``city`` is given, the county's when ``county`` is (with its ``city``).
    ``version`` counts from 1 per office and target; ``indicators`` name figures of the
    roll-ups (``school``, ``zone``) or of the inspector figures (``inspector``), each
    with its weight; ``note`` says why. The envelope's actor is the office.
    """

    event_type: ClassVar[str] = "cn.duxue.reporting.assessment_formula_changed"
    topic: ClassVar[str] = topics.REPORTING

    province: str = Field(pattern=PROVINCE)
    target: str = Field(pattern=TARGET)
    version: int = Field(ge=1)
    indicators: tuple[IndicatorWeight, ...] = Field(min_length=1, max_length=20)
    note: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, pattern=PROVINCE, description="市级督导室的方案")
    county: str | None = Field(default=None, pattern=PROVINCE, description="县级督导室的方案")


@registry.register
class AssessmentFormulaActivated(EventPayload):
    """The rankings of a target now use ``version`` of the office's formula (考核方案启用);
    the office as in :class:`AssessmentFormulaChanged`."""

    event_type: ClassVar[str] = "cn.duxue.reporting.assessment_formula_activated"
    topic: ClassVar[str] = topics.REPORTING

    province: str = Field(pattern=PROVINCE)
    target: str = Field(pattern=TARGET)
    version: int = Field(ge=1)
    city: str | None = Field(default=None, pattern=PROVINCE, description="市级督导室的方案")
    county: str | None = Field(default=None, pattern=PROVINCE, description="县级督导室的方案")
