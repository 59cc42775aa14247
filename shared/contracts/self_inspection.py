"""Monthly self-inspection (月自查问题报告单) and its weekly consolidation per zone.

A school's report for a month lives on ``self-inspection-<school_id>-<YYYY-MM>``
(``report_id = "<school_id>-<YYYY-MM>"``)::

    SelfInspectionFiled → SelfInspectionRevised …

A zone's weekly consolidation (责任区每周汇总) lives on
``self-inspection-zone-<zone_id>-<YYYY-Www>`` (``consolidation_id = "<zone_id>-<week>"``)::

    SelfInspectionConsolidated → SelfInspectionConsolidationAmended …

Problems keep their number (``problem_no``) for the life of the report: a revision keeps
the numbers of the problems it keeps, gives new problems new numbers and never reuses
the number of a problem it drops. A tracked problem (列入跟踪整改) becomes a rectification
issue whose id is derived from ``(report_id, problem_no)``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from shared import topics
from shared.events import EventPayload, registry

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
WEEK = r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"


class SelfInspectionItem(StrEnum):
    """The routine items (八项经常性督导事项, plus the ninth) a problem is filed under, or other."""

    administration = "administration"
    enrolment = "enrolment"
    curriculum = "curriculum"
    learning_load = "learning_load"
    teacher_ethics = "teacher_ethics"
    safety = "safety"
    canteen_hygiene = "canteen_hygiene"
    ethos = "ethos"
    education_policy = "education_policy"
    other = "other"


ITEM_TITLES: dict[str, str] = {
    "administration": "校务管理和制度执行",
    "enrolment": "招生、收费、择校",
    "curriculum": "课程开设和课堂教学",
    "learning_load": "学生学习、体育锻炼和课业负担",
    "teacher_ethics": "教师师德和专业发展",
    "safety": "校园及周边安全、学生交通安全",
    "canteen_hygiene": "食堂、食品、饮水及宿舍卫生",
    "ethos": "校风、教风、学风建设",
    "education_policy": "全面贯彻党的教育方针、落实立德树人根本任务",
    "other": "其他",
}


class SelfInspectionProblem(EventPayload):
    """One problem the school found in its own monthly check (自查问题)."""

    problem_no: int = Field(ge=1)
    """Stable number within the report (序号); never reused after a problem is dropped."""
    item_code: SelfInspectionItem
    description: str
    measures: str
    """What the school did or will do about it (整改措施)."""
    planned_completion_on: date
    """When the school plans to have it fixed (完成时限)."""
    safety_hazard: bool
    """A hazard to the safety of teachers and students (是否安全隐患)."""


class CoveredReport(EventPayload):
    """A filed report that a weekly consolidation took into account, as it stood then."""

    report_id: str
    school_id: str
    month: str = Field(pattern=MONTH)
    revision: int = Field(ge=1)
    late: bool
    no_problems: bool
    problems: int = Field(ge=0)
    safety_hazards: int = Field(ge=0)


class UnfiledReport(EventPayload):
    """A school's month without a report when the zone consolidated."""

    school_id: str
    month: str = Field(pattern=MONTH)
    status: Literal["missing", "not_due"]
    """``missing`` (the filing deadline has passed, 逾期未报) or ``not_due`` (未到报送期限)."""


class TrackedProblem(EventPayload):
    """A reported problem the zone takes up for tracking: it opens a rectification issue."""

    issue_id: str
    report_id: str
    school_id: str
    problem_no: int = Field(ge=1)
    item_code: SelfInspectionItem
    description: str
    measures: str
    planned_completion_on: date
    safety_hazard: bool
    responsible_inspector_id: str


@registry.register
class SelfInspectionFiled(EventPayload):
    """A school filed its monthly self-inspection report (月自查问题报告单); late is flagged."""

    event_type: ClassVar[str] = "cn.duxue.issues.self_inspection_filed"
    topic: ClassVar[str] = topics.ISSUES

    report_id: str
    school_id: str
    zone_id: str | None
    """The school's zone when it filed."""
    month: str = Field(pattern=MONTH)
    filed_by: str
    no_problems: bool
    """An explicit "no problems found" report (本月自查未发现问题); then ``problems`` is empty."""
    problems: list[SelfInspectionProblem]
    note: str = ""
    deadline: date
    """The last day to file this month's report on time."""
    late: bool
    """Filed after ``deadline`` (逾期报送): accepted, and flagged."""


@registry.register
class SelfInspectionRevised(EventPayload):
    """A school revised its filed monthly report (报告修订); ``problems`` replace the old list."""

    event_type: ClassVar[str] = "cn.duxue.issues.self_inspection_revised"
    topic: ClassVar[str] = topics.ISSUES

    report_id: str
    revision: int = Field(ge=2)
    """1 is the filed report; each revision counts on."""
    revised_by: str
    no_problems: bool
    problems: list[SelfInspectionProblem]
    reason: str


class _Consolidation(EventPayload):
    topic: ClassVar[str] = topics.ISSUES

    consolidation_id: str
    zone_id: str
    week: str = Field(pattern=WEEK)
    """ISO week, e.g. ``2026-W48``."""
    week_starts_on: date
    week_ends_on: date
    months: list[str]
    """The months whose reports were looked at: those the week touches."""
    consolidated_by: str
    note: str = ""
    reports: list[CoveredReport]
    unfiled: list[UnfiledReport]
    problems: int = Field(ge=0)
    safety_hazards: int = Field(ge=0)
    problems_by_item: dict[str, int]
    """Count of current problems per item code, over the covered reports."""
    tracked: list[TrackedProblem]
    """Problems taken up for tracking by *this* event (earlier ones stay tracked)."""


@registry.register
class SelfInspectionConsolidated(_Consolidation):
    """A zone consolidated its schools' self-inspection reports for a week (责任区每周汇总)."""

    event_type: ClassVar[str] = "cn.duxue.issues.self_inspection_consolidated"


@registry.register
class SelfInspectionConsolidationAmended(_Consolidation):
    """A zone amended a week's consolidation (补充汇总): a new summary, maybe more tracking."""

    event_type: ClassVar[str] = "cn.duxue.issues.self_inspection_consolidation_amended"

    amendment: int = Field(ge=1)
    reason: str
