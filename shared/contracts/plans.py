"""Monthly visit plans (月计划) filed with the office (备案), and visit-frequency rules.

A plan's stream is ``plan-<plan_id>`` with ``plan_id = "<inspector_id>-<YYYY-MM>"``:
filed once, revised by new events (never edited), acknowledged by the office. An
office's frequency rules live on ``frequency-rules-<office path>``; every change is a
new ``FrequencyRulesSet`` that replaces the office's previous rules whole.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.contracts.visits import VisitKind
from shared.events import EventPayload, registry

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class PlanEntry(EventPayload):
    """One planned visit day in a monthly plan."""

    school_id: str
    planned_on: date
    kind: VisitKind
    campaign_id: str | None = None
    purpose: str = ""


@registry.register
class MonthlyPlanFiled(EventPayload):
    """An inspector filed their monthly visit plan with the office (月计划备案)."""

    event_type: ClassVar[str] = "cn.duxue.visits.monthly_plan_filed"
    topic: ClassVar[str] = topics.VISITS

    plan_id: str
    inspector_id: str
    month: str = Field(pattern=MONTH)
    office: str
    """Jurisdiction path of the office the plan is filed with (the inspector's county or city)."""
    entries: list[PlanEntry]
    note: str = ""


@registry.register
class MonthlyPlanRevised(EventPayload):
    """An inspector revised a filed monthly plan (计划调整); ``entries`` replace the old ones."""

    event_type: ClassVar[str] = "cn.duxue.visits.monthly_plan_revised"
    topic: ClassVar[str] = topics.VISITS

    plan_id: str
    revision: int = Field(ge=2)
    """1 is the filed plan; each revision counts on."""
    entries: list[PlanEntry]
    reason: str


@registry.register
class MonthlyPlanAcknowledged(EventPayload):
    """The office confirmed a filed (or revised) monthly plan (备案确认), maybe with a comment."""

    event_type: ClassVar[str] = "cn.duxue.visits.monthly_plan_acknowledged"
    topic: ClassVar[str] = topics.VISITS

    plan_id: str
    revision: int = Field(ge=1)
    acknowledged_by: str
    comment: str = ""


@registry.register
class FrequencyRulesSet(EventPayload):
    """An office set the visit-frequency rules for its jurisdiction (督导频次要求)."""

    event_type: ClassVar[str] = "cn.duxue.visits.frequency_rules_set"
    topic: ClassVar[str] = topics.VISITS

    office: str
    listed_school_days_per_month: int = Field(ge=0, le=31)
    """每所挂牌学校每月至少督导天数."""
    county_inspector_visits_per_month: int = Field(ge=0, le=100)
    """县级责任督学每月至少督导次数."""
    school_visits_per_year: int = Field(ge=0, le=100)
    """责任区内每所学校每年至少督导次数."""
    city_inspector_visits_per_county_per_month: int = Field(ge=0, le=100)
    """市级责任督学每月到所负责的每个县(区)至少督导次数."""
    city_inspector_city_direct_visits_per_month: int = Field(ge=0, le=100)
    """市级责任督学每月到市直学校至少督导次数."""
    reason: str
