"""Routes of the monthly documents: a zone's report and a county's bulletin, as DOCX
(to edit before publishing) or PDF."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Response

from services.reporting.deps import RollupsDep
from services.reporting.documents import content, gather, pdf, word
from services.reporting.documents.layout import Document
from services.reporting.rollups.api import CodePath
from shared.auth import CurrentPrincipal
from shared.deadlines import local_day
from shared.params import PlausibleMonth

router = APIRouter(tags=["reports"])

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Format(StrEnum):
    docx = "docx"
    pdf = "pdf"


MEDIA_TYPES = {Format.docx: DOCX_MEDIA_TYPE, Format.pdf: "application/pdf"}
RENDERERS: dict[Format, Callable[[Document], bytes]] = {
    Format.docx: word.render,
    Format.pdf: pdf.render,
}
MonthPath = Annotated[PlausibleMonth, Path(description="月份 YYYY-MM")]
FormatPath = Annotated[Format, Path(description="docx（可编辑）或 pdf")]
DOCUMENT_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}}
}


async def _download(build: Callable[[], Document], fmt: Format, name: str) -> Response:
    """The document built and printed in the format off the event loop (charts and
    pages take a few hundred milliseconds)."""

    def printed() -> bytes:
        return RENDERERS[fmt](build())

    body = await asyncio.to_thread(printed)
    disposition = f"attachment; filename*=UTF-8''{quote(f'{name}.{fmt.value}')}"
    return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


@router.get(
    "/reports/units/zone/{code}/monthly/{month}.{fmt}",
    response_class=Response,
    responses=DOCUMENT_RESPONSES,
)
async def zone_monthly_report(
    code: CodePath,
    month: MonthPath,
    fmt: FormatPath,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
) -> Response:
    """责任区督导工作月报告 — a zone's monthly report (DOCX or PDF)."""
    today = local_day(datetime.now(UTC))
    report = await gather.zone_monthly(rollups, principal, code, month, today)
    return await _download(lambda: content.zone_report(report), fmt, f"责任区月报告-{code}-{month}")


@router.get(
    "/reports/units/county/{code}/bulletin/{month}.{fmt}",
    response_class=Response,
    responses=DOCUMENT_RESPONSES,
)
async def county_bulletin(
    code: CodePath,
    month: MonthPath,
    fmt: FormatPath,
    principal: CurrentPrincipal,
    rollups: RollupsDep,
) -> Response:
    """县区督导工作通报 — a county's monthly bulletin (DOCX or PDF)."""
    today = local_day(datetime.now(UTC))
    bulletin = await gather.county_bulletin(rollups, principal, code, month, today)
    return await _download(
        lambda: content.county_bulletin(bulletin), fmt, f"督导通报-{code}-{month}"
    )
