"""What a second attacker's sweep found (after issues 9 and 16), through HTTP on the real
Kafka and MongoDB-wire server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.visits.bootstrap import create_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, serve

PROVINCE, CITY, COUNTY = "520000", "520100", "520102"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the JSON parser's recursion limit
        b'{"name": "\xff\xfe"}',  # not UTF-8
    ],
    ids=["too-deep", "not-utf8"],
)
async def test_an_unparseable_json_body_is_422_body_not_400(
    settings_for: Callable[..., Any], auth_header: Mint, body: bytes
) -> None:
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=COUNTY)
    async with serve(create_app(settings_for(VisitsSettings))) as client:
        r = await client.post(
            "/schools", content=body, headers={**office, "Content-Type": "application/json"}
        )
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body"]
