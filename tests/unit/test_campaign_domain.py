"""Special campaigns: issue against a published checklist, amend, close, progress."""

from datetime import date

import pytest

from services.visits.campaigns import domain as campaign
from services.visits.campaigns.domain import (
    AmendCampaign,
    Campaign,
    CampaignVisit,
    CloseCampaign,
    IssueCampaign,
    progress,
)
from services.visits.checklists.domain import Checklist, FieldProblem
from shared.commands import IllegalStep
from shared.contracts.checklists import (
    CampaignAmended,
    CampaignClosed,
    CampaignIssued,
    CampaignTheme,
)
from shared.events import EventPayload

COUNTY = "province:510000/city:510700/county:510704"
ROUTINE = Checklist(latest_version=2, owner_scope="platform", version_scopes=("platform", COUNTY))


def cmd(**overrides: object) -> IssueCampaign:
    values: dict[str, object] = {
        "campaign_id": "c1",
        "theme": CampaignTheme.food_safety,
        "title": "秋季学期食品安全专项督导",
        "checklist_id": "routine",
        "checklist_version": 1,
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2026, 9, 30),
        "zone_ids": ("z1",),
        "school_ids": ("s1",),
        "office": COUNTY,
    }
    values.update(overrides)
    return IssueCampaign(**values)  # type: ignore[arg-type]


def fold(events: list[EventPayload], state: Campaign | None = None) -> Campaign:
    state = state or Campaign()
    for e in events:
        state = campaign.evolve(state, e)
    return state


def test_issuing_names_a_published_checklist_version() -> None:
    [event] = campaign.issue(Campaign(), cmd(), ROUTINE)
    assert isinstance(event, CampaignIssued) and event.office == COUNTY
    state = fold([event])
    assert state.issued and state.covers(date(2026, 9, 30)) and not state.covers(date(2026, 10, 1))
    with pytest.raises(IllegalStep, match="already issued"):
        campaign.issue(state, cmd(), ROUTINE)


@pytest.mark.parametrize(
    ("overrides", "checklist", "field"),
    [
        ({"checklist_id": "nope"}, Checklist(), "body.checklist_id"),
        ({"checklist_version": 3}, ROUTINE, "body.checklist_version"),
        ({"ends_on": date(2026, 8, 1)}, ROUTINE, "body.ends_on"),
        ({"zone_ids": (), "school_ids": ()}, ROUTINE, "body.school_ids"),
        ({}, Checklist(latest_version=1, owner_scope="p", retired=True), "body.checklist_id"),
        (
            {"office": "province:510000/city:510700/county:510703", "checklist_version": 2},
            ROUTINE,
            "body.checklist_id",
        ),
    ],
)
def test_a_bad_reference_names_its_field(
    overrides: dict[str, object], checklist: Checklist, field: str
) -> None:
    with pytest.raises(FieldProblem) as err:
        campaign.issue(Campaign(), cmd(**overrides), checklist)
    assert err.value.field == field


def test_amending_carries_only_what_changed_and_closing_ends_it() -> None:
    state = fold(campaign.issue(Campaign(), cmd(), ROUTINE))
    [amended] = campaign.amend(
        state,
        AmendCampaign("c1", "延长", ends_on=date(2026, 10, 15), zone_ids=("z1",)),
    )
    assert isinstance(amended, CampaignAmended)
    assert amended.ends_on == date(2026, 10, 15) and amended.zone_ids is None
    state = fold([amended], state)
    assert state.covers(date(2026, 10, 10))
    with pytest.raises(IllegalStep, match="nothing to amend"):
        campaign.amend(state, AmendCampaign("c1", "无", ends_on=date(2026, 10, 15)))
    with pytest.raises(FieldProblem):
        campaign.amend(state, AmendCampaign("c1", "错", ends_on=date(2026, 8, 1)))
    [closed] = campaign.close(state, CloseCampaign("c1", "完成"))
    assert isinstance(closed, CampaignClosed)
    state = fold([closed], state)
    with pytest.raises(IllegalStep, match="closed"):
        campaign.amend(state, AmendCampaign("c1", "再改", ends_on=date(2026, 11, 1)))
    with pytest.raises(IllegalStep, match="closed"):
        campaign.close(state, CloseCampaign("c1"))
    with pytest.raises(IllegalStep, match="unknown"):
        campaign.close(Campaign(), CloseCampaign("c9"))


def test_progress_counts_named_zone_and_visited_schools() -> None:
    visits = [
        CampaignVisit("v1", "s1", "closed"),
        CampaignVisit("v2", "s2", "planned"),
        CampaignVisit("v3", "s3", "cancelled"),
        CampaignVisit("v4", "s9", "closed"),
    ]
    result = progress(["s1", "s4"], ["s2", "s3", "s1"], visits)
    by_id = {s["school_id"]: s for s in result["schools"]}
    assert set(by_id) == {"s1", "s2", "s3", "s4", "s9"}
    assert by_id["s1"]["target"] == "school" and by_id["s2"]["target"] == "zone"
    assert by_id["s9"]["target"] == "visit"
    assert by_id["s3"] == {
        "school_id": "s3",
        "target": "zone",
        "planned": False,
        "visited": False,
        "visit_ids": [],
    }
    assert (result["targets"], result["planned"], result["visited"]) == (5, 3, 2)
    assert result["percent_visited"] == 40.0
    assert progress([], [], [])["percent_visited"] == 0.0
