"""Checklist templates (督查记载表) and special campaigns (专项督导), on the visits topic.

A checklist template is **data**: each version is published as its own event on the
stream ``checklist-<checklist_id>`` and never edited (a province adds the ninth routine
item by publishing version 2). ``scope`` says which office published a version:
``platform`` (the platform itself, actor ``system``) or a jurisdiction path such as
``province:510000``. A campaign lives on ``campaign-<campaign_id>``.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared import topics
from shared.contracts.visits import Method
from shared.events import EventPayload, registry

PLATFORM_SCOPE = "platform"
ITEM_CODE = r"^[a-z0-9_]{1,40}$"


class ChecklistItem(EventPayload):
    """One item of a checklist: what to look at, how, and the points to check."""

    code: str = Field(pattern=ITEM_CODE)
    title: str = Field(min_length=1, max_length=100)
    """The item's name in zh-CN, e.g. 校务管理和制度执行."""
    guidance: str = Field(max_length=1000)
    methods: list[Method] = Field(min_length=1)
    sub_points: list[str] = Field(default_factory=list)


@registry.register
class ChecklistPublished(EventPayload):
    """A version of a checklist template was published (督查记载表发布); never an edit."""

    event_type: ClassVar[str] = "cn.duxue.visits.checklist_published"
    topic: ClassVar[str] = topics.VISITS

    checklist_id: str
    version: int = Field(ge=1)
    title: str
    scope: str
    """``platform`` or the publishing office's jurisdiction path."""
    items: list[ChecklistItem] = Field(min_length=1)
    note: str = ""


@registry.register
class ChecklistRetired(EventPayload):
    """A checklist template was retired (停用): no new visit or campaign may use it."""

    event_type: ClassVar[str] = "cn.duxue.visits.checklist_retired"
    topic: ClassVar[str] = topics.VISITS

    checklist_id: str
    reason: str


class CampaignTheme(StrEnum):
    term_opening = "term_opening"  # 开学工作
    food_safety = "food_safety"  # 食品安全
    anti_bullying = "anti_bullying"  # 防治校园欺凌
    school_safety = "school_safety"  # 校园安全
    nutrition_lunch = "nutrition_lunch"  # 营养午餐
    oversized_classes = "oversized_classes"  # 大班额
    off_campus_tutoring = "off_campus_tutoring"  # 校外培训
    epidemic_prevention = "epidemic_prevention"  # 疫情防控
    sports = "sports"  # 体育工作
    homework_load = "homework_load"  # 作业负担
    other = "other"  # 其他


@registry.register
class CampaignIssued(EventPayload):
    """An office issued a special campaign (专项督导) with its checklist, window and targets."""

    event_type: ClassVar[str] = "cn.duxue.visits.campaign_issued"
    topic: ClassVar[str] = topics.VISITS

    campaign_id: str
    theme: CampaignTheme
    title: str
    checklist_id: str
    checklist_version: int = Field(ge=1)
    starts_on: date
    ends_on: date
    zone_ids: list[str]
    school_ids: list[str]
    office: str
    """The issuing office's jurisdiction path; zone ids are read inside it."""
    purpose: str = ""


@registry.register
class CampaignAmended(EventPayload):
    """A campaign's window or targets changed, with the reason (专项督导调整); unset fields stay."""

    event_type: ClassVar[str] = "cn.duxue.visits.campaign_amended"
    topic: ClassVar[str] = topics.VISITS

    campaign_id: str
    starts_on: date | None = None
    ends_on: date | None = None
    zone_ids: list[str] | None = None
    school_ids: list[str] | None = None
    reason: str


@registry.register
class CampaignClosed(EventPayload):
    """A campaign was closed (专项督导结束): no more visits are planned under it."""

    event_type: ClassVar[str] = "cn.duxue.visits.campaign_closed"
    topic: ClassVar[str] = topics.VISITS

    campaign_id: str
    summary: str = ""
