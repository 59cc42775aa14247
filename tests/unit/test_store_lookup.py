"""The pure folds behind the command lookups (services/visits/directory/store.py,
services/visits/campaigns/lookup.py), and the one deadline rule of shared/deadlines.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.visits.campaigns.lookup import campaign_facts
from services.visits.directory.domain.facts import fold_school
from shared.commands import InvalidField
from shared.contracts.checklists import (
    CampaignAmended,
    CampaignClosed,
    CampaignIssued,
    CampaignTheme,
)
from shared.contracts.directory import (
    InspectorListed,
    ListingEnded,
    Location,
    SchoolDetailsCorrected,
    SchoolKind,
    SchoolRegistered,
    SchoolZoneChanged,
)
from shared.deadlines import ensure_not_past

REGISTERED = SchoolRegistered(
    school_id="s1",
    name="实验小学",
    kind=SchoolKind.primary,
    province="510000",
    city="510700",
    county="510704",
    zone_id="z1",
    address="仙海路1号",
    city_direct=False,
    principal_name=None,
    location=None,
)


def test_a_school_as_its_stream_says() -> None:
    assert fold_school([]).facts() is None
    here = Location(latitude=31.47, longitude=104.75)
    facts = fold_school(
        [
            REGISTERED,
            SchoolDetailsCorrected(school_id="s1", reason="补录", location=here),
            SchoolZoneChanged(school_id="s1", zone_id="z2", previous_zone_id="z1", reason="调整"),
            InspectorListed(
                listing_id="s1-L1",
                school_id="s1",
                inspector_id="i1",
                starts_on=date(2026, 9, 1),
                duties=None,
            ),
        ]
    ).facts()
    assert facts is not None
    assert facts.location == here and facts.zone_id == "z2" and facts.jurisdiction.zone == "z2"
    assert facts.jurisdiction.county == "510704" and facts.jurisdiction.school == "s1"


def test_listed_on_a_day_ends_with_the_listing() -> None:
    events = [
        REGISTERED,
        InspectorListed(
            listing_id="s1-L1",
            school_id="s1",
            inspector_id="i1",
            starts_on=date(2026, 9, 1),
            duties=None,
        ),
        InspectorListed(
            listing_id="s1-L2",
            school_id="s1",
            inspector_id="i2",
            starts_on=date(2026, 10, 1),
            duties=None,
        ),
        ListingEnded(
            listing_id="s1-L1",
            school_id="s1",
            inspector_id="i1",
            ends_on=date(2026, 10, 31),
            reason="调离",
        ),
    ]
    assert fold_school(events).listed_on(date(2026, 9, 15)) == ["i1"]
    assert fold_school(events).listed_on(date(2026, 10, 31)) == ["i1", "i2"]
    assert fold_school(events).listed_on(date(2026, 11, 1)) == ["i2"]


def test_a_campaign_as_its_stream_says_and_closed_once_closed() -> None:
    issued = CampaignIssued(
        campaign_id="c1",
        theme=CampaignTheme.food_safety,
        title="食品安全专项",
        checklist_id="routine",
        checklist_version=1,
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 30),
        zone_ids=["z1"],
        school_ids=[],
        office="province:510000/city:510700/county:510704",
    )
    amended = CampaignAmended(
        campaign_id="c1", ends_on=date(2026, 12, 15), school_ids=["s9"], reason="顺延"
    )
    facts = campaign_facts([issued, amended])
    assert facts is not None
    assert facts.ends_on == date(2026, 12, 15) and facts.starts_on == date(2026, 11, 1)
    assert facts.zone_ids == ("z1",) and facts.school_ids == ("s9",)
    assert not facts.closed and campaign_facts([]) is None
    closed = campaign_facts([issued, amended, CampaignClosed(campaign_id="c1")])
    assert closed is not None and closed.closed and closed.ends_on == date(2026, 12, 15)


def test_a_deadline_is_today_in_china_or_later() -> None:
    # 2026-12-01 17:00 UTC is already 2026-12-02 in China
    evening = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    ensure_not_past("body.deadline", date(2026, 12, 2), evening)
    ensure_not_past("body.deadline", None, evening)
    with pytest.raises(InvalidField) as refused:
        ensure_not_past("body.proposed_deadline", date(2026, 12, 1), evening)
    assert refused.value.field == "body.proposed_deadline"
    assert "早于今天 2026-12-02" in refused.value.message
