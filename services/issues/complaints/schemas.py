"""What the complaint routes read and answer: request bodies and response models.

Bodies refuse unknown fields and strip whitespace; each turns into the service's own
value (:meth:`_ComplaintBody.intake`), so the routes only pass things on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.issues.complaints.ports import Contact
from services.issues.complaints.receiving import Intake
from shared.answers import Document
from shared.contracts.complaints import (
    AnswerMethod,
    ComplaintCategory,
    ComplaintChannel,
    ErasureReason,
    VerificationOutcome,
)
from shared.contracts.visits import MajorKind, Severity
from shared.params import PlausibleDate

ID = r"^[0-9A-Za-z_-]{2,40}$"
PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
"""A mainland mobile number (11 digits) or a landline with its area code."""
EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactBody(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, pattern=PHONE)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    address: str | None = Field(default=None, min_length=2, max_length=200)


class _ComplaintBody(_Body):
    school_id: str = Field(pattern=ID)
    category: ComplaintCategory
    subject: str = Field(min_length=2, max_length=100, description="投诉事项")
    content: str = Field(min_length=10, max_length=3000, description="投诉内容")
    anonymous: bool = False
    contact: ContactBody | None = Field(default=None, validate_default=True)

    @field_validator("contact")
    @classmethod
    def _contact_fits(cls, value: ContactBody | None, info: ValidationInfo) -> ContactBody | None:
        anonymous = info.data.get("anonymous", False)
        given = value is not None and any(value.model_dump().values())
        if anonymous and given:
            raise PydanticCustomError(
                "anonymous_with_contact", "匿名投诉请不要填写联系方式 (anonymous: no contact)"
            )
        if not anonymous and (value is None or not (value.phone or value.email)):
            raise PydanticCustomError(
                "contact_required",
                "实名投诉请至少留下电话或电子邮箱，以便答复 (phone or e-mail required)",
            )
        return value

    def intake(self, channel: ComplaintChannel) -> Intake:
        contact = Contact(**self.contact.model_dump()) if self.contact is not None else None
        return Intake(
            school_id=self.school_id,
            channel=channel,
            category=self.category,
            subject=self.subject,
            content=self.content,
            anonymous=self.anonymous,
            contact=contact,
        )


class PublicComplaintBody(_ComplaintBody):
    channel: Literal["online", "qr_code"] = "online"


class StaffComplaintBody(_ComplaintBody):
    channel: ComplaintChannel


class NoteBody(_Body):
    note: str = Field(default="", max_length=1000)


class ReasonBody(_Body):
    reason: str = Field(min_length=2, max_length=1000)


class RerouteBody(ReasonBody):
    inspector_ids: list[Annotated[str, Field(pattern=ID)]] = Field(
        default_factory=list, max_length=5
    )
    """Empty: the county office handles it itself."""


class VerifyBody(_Body):
    outcome: VerificationOutcome
    findings: str = Field(min_length=2, max_length=3000)
    visit_id: str | None = Field(default=None, pattern=ID)


class IssueBody(_Body):
    item_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,39}$")
    item_title: str | None = Field(default=None, min_length=2, max_length=100)
    description: str = Field(min_length=2, max_length=2000)
    requirement: str = Field(min_length=2, max_length=1000)
    severity: Severity
    major_kind: MajorKind | None = Field(default=None, validate_default=True)
    deadline: PlausibleDate

    @field_validator("major_kind")
    @classmethod
    def _major_kind_fits(cls, value: MajorKind | None, info: ValidationInfo) -> MajorKind | None:
        if (info.data.get("severity") == Severity.major) != (value is not None):
            raise PydanticCustomError(
                "major_kind",
                "重大问题须注明类别（违法违规或安全隐患），其他问题不注明 "
                "(major_kind for, and only for, a major problem)",
            )
        return value


class AnswerBody(_Body):
    answer: str = Field(min_length=2, max_length=3000)
    method: AnswerMethod


class ErasureBody(_Body):
    reason: ErasureReason = Field(description="删除依据（个人信息保护法第四十七条）")
    request_ref: str | None = Field(default=None, pattern=ID, description="申请编号")


class Accepted(BaseModel):
    complaint_id: str
    version: int
    status: str


class PublicReceipt(BaseModel):
    tracking_no: str
    query_code: str
    answer_due_on: str
    message: str


class StaffReceipt(BaseModel):
    complaint_id: str
    tracking_no: str
    query_code: str
    version: int
    status: str
    routed_to: list[str]
    unlisted: bool
    answer_due_on: str


class LinkedIssue(BaseModel):
    complaint_id: str
    issue_id: str
    created: bool
    version: int
    """The complaint stream's version (also the ``ETag``), for the next ``If-Match``."""


class Erased(BaseModel):
    complaint_id: str
    version: int
    erased: bool


class ComplaintOut(Document):
    """A case as the caller may see it: handlers get the whole document (the contact, the
    timeline), the school its facts only (see :mod:`services.issues.complaints.access`)."""

    complaint_id: str
    school_id: str
    category: str
    status: str


class ComplaintSummary(BaseModel):
    """Counts only: no case, no text, no id."""

    scope: dict[str, Any]
    received_from: str | None
    received_to: str | None
    total: int
    answer_overdue: int
    erased: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_outcome: dict[str, int]


class PublicStatus(Document):
    """What the complainant reads with the tracking number and query code."""

    tracking_no: str
    status: str
    status_label: str
    received_on: str | None
    answer_due_on: str | None
    answer: dict[str, Any] | None
