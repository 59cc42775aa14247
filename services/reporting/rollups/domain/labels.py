"""zh-CN labels of what stands behind a figure (visit kinds, severities, states)."""

from __future__ import annotations

VISIT_KINDS = {
    "routine": "经常性督导",
    "special": "专项督导",
    "comprehensive": "综合督导",
    "follow_up": "回访",
}
SEVERITIES = {"minor": "轻微", "general": "一般", "serious": "较重", "major": "重大"}
CLOSURES = {"on_time": "按期销号", "late": "逾期销号"}
COMPLAINT_CATEGORIES = {
    "enrolment": "入学、招生",
    "teaching": "教育教学",
    "teacher_ethics": "师德师风",
    "learning_load": "课业负担、作业",
    "administration": "学校管理",
    "surroundings": "学校周边",
    "safety": "安全",
    "other": "其他",
}
ISSUE_STATES = {"open": "整改中", "overdue": "已逾期", "closed": "已销号"}
COMPLAINT_STATES = {
    "received": "已受理",
    "substantiated": "已核实：属实",
    "partly_substantiated": "已核实：部分属实",
    "unsubstantiated": "已核实：不属实",
    "answered": "已答复",
}
SYNTHETIC_UNITS = {"-direct": "市直学校", "-none": "未分区学校"}


def issue_label(item_title: str, severity: str) -> str:
    return f"{item_title}（{SEVERITIES.get(severity, severity)}）"


def issue_state(issue: dict[str, object] | None) -> str | None:
    if issue is None:
        return None
    if not issue.get("open"):
        return "closed"
    return "overdue" if issue.get("overdue") else "open"


def complaint_state(complaint: dict[str, object] | None) -> str | None:
    if complaint is None:
        return None
    if complaint.get("answered_on"):
        return "answered"
    return str(complaint.get("status") or "received")


def synthetic_name(code: str) -> str | None:
    """The name of a unit the directory does not name: a city's city-direct schools
    (``<city>-direct``) or a county's schools without a zone (``<county>-none``)."""
    for suffix, name in SYNTHETIC_UNITS.items():
        if code.endswith(suffix):
            return name
    return None
