"""Complaint events (举报投诉): a complaint from the public, one stream per complaint.

A complaint's stream is ``complaint-<complaint_id>`` on ``duxue.issues.events``. Its events,
in the order the lifecycle allows::

    ComplaintReceived → ComplaintRouted → ComplaintAccepted (受理) → ComplaintVerified (核实)
    → [ComplaintIssueOpened] → ComplaintAnswered (答复) → ComplaintClosed (办结)
    ComplaintRouted → ComplaintRejected (不予受理)
    ComplaintRouted | ComplaintAccepted → ComplaintRouted (the county office re-routes)

**No personal data in these events.** The complainant's name, phone, e-mail and address
are kept by the issues service in its ``complainant_contacts`` collection, keyed by the
complaint id, and shown only to those handling the case; the events carry only whether
a contact exists (``has_contact``) and whether the complaint is anonymous. Events are
immutable and every integrator reads the topic, so a contact in an event could never be
erased nor hidden (see docs/complaints.md).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.events import EventPayload, registry


class ComplaintChannel(StrEnum):
    phone = "phone"  # 电话
    visit = "visit"  # 来访
    letter = "letter"  # 来信
    email = "email"  # 电子邮件
    online = "online"  # 网上
    qr_code = "qr_code"  # 扫描公示牌二维码


class ComplaintCategory(StrEnum):
    """What the complaint is about; codes shared with the routine checklist where they match."""

    enrolment = "enrolment"  # 入学、招生
    teaching = "teaching"  # 教育教学
    teacher_ethics = "teacher_ethics"  # 师德师风
    learning_load = "learning_load"  # 课业负担、作业
    administration = "administration"  # 学校管理
    surroundings = "surroundings"  # 学校周边
    safety = "safety"  # 安全
    other = "other"  # 其他


class VerificationOutcome(StrEnum):
    substantiated = "substantiated"  # 属实
    partly_substantiated = "partly_substantiated"  # 部分属实
    unsubstantiated = "unsubstantiated"  # 不属实


class AnswerMethod(StrEnum):
    phone = "phone"  # 电话答复
    letter = "letter"  # 书面答复
    online = "online"  # 网上答复


class _ComplaintEvent(EventPayload):
    topic: ClassVar[str] = topics.ISSUES

    complaint_id: str


@registry.register
class ComplaintReceived(_ComplaintEvent):
    """A complaint was received (收到举报投诉): about which school, by which channel, what.

    Carries no personal data: the contact is stored apart (``has_contact``).
    """

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_received"

    tracking_no: str
    """The number the complainant uses to follow the case (受理编号)."""
    school_id: str
    school_name: str
    channel: ComplaintChannel
    category: ComplaintCategory
    subject: str
    content: str
    anonymous: bool
    has_contact: bool
    received_by: str
    """The staff member who recorded it, or ``public`` for the public form."""
    received_on: date
    """The day of receipt in China."""
    answer_due_on: date
    """The last day for the answer to the complainant (答复期限)."""


@registry.register
class ComplaintRouted(_ComplaintEvent):
    """The complaint was routed (转办) to the school's listed inspectors or the county office.

    ``unlisted`` flags a school without a listed inspector that day (未挂牌): the county
    office handles it.
    """

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_routed"

    to_inspector_ids: list[str] = Field(default_factory=list)
    to_county_office: bool
    unlisted: bool
    routed_by: str
    """``svc-issues`` when routed automatically on receipt, else the county office user."""
    reason: str = ""


@registry.register
class ComplaintAccepted(_ComplaintEvent):
    """The complaint was accepted for handling (受理)."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_accepted"

    accepted_by: str
    as_office: bool
    """True when the county office accepted it itself rather than an inspector."""
    note: str = ""


@registry.register
class ComplaintRejected(_ComplaintEvent):
    """The complaint was not admitted (不予受理), with the reason given to the complainant."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_rejected"

    rejected_by: str
    reason: str


@registry.register
class ComplaintVerified(_ComplaintEvent):
    """The complaint was verified (核实): substantiated, partly or not, with the findings."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_verified"

    verified_by: str
    outcome: VerificationOutcome
    findings: str
    visit_id: str | None = None
    """The visit on which it was verified, when it was."""


@registry.register
class ComplaintIssueOpened(_ComplaintEvent):
    """A rectification issue was opened for the substantiated complaint (立项整改)."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_issue_opened"

    issue_id: str
    opened_by: str


@registry.register
class ComplaintAnswered(_ComplaintEvent):
    """The complainant was answered (答复): what and how."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_answered"

    answered_by: str
    answer: str
    method: AnswerMethod
    answered_on: date


@registry.register
class ComplaintClosed(_ComplaintEvent):
    """The complaint was closed (办结)."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_closed"

    closed_by: str
    note: str = ""
