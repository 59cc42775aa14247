"""zh-CN labels of the visit enums, for documents and API answers alike."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shared.contracts.visits import DisputeOutcome, MajorKind, Method, Severity, Verdict, VisitKind

VISIT_KIND: dict[VisitKind, str] = {
    VisitKind.routine: "经常性督导",
    VisitKind.special: "专项督导",
    VisitKind.comprehensive: "综合督导",
    VisitKind.follow_up: "回访督导",
}

METHOD: dict[Method, str] = {
    Method.drop_in_lesson: "推门听课",
    Method.document_review: "查阅资料",
    Method.campus_walk: "巡视校园",
    Method.attending_meeting: "列席会议",
    Method.interview: "座谈访问",
    Method.questionnaire: "问卷调查",
}

VERDICT: dict[Verdict, str] = {
    Verdict.fine: "正常",
    Verdict.highlight: "亮点",
    Verdict.problem: "问题",
}

SEVERITY: dict[Severity, str] = {
    Severity.minor: "轻微",
    Severity.general: "一般",
    Severity.serious: "较重",
    Severity.major: "重大",
}

MAJOR_KIND: dict[MajorKind, str] = {
    MajorKind.violation: "违法违规",
    MajorKind.safety_hazard: "危及师生生命安全隐患",
}

DISPUTE_OUTCOME: dict[DisputeOutcome, str] = {
    DisputeOutcome.upheld: "维持",
    DisputeOutcome.amended: "修改",
    DisputeOutcome.withdrawn: "撤回",
}

ANNOUNCED = "明查"
UNANNOUNCED = "暗访"

_ALL: dict[type[StrEnum], Mapping[Any, str]] = {
    VisitKind: VISIT_KIND,
    Method: METHOD,
    Verdict: VERDICT,
    Severity: SEVERITY,
    MajorKind: MAJOR_KIND,
    DisputeOutcome: DISPUTE_OUTCOME,
}


def label(value: StrEnum) -> str:
    """The zh-CN label of any visit enum member (``label(Verdict.problem) == "问题"``)."""
    return _ALL[type(value)][value]


def announced_label(announced: bool) -> str:
    return ANNOUNCED if announced else UNANNOUNCED
