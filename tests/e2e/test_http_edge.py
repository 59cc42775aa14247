"""The HTTP edge every service shares, on the real Kafka and FerretDB (issue 9, defects 4
and 9): request bodies past ``MAX_JSON_BODY_BYTES`` are refused with 413 before they are
read whole (the upload routes keep their own limits), and ``X-Forwarded-For`` is believed
only from ``TRUSTED_PROXIES`` — the public rate limit keys on the real client.

The forwarded-header tests serve the app with real uvicorn on loopback, configured as
``python -m services.<name>`` does (:func:`shared.service.uvicorn_config`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, serve
from tests.factories import CITY, PROVINCE, new_county, school_body
from tests.processes import uvicorn_serving

MIB = 1024 * 1024


async def test_a_json_body_past_the_limit_is_413_before_it_is_read(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    async with serve(create_visits(settings_for(VisitsSettings))) as visits:
        body = school_body(f"{county}-big", county, name="大" * (20 * MIB // 3))
        declared = await visits.post("/schools", content=json.dumps(body), headers=office)
        assert declared.status_code == 413, declared.text[:200]
        assert "1048576" in declared.json()["message"]

        sent = 0

        async def stream() -> AsyncIterator[bytes]:  # chunked: no Content-Length
            nonlocal sent
            yield b'{"name": "'
            for _ in range(320):  # 20 MiB in 64 KiB chunks
                sent += 1
                yield b"x" * (64 * 1024)
            yield b'"}'

        streamed = await visits.post(
            "/schools", content=stream(), headers={**office, "Content-Type": "application/json"}
        )
        assert streamed.status_code == 413, streamed.text[:200]
        assert sent <= 17, f"read {sent} chunks of 64 KiB past a 1 MiB limit"

        # a body within the limit is still judged field by field
        small = await visits.post("/schools", json={**body, "name": "x"}, headers=office)
        assert small.status_code == 422 and small.json()["errors"][0]["field"] == "body.name"

        # the uploads keep their own, larger limits: 2 MiB is not refused for its size
        roster = {"file": ("roster.csv", b"\xef\xbb\xbf" + b"a," * MIB, "text/csv")}
        r = await visits.post(f"/directory/imports?county={county}", files=roster, headers=office)
        assert r.status_code == 422, r.text[:200]
        photo = {"file": ("p.jpg", b"\xff\xd8\xff" + b"\0" * (2 * MIB), "image/jpeg")}
        r = await visits.post(
            "/evidence", data={"school_id": f"{county}-none"}, files=photo, headers=office
        )
        assert r.status_code not in (413, 500), r.text[:200]


async def _plate_statuses(client: httpx.AsyncClient, *forwarded_for: str) -> list[int]:
    statuses = []
    for address in forwarded_for:
        r = await client.get("/public/schools/nowhere/plate", headers={"X-Forwarded-For": address})
        statuses.append(r.status_code)
    return statuses


async def test_a_nul_character_in_a_json_body_is_422_body(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    """PostgreSQL's jsonb under the MongoDB-wire server cannot store U+0000: refused at the
    edge with 422 ``body``, never a 500; an escaped backslash before ``u0000`` is plain text."""
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    async with serve(create_visits(settings_for(VisitsSettings))) as visits:
        body = school_body(f"{county}-nul", county, name="实验小学\x00")
        refused = await visits.post("/schools", json=body, headers=office)
        assert refused.status_code == 422, refused.text[:200]
        assert refused.json()["errors"][0]["field"] == "body"
        plain = school_body(f"{county}-bs", county, name="实验小学\\u0000")
        accepted = await visits.post("/schools", json=plain, headers=office)
        assert accepted.status_code == 201, accepted.text[:200]


async def test_a_nul_character_in_a_path_or_query_is_422_never_a_500(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    """An id or filter with U+0000 reached PostgreSQL and failed there (a 500, even on the
    public plate without a token): refused at the edge with 422 ``path``, zh-CN first."""
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    async with serve(create_visits(settings_for(VisitsSettings))) as visits:
        for url, headers in (
            ("/public/schools/%00/plate", {}),
            ("/schools/a%00b", office),
            ("/listings?school_id=%00", office),
        ):
            r = await visits.get(url, headers=headers)
            assert r.status_code == 422, (url, r.status_code, r.text[:200])
            assert r.json()["errors"][0]["field"] == "path"
            assert r.json()["message"].startswith("地址或查询参数中含有 NUL 字符")
        missing = await visits.post("/schools", json={}, headers=office)
        assert missing.status_code == 422
        first = missing.json()["errors"][0]
        assert first["type"] == "missing" and first["message"].startswith("必填 (")


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings_for: Callable[..., Any],
) -> None:
    settings = settings_for(VisitsSettings, public_rate_burst=2, public_rate_per_minute=0.01)
    assert settings.trusted_proxies == ""  # the default: no proxy is trusted
    async with uvicorn_serving(create_visits(settings)) as client:
        # a new forwarded address each time does not buy a new bucket
        assert await _plate_statuses(client, "203.0.113.1", "203.0.113.2", "203.0.113.3") == [
            404,
            404,
            429,
        ]


async def test_forwarded_for_from_a_trusted_proxy_limits_each_citizen(
    settings_for: Callable[..., Any],
) -> None:
    settings = settings_for(
        VisitsSettings,
        public_rate_burst=2,
        public_rate_per_minute=0.01,
        trusted_proxies="10.9.9.9, 127.0.0.1",
    )
    async with uvicorn_serving(create_visits(settings)) as proxy:
        # behind the gateway, citizens do not share one bucket ...
        assert await _plate_statuses(proxy, "198.51.100.1", "198.51.100.2", "198.51.100.3") == [
            404,
            404,
            404,
        ]
        # ... and each is limited on their own address
        assert await _plate_statuses(proxy, *["198.51.100.1"] * 2) == [404, 429]
