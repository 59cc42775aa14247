"""What the printed documents show: plain frozen dataclasses, filled from read models.

Enums stay enums here (the renderer prints their zh-CN labels from ``labels``); names
are display names (学校名称, 督学姓名), not ids. Optional signatures print as blank
lines to sign by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.contracts.visits import DisputeOutcome, MajorKind, Method, Severity, Verdict, VisitKind

ARCHIVE_NOTE = "本清单一式两份，学校与责任督学各执一份，存档备查。"


@dataclass(frozen=True)
class SignInEntry:
    """One inspector's sign-in (签到): when, where, and why it was flagged, if it was."""

    inspector_name: str
    signed_in_at: datetime
    place: str
    """A readable place: an address, or ``纬度, 经度`` when only coordinates are known."""
    distance_m: float | None = None
    flagged: bool = False
    flag_note: str | None = None


@dataclass(frozen=True)
class ItemEntry:
    """One checklist item as found on site (督中查问题)."""

    title: str
    verdict: Verdict
    methods: tuple[Method, ...] = ()
    notes: str = ""
    evidence_count: int = 0
    inspector_name: str | None = None


@dataclass(frozen=True)
class ProblemEntry:
    """A problem with what the school must do (整改要求) and by when (整改期限)."""

    point_no: int
    item_title: str
    description: str
    requirement: str
    deadline: date
    severity: Severity = Severity.general
    major_kind: MajorKind | None = None


@dataclass(frozen=True)
class HighlightEntry:
    """Good practice worth praising (亮点 / 典型经验)."""

    item_title: str
    description: str


@dataclass(frozen=True)
class DisputeEntry:
    """A point the school disputed (申辩) and, once decided, the outcome."""

    point_no: int
    reason: str
    outcome: DisputeOutcome | None = None
    note: str = ""


@dataclass(frozen=True)
class Signatures:
    inspector: str | None = None
    principal: str | None = None
    signed_on: date | None = None


@dataclass(frozen=True)
class VisitRecord:
    """An entry of 《责任督学工作手册》: one visit, from purpose to signatures."""

    school_name: str
    county: str
    visit_date: date
    kind: VisitKind
    announced: bool
    inspectors: tuple[str, ...]
    purpose: str
    zone: str | None = None
    focus: str = ""
    campaign_title: str | None = None
    sign_ins: tuple[SignInEntry, ...] = ()
    items: tuple[ItemEntry, ...] = ()
    problems: tuple[ProblemEntry, ...] = ()
    highlights: tuple[HighlightEntry, ...] = ()
    disputes: tuple[DisputeEntry, ...] = ()
    summary: str = ""
    signatures: Signatures = field(default_factory=Signatures)
    visit_id: str | None = None


@dataclass(frozen=True)
class FeedbackList:
    """《责任督学挂牌督导反馈清单》: what the inspector leaves with the school."""

    school_name: str
    visit_date: date
    inspectors: tuple[str, ...]
    highlights: tuple[HighlightEntry, ...] = ()
    problems: tuple[ProblemEntry, ...] = ()
    disputes: tuple[DisputeEntry, ...] = ()
    county: str | None = None
    summary: str = ""
    principal_name: str | None = None
    signed_on: date | None = None
    archive_note: str = ARCHIVE_NOTE
    visit_id: str | None = None
