"""The one place where the reporting service is wired together."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.api import router
from services.reporting.school_counts import SchoolCounts
from services.reporting.settings import ReportingSettings
from shared.runtime import Runtime
from shared.service import build_app


async def _start(runtime: Runtime, app: FastAPI) -> None:
    await runtime.run_projection(SchoolCounts())


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    return build_app("reporting", "统计报表服务 Reporting", settings, [router], on_start=_start)
