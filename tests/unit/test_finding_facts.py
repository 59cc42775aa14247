"""A finding's fields are stated once (FindingFacts) and meet the published
``FindingRecorded`` contract in one place, which stays as it was on the wire."""

from __future__ import annotations

from datetime import date

from services.visits.visit import domain as v
from services.visits.visit.bodies import FindingBody
from shared.contracts.visits import (
    EvidenceRef,
    FindingRecorded,
    InspectorSignedIn,
    MajorKind,
    Method,
    Severity,
    Verdict,
    VisitKind,
    VisitPlanned,
)

EVIDENCE = EvidenceRef(evidence_id="e1", sha256="ab" * 32, size=10, media_type="image/jpeg")
FACTS = v.FindingFacts(
    item_code="safety",
    verdict=Verdict.problem,
    notes="消防通道堵塞",
    methods=(Method.campus_walk, Method.interview),
    severity=Severity.major,
    major_kind=MajorKind.safety_hazard,
    requirement="立即清理",
    proposed_deadline=date(2026, 11, 30),
    evidence=(EVIDENCE,),
    checks_finding_id=None,
)


def _on_site() -> v.Visit:
    planned = VisitPlanned(
        visit_id="v1",
        kind=VisitKind.routine,
        school_id="s1",
        planned_on=date(2026, 11, 16),
        announced=True,
        lead_inspector_id="i1",
        team=["i1"],
        item_assignments=[],
        checklist_id="routine",
        checklist_version=1,
        items=[{"code": "safety", "title": "校园安全"}],
        purpose="随访",
    )
    signed = InspectorSignedIn.model_validate(
        {"visit_id": "v1", "inspector_id": "i1", "signed_in_at": "2026-11-16T01:00:00Z"}
        | {"location": None, "distance_m": None, "radius_m": 500.0, "flagged": True}
        | {"flag_reason": "签到未提供位置 (no location given)"}
    )
    return v.replay([planned, signed])


def test_the_event_is_the_contract_as_it_was() -> None:
    [event] = v.decide(_on_site(), v.RecordFinding("f1", "i1", FACTS))
    assert isinstance(event, FindingRecorded)
    assert event.model_dump_json() == (
        '{"visit_id":"v1","finding_id":"f1","item_code":"safety","item_title":"校园安全",'
        '"inspector_id":"i1","verdict":"problem","notes":"消防通道堵塞",'
        '"methods":["campus_walk","interview"],"severity":"major",'
        '"major_kind":"safety_hazard","requirement":"立即清理",'
        '"proposed_deadline":"2026-11-30","evidence":[{"evidence_id":"e1",'
        f'"sha256":"{"ab" * 32}","size":10,"media_type":"image/jpeg"}}],'
        '"checks_finding_id":null}'
    )


def test_replaying_the_event_gives_back_the_facts() -> None:
    state = v.evolve(_on_site(), *v.decide(_on_site(), v.RecordFinding("f1", "i1", FACTS)))
    [finding] = state.findings
    assert finding.facts == FACTS and finding.item_title == "校园安全"


def test_the_fields_are_stated_once() -> None:
    facts = set(v.FindingFacts.model_fields)
    assert set(FindingBody.model_fields) == facts | {"finding_id"}
    assert facts | {"visit_id", "finding_id", "item_title", "inspector_id"} == set(
        FindingRecorded.model_fields
    )
