"""Notification rules as data: which events reach which roles, per office, versioned.

A :class:`RuleSet` is what one office (a county, by its division code) decided, from a
day on; :data:`DEFAULT_RULES` (version 0) is what every office gets until it sets its
own. Everything here is pure: the rule book's storage is a port
(:mod:`services.notifications.rules.book`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import complaints as c
from shared.contracts import issues as i
from shared.contracts import visits as v


class RecipientRole(StrEnum):
    principal = "principal"  # 校长: the school's directly responsible person
    inspector = "inspector"  # 责任督学 listed at the school (or the complaint's assignees)
    zone_leader = "zone_leader"  # 责任区组长
    county_office = "county_office"  # 县(区)督导室
    complainant = "complainant"  # 举报人 (the issues service holds the contact)


class Rule(BaseModel):
    """When an event of ``event_type`` happens, tell ``roles`` (as a ``kind`` of message)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=r"^[a-z_]{1,60}$")
    event_type: str = Field(min_length=3, max_length=120)
    roles: tuple[RecipientRole, ...] = Field(min_length=1)
    major_only: bool = False
    """Only for a major problem (重大问题: a violation or a life-safety hazard)."""
    urgent: bool = False
    """Sent at once, never held back (quiet hours, digests)."""


class RuleSet(BaseModel):
    """An office's rules from ``valid_from`` on; ``version`` 0 is the defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    office: str
    version: int = Field(ge=0)
    valid_from: datetime | None = None
    rules: tuple[Rule, ...]

    def matching(self, event_type: str, major: bool) -> list[Rule]:
        return [r for r in self.rules if r.event_type == event_type and (major or not r.major_only)]


R = RecipientRole
DEFAULT_RULES = RuleSet(
    office="default",
    version=0,
    rules=(
        Rule(kind="feedback_issued", event_type=v.FeedbackIssued.event_type, roles=(R.principal,)),
        Rule(
            kind="notice_issued",
            event_type=i.RectificationNoticeIssued.event_type,
            roles=(R.principal,),
        ),
        Rule(kind="issue_verified", event_type=i.IssueVerified.event_type, roles=(R.principal,)),
        Rule(
            kind="verification_rejected",
            event_type=i.VerificationRejected.event_type,
            roles=(R.principal,),
        ),
        Rule(kind="dispute_raised", event_type=v.FeedbackDisputed.event_type, roles=(R.inspector,)),
        Rule(
            kind="submitted_for_verification",
            event_type=i.SubmittedForVerification.event_type,
            roles=(R.inspector,),
        ),
        Rule(
            kind="complaint_assigned", event_type=c.ComplaintRouted.event_type, roles=(R.inspector,)
        ),
        Rule(
            kind="major_problem",
            event_type=v.FindingRecorded.event_type,
            roles=(R.zone_leader, R.county_office),
            major_only=True,
            urgent=True,
        ),
        Rule(
            kind="issue_overdue",
            event_type=i.IssueOverdue.event_type,
            roles=(R.zone_leader, R.county_office),
        ),
        Rule(
            kind="issue_escalated",
            event_type=i.IssueEscalated.event_type,
            roles=(R.zone_leader, R.county_office),
        ),
        Rule(
            kind="complaint_answered",
            event_type=c.ComplaintAnswered.event_type,
            roles=(R.complainant,),
        ),
    ),
)

HANDLED: frozenset[str] = frozenset(r.event_type for r in DEFAULT_RULES.rules)
"""Event types any rule may name (an office's rules choose among these)."""


def in_force(versions: Iterable[RuleSet], at: datetime) -> RuleSet:
    """The office's rules in force at ``at``: its latest version valid by then, or the defaults."""
    valid = [s for s in versions if s.valid_from is not None and s.valid_from <= at]
    return max(valid, key=lambda s: s.version) if valid else DEFAULT_RULES


def next_version(
    office: str, current: Sequence[RuleSet], rules: Sequence[Rule], at: datetime
) -> RuleSet:
    """A new version of an office's rules, valid from ``at`` (refuses unknown event types)."""
    for n, rule in enumerate(rules):
        if rule.event_type not in HANDLED:
            raise ValueError(
                f"rules.{n}.event_type: 不支持的事件类型 {rule.event_type}，"
                f"须为完整类型之一 (must be one of): {', '.join(sorted(HANDLED))}"
            )
    version = max((s.version for s in current), default=0) + 1
    return RuleSet(office=office, version=version, valid_from=at, rules=tuple(rules))


def is_major(payload: object) -> bool:
    """A major problem (重大问题): severity ``major`` or a major kind named."""
    severity = getattr(payload, "severity", None)
    return severity == v.Severity.major or getattr(payload, "major_kind", None) is not None
