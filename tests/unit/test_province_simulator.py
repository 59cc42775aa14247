"""The province simulator: deterministic, valid events of the real contracts, foldable."""

from __future__ import annotations

import inspect
from collections import Counter

from benchmarks.projections import all_projections
from benchmarks.province import Size, build, simulate, totals
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.topics import EVENT_TOPICS
from tests.fakes import fold_projection

SMALL = Size(schools=40, months=3, seed=7)


def test_the_same_seed_gives_the_same_events_counts_and_digest() -> None:
    first, second = totals(SMALL), totals(SMALL)
    assert first.events == second.events > 1000
    assert first.by_type == second.by_type
    assert first.by_topic == second.by_topic
    assert first.digest == second.digest


def test_another_seed_gives_another_year() -> None:
    first = totals(SMALL)
    other = totals(Size(schools=40, months=3, seed=8))
    assert other.digest != first.digest
    assert other.by_type != first.by_type


def test_every_event_is_a_valid_event_of_the_registry_on_its_topic() -> None:
    versions: dict[str, int] = {}
    kinds: Counter[str] = Counter()
    for event in simulate(SMALL):
        decoded = EventEnvelope.from_bytes(event.to_bytes())
        payload = registry.parse(decoded)  # raises on an invalid payload
        assert registry.topic_for(decoded.event_type) in EVENT_TOPICS
        assert decoded.partition_key == decoded.stream_id
        assert decoded.correlation_id
        assert decoded.stream_version == versions.get(decoded.stream_id, 0) + 1, decoded.stream_id
        versions[decoded.stream_id] = decoded.stream_version
        kinds[type(payload).__name__] += 1
    # the lifecycle the brief names is all there, even in a small year
    for name in (
        "VisitPlanned",
        "FindingRecorded",
        "FeedbackDisputed",
        "DisputeResolved",
        "IssueOpened",
        "RectificationPlanSubmitted",
        "ProgressReported",
        "IssueVerified",
        "IssueOverdue",
        "IssueEscalated",
        "DeadlineExtensionRequested",
        "CampaignIssued",
        "FindingsMerged",
        "ComplaintReceived",
        "SelfInspectionFiled",
        "SelfInspectionConsolidated",
        "MonthlyPlanFiled",
    ):
        assert kinds[name] > 0, name


def test_the_simulation_streams_and_the_province_has_the_documented_shape() -> None:
    assert inspect.isgenerator(simulate(SMALL))
    province = build(Size(schools=20_000, months=1))
    assert (len(province.cities), len(province.counties)) == (20, 180)
    assert 950 <= len(province.zones) <= 1050
    assert len(province.schools) == 20_000
    assert 3900 <= len(province.inspectors) <= 4100
    behind = sum(1 for c in province.counties if c.behind)
    assert 5 <= behind <= 40


def test_every_projection_of_the_services_folds_the_year_without_a_failure() -> None:
    events = [(e, registry.parse(e)) for e in simulate(SMALL)]
    for projection in all_projections():
        applied = sum(event.event_type in projection.handles for event, _ in events)
        docs = fold_projection(projection, events, handled_only=True)  # a failure: dead-lettered
        assert applied > 0, projection.name
        assert any(doc is not None for doc in docs.values()), projection.name


def test_a_campaign_over_several_zones_is_issued_and_closed_once() -> None:
    ids: set[object] = set()
    kinds: Counter[str] = Counter()
    zones_of: dict[str, set[str | None]] = {}
    for event in simulate(Size(schools=300, months=2, seed=1)):
        assert event.event_id not in ids, (event.stream_id, event.stream_version)
        ids.add(event.event_id)
        kinds[event.event_type.removeprefix("cn.duxue.")] += 1
        if event.event_type.endswith("visits.visit_planned") and event.payload.get("campaign_id"):
            zones_of.setdefault(event.payload["campaign_id"], set()).add(event.jurisdiction.zone)
    assert any(len(zones) > 1 for zones in zones_of.values())  # the case that was emitted twice
    assert kinds["visits.campaign_closed"] == kinds["visits.campaign_issued"] > 0
