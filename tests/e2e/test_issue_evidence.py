"""Rectification evidence in the issues service, end to end on the real Kafka and MongoDB.

The visits app imports a county roster; its directory events reach the issues app's own
directory read model over Kafka. A principal then uploads progress evidence to the
issues service, which keeps it in its own GridFS bucket in its own database and checks
refs to it with ``check_evidence_refs``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.issues.bootstrap import create_app as create_issues
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.commands import InvalidField
from shared.contracts.visits import EvidenceRef
from shared.evidence.lookup import check_evidence_refs
from shared.evidence.store import GridFSEvidence
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_xlsx, upload

IMAGE_LIMIT = 64 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Both:
    issues: httpx.AsyncClient
    issues_app: FastAPI
    visits: httpx.AsyncClient
    visits_app: FastAPI
    county: str
    mint: Mint

    def principal(self, school: int, **where: str) -> dict[str, str]:
        jurisdiction = {"zone": f"{self.county}-z1", "school": self.school(school), **where}
        return self.as_user(f"principal-{self.county}-{school}", Role.principal, **jurisdiction)

    def as_user(self, user_id: str, *roles: Role, **deeper: str) -> dict[str, str]:
        headers: dict[str, str] = self.mint(
            *roles, user_id=user_id, province=PROVINCE, city=CITY, county=self.county, **deeper
        )
        return headers

    def school(self, n: int) -> str:
        return f"{self.county}-s{n}"


@pytest.fixture
async def both(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[Both]:
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    visits_app = create_visits(settings_for(VisitsSettings))
    issues_app = create_issues(
        settings_for(
            IssuesSettings, evidence_max_image_bytes=IMAGE_LIMIT, evidence_chunk_bytes=16 * 1024
        )
    )
    async with serve(visits_app) as visits, serve(issues_app) as issues:
        r = await visits.post(
            f"/directory/imports?county={county}", files=upload(roster_xlsx(county)), headers=office
        )
        assert r.status_code == 201, r.text
        lookup = issues_app.state.directory_lookup
        for n in (1, 2):
            await eventually(partial(lookup.school, f"{county}-s{n}"))
        yield Both(issues, issues_app, visits, visits_app, county, auth_header)


def png(size: int) -> bytes:
    return PNG + os.urandom(size - len(PNG))


async def post(
    b: Both, data: bytes, headers: dict[str, str], school: int = 1, media_type: str = "image/png"
) -> httpx.Response:
    fields = {"school_id": b.school(school), "sha256": hashlib.sha256(data).hexdigest()}
    return await b.issues.post(
        "/evidence", data=fields, files={"file": ("整改后.png", data, media_type)}, headers=headers
    )


async def test_a_principal_uploads_progress_evidence_to_the_issues_service(both: Both) -> None:
    b = both
    principal = b.principal(1)
    photo = png(40 * 1024)
    digest = hashlib.sha256(photo).hexdigest()
    for label in ("issue_id", "visit_id"):  # neither names a record this service knows
        fields = {"school_id": b.school(1), "sha256": digest, label: "ghost-0001"}
        files = {"file": ("整改后.png", photo, "image/png")}
        r = await b.issues.post("/evidence", data=fields, files=files, headers=principal)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"body.{label}", r.text
    r = await post(b, photo, principal)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["sha256"], out["size"], out["school_id"]) == (digest, len(photo), b.school(1))
    assert out["issue_id"] is None and out["uploaded_by"] == f"principal-{b.county}-1"
    evidence_id = out["evidence_id"]

    got = await b.issues.get(f"/evidence/{evidence_id}", headers=principal)
    assert got.status_code == 200 and got.content == photo
    assert got.headers["ETag"] == f'"{digest}"'
    inspector = b.as_user(f"{b.county}-insp-1", Role.inspector)
    assert (await b.issues.get(f"/evidence/{evidence_id}", headers=inspector)).status_code == 200

    # the lifecycle's check of progress-report refs, against this service's store
    store = b.issues_app.state.evidence
    ref = EvidenceRef(
        evidence_id=evidence_id, sha256=digest, size=len(photo), media_type="image/png"
    )
    assert await check_evidence_refs(store, [ref], b.school(1)) == (ref,)
    forged = ref.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(InvalidField) as wrong:
        await check_evidence_refs(store, [ref, forged], b.school(1))
    assert wrong.value.field == "body.evidence.1"
    with pytest.raises(InvalidField):
        await check_evidence_refs(store, [ref], b.school(2))

    # kept in the issues database's own bucket; the visits service knows nothing of it
    visits_store = GridFSEvidence(b.visits_app.state.runtime.db)
    assert await visits_store.files.count_documents({}) == 0
    office = b.as_user("office-1", Role.county_office)
    assert (await b.visits.get(f"/evidence/{evidence_id}", headers=office)).status_code == 404


async def test_oversize_unsupported_and_other_schools_are_refused(both: Both) -> None:
    b = both
    principal = b.principal(1)
    too_big = await post(b, png(IMAGE_LIMIT + 1), principal)
    assert too_big.status_code == 413, too_big.text
    assert too_big.json()["errors"][0]["field"] == "body.file"
    text = await post(b, b"just words", principal, media_type="text/plain")
    assert text.status_code == 415 and text.json()["errors"][0]["field"] == "body.file"

    ok = await post(b, png(2048), principal)
    assert ok.status_code == 201, ok.text
    evidence_id = ok.json()["evidence_id"]
    other = b.principal(2)
    assert (await post(b, png(2048), other)).status_code == 403
    assert (await b.issues.get(f"/evidence/{evidence_id}", headers=other)).status_code == 403
    countywide = b.as_user("principal-x", Role.principal)  # a principal with no school
    assert (await post(b, png(2048), countywide)).status_code == 403
    neighbour = b.mint(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
    assert (await post(b, png(2048), neighbour)).status_code == 403

    store = GridFSEvidence(b.issues_app.state.runtime.db)
    assert await store.files.count_documents({}) == 1
