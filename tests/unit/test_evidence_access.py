"""Who may upload evidence, and the check of a command's evidence refs (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest

from shared.auth import Principal, Role
from shared.commands import Forbidden, InvalidField
from shared.contracts.visits import EvidenceRef
from shared.directory.lookup import InspectorFacts, SchoolFacts
from shared.evidence.api import FIELD_STAFF_AND_OFFICES, EvidenceAccess
from shared.evidence.lookup import EvidenceFacts, check_evidence_refs
from shared.evidence.upload import Refused
from shared.http import status_of
from shared.jurisdiction import Jurisdiction

SCHOOL = Jurisdiction(province="510000", city="510700", county="510704", zone="z1", school="s1")
COUNTY = Jurisdiction(province="510000", city="510700", county="510704")


def who(*roles: Role, where: Jurisdiction) -> Principal:
    return Principal(user_id="u", name="u", roles=frozenset(roles), jurisdiction=where)


class NoDirectory:
    async def school(self, school_id: str) -> SchoolFacts | None:
        return None

    async def inspector(self, inspector_id: str) -> InspectorFacts | None:
        return None

    async def listed_inspectors(self, school_id: str, on: date) -> list[str]:
        return []

    async def zone_leader(self, zone_id: str) -> str | None:
        return None


ISSUES = EvidenceAccess(NoDirectory(), (Role.principal, *FIELD_STAFF_AND_OFFICES))


def test_a_principal_uploads_for_their_own_school_only() -> None:
    ISSUES.ensure_may_upload(who(Role.principal, where=SCHOOL), "s1", SCHOOL)
    with pytest.raises(Forbidden) as countywide:
        ISSUES.ensure_may_upload(who(Role.principal, where=COUNTY), "s1", SCHOOL)
    assert status_of(countywide.value) == 403
    other = SCHOOL.model_copy(update={"school": "s2"})
    with pytest.raises(Forbidden):
        ISSUES.ensure_may_upload(who(Role.principal, where=other), "s1", SCHOOL)


def test_inspectors_and_offices_upload_within_their_jurisdiction() -> None:
    ISSUES.ensure_may_upload(who(Role.inspector, where=COUNTY), "s1", SCHOOL)
    ISSUES.ensure_may_upload(who(Role.county_office, Role.principal, where=COUNTY), "s1", SCHOOL)
    elsewhere = Jurisdiction(province="510000", city="510700", county="510703")
    with pytest.raises(Forbidden):
        ISSUES.ensure_may_upload(who(Role.county_office, where=elsewhere), "s1", SCHOOL)


class Stored:
    def __init__(self, *facts: EvidenceFacts) -> None:
        self._facts = {f.evidence_id: f for f in facts}

    async def evidence(self, evidence_id: str) -> EvidenceFacts | None:
        return self._facts.get(evidence_id)


PHOTO = EvidenceFacts("e1", "a" * 64, 1024, "image/jpeg", "门口.jpg", "s1")
REF = EvidenceRef(evidence_id="e1", sha256="a" * 64, size=1024, media_type="image/jpeg")


async def test_refs_must_match_stored_evidence_of_the_same_school() -> None:
    store = Stored(PHOTO)
    assert await check_evidence_refs(store, [REF], "s1") == (REF,)
    assert await check_evidence_refs(store, [], "s1") == ()
    cases = [
        ([REF, REF.model_copy(update={"size": 1025})], "s1", "body.evidence.1"),
        ([REF.model_copy(update={"media_type": "image/png"})], "s1", "body.evidence.0"),
        ([REF.model_copy(update={"evidence_id": "nope"})], "s1", "body.evidence.0"),
        ([REF], "s2", "body.evidence.0"),
    ]
    for refs, school, field in cases:
        with pytest.raises(InvalidField) as refused:
            await check_evidence_refs(store, refs, school)
        assert refused.value.field == field
    with pytest.raises(InvalidField) as named:
        await check_evidence_refs(store, [REF], "s2", field="body.progress.evidence")
    assert named.value.field == "body.progress.evidence.0"


async def test_an_uploads_label_names_a_record_of_that_school_in_this_service() -> None:
    async def visit_school(visit_id: str) -> str | None:
        return {"v1": "s1", "v2": "s2"}.get(visit_id)

    access = EvidenceAccess(NoDirectory(), FIELD_STAFF_AND_OFFICES, {"visit_id": visit_school})
    await access.check_label("visit_id", "v1", "s1")
    await access.check_label("visit_id", None, "s1")
    for name, value in (("visit_id", "v9"), ("visit_id", "v2"), ("issue_id", "i1")):
        with pytest.raises(Refused) as refused:
            await access.check_label(name, value, "s1")
        assert (refused.value.status, refused.value.field) == (422, f"body.{name}"), value
