"""Complaint events (举报投诉): a complaint from the public, one stream per complaint.

A complaint's stream is ``complaint-<complaint_id>`` on ``duxue.issues.events``. Its events,
in the order the lifecycle allows::

    ComplaintReceived → ComplaintRouted → ComplaintAccepted (受理) → ComplaintVerified (核实)
    → [ComplaintIssueOpened] → ComplaintAnswered (答复) → ComplaintClosed (办结)
    ComplaintRouted → ComplaintRejected (不予受理)
    ComplaintRouted | ComplaintAccepted → ComplaintRouted (the county office re-routes)

    any step → ComplaintErased (the personal data was erased, PIPL 个人信息保护法)

**No personal data in clear in these events.** The complainant's name, phone, e-mail and
address are kept by the issues service in its ``complainant_contacts`` collection, keyed
by the complaint id, and shown only to those handling the case; the events carry only
whether a contact exists (``has_contact``) and whether the complaint is anonymous.

Free text that people write (the subject and content, notes, reasons, findings, the
answer) may carry personal data all the same, so since schema version 2 every such
field is a :data:`PrivateText`: a :class:`SealedText`, encrypted with the complaint's own
data key (AES-256-GCM), which the issues service keeps outside the log. Erasure deletes
that key, and every copy of the text — on Kafka, in the event store, in read models —
becomes unreadable at once (crypto-shredding). Events of version 1 held the text in
clear; their upcasters lift it to a :class:`LegacyText` (see docs/complaints.md).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import topics
from shared.events import EventPayload, Upcaster, registry


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


class ErasureReason(StrEnum):
    """Why personal data was erased (the grounds of PIPL art. 47)."""

    complainant_request = "complainant_request"  # 个人请求删除
    purpose_achieved = "purpose_achieved"  # 处理目的已实现
    retention_expired = "retention_expired"  # 保存期限已届满
    consent_withdrawn = "consent_withdrawn"  # 个人撤回同意
    unlawful_processing = "unlawful_processing"  # 违反法律、行政法规或约定处理


SEALED_SCHEME = "aes-256-gcm/v1"
LEGACY_SCHEME = "plain/v0"


class SealedText(BaseModel):
    """Free text encrypted with the complaint's data key (scheme ``aes-256-gcm/v1``).

    ``ciphertext`` is AES-256-GCM over the UTF-8 text (the 16-byte tag appended), with
    the additional data ``complaint:<complaint_id>``; ``nonce`` is 12 random bytes; both
    base64. ``key_id`` names the key in the issues service's key store. A new scheme
    would be a new ``scheme`` value beside this one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: Literal["aes-256-gcm/v1"]
    key_id: str = Field(min_length=1, max_length=80)
    nonce: str = Field(pattern=r"^[A-Za-z0-9+/]{16}$")
    ciphertext: str = Field(min_length=24, pattern=r"^[A-Za-z0-9+/]+={0,2}$")


class LegacyText(BaseModel):
    """Text of an event written before encryption (schema version 1), lifted as it was.

    Only upcasters make it; the service never writes it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: Literal["plain/v0"]
    text: str


PrivateText = Annotated[SealedText | LegacyText, Field(discriminator="scheme")]
"""Free text that may carry personal data: sealed (or, in old events, legacy clear text)."""


class _ComplaintEvent(EventPayload):
    topic: ClassVar[str] = topics.ISSUES

    complaint_id: str


@registry.register
class ComplaintReceived(_ComplaintEvent):
    """A complaint was received (收到举报投诉): about which school, by which channel, what.

    Carries no personal data: the contact is stored apart (``has_contact``).
    """

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_received"
    schema_version: ClassVar[int] = 2

    tracking_no: str
    """The number the complainant uses to follow the case (受理编号)."""
    school_id: str
    school_name: str
    channel: ComplaintChannel
    category: ComplaintCategory
    subject: PrivateText
    content: PrivateText
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
    office handles it. ``reason`` is the county office's reason for a re-route (sealed);
    routing on receipt has none (``routed_by`` = ``svc-issues`` says why).
    """

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_routed"
    schema_version: ClassVar[int] = 2

    to_inspector_ids: list[str] = Field(default_factory=list)
    to_county_office: bool
    unlisted: bool
    routed_by: str
    """``svc-issues`` when routed automatically on receipt, else the county office user."""
    reason: PrivateText | None = None


@registry.register
class ComplaintAccepted(_ComplaintEvent):
    """The complaint was accepted for handling (受理)."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_accepted"
    schema_version: ClassVar[int] = 2

    accepted_by: str
    as_office: bool
    """True when the county office accepted it itself rather than an inspector."""
    note: PrivateText | None = None


@registry.register
class ComplaintRejected(_ComplaintEvent):
    """The complaint was not admitted (不予受理), with the reason given to the complainant."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_rejected"
    schema_version: ClassVar[int] = 2

    rejected_by: str
    reason: PrivateText


@registry.register
class ComplaintVerified(_ComplaintEvent):
    """The complaint was verified (核实): substantiated, partly or not, with the findings."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_verified"
    schema_version: ClassVar[int] = 2

    verified_by: str
    outcome: VerificationOutcome
    findings: PrivateText
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
    schema_version: ClassVar[int] = 2

    answered_by: str
    answer: PrivateText
    method: AnswerMethod
    answered_on: date


@registry.register
class ComplaintClosed(_ComplaintEvent):
    """The complaint was closed (办结)."""

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_closed"
    schema_version: ClassVar[int] = 2

    closed_by: str
    note: PrivateText | None = None


@registry.register
class ComplaintErased(_ComplaintEvent):
    """The complaint's personal data was erased (删除个人信息): its key and its contact.

    An audit record without personal data: who (``erased_by``), why (``reason``, a code,
    and the request's reference number if any), when (the event's time). After it the
    complaint's texts read as erased everywhere, and no further step is possible.
    """

    event_type: ClassVar[str] = "cn.duxue.issues.complaint_erased"

    erased_by: str
    reason: ErasureReason
    request_ref: str | None = Field(default=None, pattern=r"^[0-9A-Za-z_-]{1,40}$")
    """The erasure request's reference number (申请编号), when there is one."""
    contact_removed: bool
    """A stored contact was deleted with the key (false: there was none)."""


# ---------------------------------------------------------------- schema version 1 (clear text)


def _legacy(value: Any) -> dict[str, str]:
    return {"scheme": LEGACY_SCHEME, "text": str(value)}


def _lift(required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Upcaster:
    """An upcaster v1 → v2: clear-text fields become :class:`LegacyText`, "" → ``None``."""

    def upcast(data: dict[str, Any]) -> dict[str, Any]:
        lifted = dict(data)
        for name in required:
            lifted[name] = _legacy(data[name])
        for name in optional:
            lifted[name] = _legacy(data[name]) if data.get(name) else None
        return lifted

    return upcast


for _cls, _required, _optional in (
    (ComplaintReceived, ("subject", "content"), ()),
    (ComplaintRouted, (), ("reason",)),
    (ComplaintAccepted, (), ("note",)),
    (ComplaintRejected, ("reason",), ()),
    (ComplaintVerified, ("findings",), ()),
    (ComplaintAnswered, ("answer",), ()),
    (ComplaintClosed, (), ("note",)),
):
    registry.register_upcaster(_cls.event_type, 1, _lift(_required, _optional))
