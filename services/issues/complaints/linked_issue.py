"""The rectification issue a substantiated complaint opens (立项整改): its item and the
``OpenIssue`` command (the issue's id derives from the complaint's, so it opens once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.issues.complaints import domain as c
from services.issues.rectification import domain as i
from shared.commands import InvalidField
from shared.contracts.complaints import ComplaintCategory
from shared.contracts.issues import IssueSource
from shared.contracts.visits import MajorKind, Severity

ROUTINE_ITEMS = {
    "administration": "校务管理和制度执行",
    "enrolment": "招生、收费、择校",
    "curriculum": "课程开设和课堂教学",
    "learning_load": "学生学习、体育锻炼和课业负担",
    "teacher_ethics": "教师师德和专业发展",
    "safety": "校园及周边安全、学生交通安全",
    "canteen_hygiene": "食堂、食品、饮水及宿舍卫生",
    "ethos": "校风、教风、学风建设",
}
"""The routine checklist's item titles (the eight 经常性督导事项), for the linked issue."""

ITEM_FOR_CATEGORY: dict[ComplaintCategory, str] = {
    ComplaintCategory.enrolment: "enrolment",
    ComplaintCategory.teaching: "curriculum",
    ComplaintCategory.teacher_ethics: "teacher_ethics",
    ComplaintCategory.learning_load: "learning_load",
    ComplaintCategory.administration: "administration",
    ComplaintCategory.surroundings: "safety",
    ComplaintCategory.safety: "safety",
    ComplaintCategory.other: "administration",
}
"""The checklist item a complaint's issue falls under unless the handler names another."""


@dataclass(frozen=True)
class IssueRequest:
    description: str
    requirement: str
    severity: Severity
    deadline: date
    major_kind: MajorKind | None = None
    item_code: str | None = None
    item_title: str | None = None


def opening(state: c.Complaint, issue_id: str, req: IssueRequest, by: str) -> i.OpenIssue:
    """The command that opens the complaint's issue (422 for an item without a title)."""
    item_code = req.item_code or ITEM_FOR_CATEGORY[state.category]
    item_title = req.item_title or ROUTINE_ITEMS.get(item_code)
    if item_title is None:
        raise InvalidField("body.item_title", "请填写整改事项名称 (item_title required)")
    return i.OpenIssue(
        issue_id=issue_id,
        source=IssueSource.complaint,
        school_id=state.school_id,
        item_code=item_code,
        item_title=item_title,
        description=req.description,
        requirement=req.requirement,
        severity=req.severity,
        major_kind=req.major_kind,
        deadline=req.deadline,
        responsible_inspector_id=state.handling_inspector or by,
        source_ref=state.complaint_id,
    )
