"""Kill the reporting service (SIGKILL) in the middle of a stream of registrations and
start it again: every school is counted, none twice."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.reporting.settings import ReportingSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body
from tests.processes import free_port, start_service

SCHOOLS = 150


def _start_reporting(settings: ReportingSettings, port: int, log: Path) -> subprocess.Popen[bytes]:
    return start_service("services.reporting", settings, port, log)


async def test_reporting_survives_sigkill_mid_stream(
    settings_for: Callable[..., Any], auth_header: Mint, tmp_path: Path
) -> None:
    county = new_county()
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    reporting_settings: ReportingSettings = settings_for(ReportingSettings)
    port = free_port()
    log = tmp_path / "reporting.log"
    reporting = _start_reporting(reporting_settings, port, log)
    url = f"http://127.0.0.1:{port}/reports/counties/{county}/schools"

    async with (
        serve(visits_app(settings_for(VisitsSettings))) as visits,
        httpx.AsyncClient(timeout=5) as http,
    ):

        async def count() -> int:
            try:
                r = await http.get(url, headers=office)
            except httpx.TransportError:
                return -1
            return int(r.json()["schools"]) if r.status_code == 200 else 0

        async def register(i: int) -> None:
            body = school_body(f"{county}-{i:04d}", county, ["primary", "junior"][i % 2])
            r = await visits.post("/schools", json=body, headers=office)
            assert r.status_code == 201, r.text

        try:
            for i in range(SCHOOLS // 3):
                await register(i)
            await eventually(lambda: _positive(count), within=60)
            reporting.send_signal(signal.SIGKILL)  # no chance to finish its batch
            reporting.wait(timeout=10)
            for i in range(SCHOOLS // 3, SCHOOLS):
                await register(i)
                if i == 2 * SCHOOLS // 3:
                    reporting = _start_reporting(reporting_settings, port, log)
            await eventually(lambda: _equals(count, SCHOOLS), within=90)
            await asyncio.sleep(2)  # nothing arrives late and counts again
            assert await count() == SCHOOLS
            r = await http.get(url, headers=office)
            assert r.json()["by_kind"] == {"primary": SCHOOLS // 2, "junior": SCHOOLS // 2}
        finally:
            reporting.terminate()
            reporting.wait(timeout=15)


async def _positive(count: Callable[[], Any]) -> bool:
    return bool(await count() > 0)


async def _equals(count: Callable[[], Any], expected: int) -> bool:
    return bool(await count() == expected)
