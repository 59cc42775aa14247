"""The county autumn (tests/reporting_scenario.py) through Kafka into the roll-ups, then
the zone's monthly report and the county's bulletin over HTTP, as PDF and DOCX, with
the figures worked out by hand; scoped like every reporting read."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from docx import Document as open_docx
from pypdf import PdfReader

from services.reporting.bootstrap import create_app
from services.reporting.documents.api import DOCX_MEDIA_TYPE
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_rollups import AUTUMN, new_place, publish
from tests.reporting_scenario import autumn


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


async def test_the_bulletin_and_the_zone_report_download_as_pdf_and_docx(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    other = auth_header(Role.county_office, province=place.province, city=place.city, county="1")
    bulletin = f"/reports/units/county/{place.county}/bulletin/2026-09"
    report = f"/reports/units/zone/{place.zone('Z1')}/monthly/2026-09"

    async with serve(create_app(settings_for(ReportingSettings))) as api:
        await publish(infra, autumn(place))

        async def settled() -> bool:
            # the zones are written last in a flush: wait for them to hold every event
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            zones = [child["figures"] for child in r.json()["children"]] if r.is_success else []
            done = {"issues_closed": 3, "complaints_answered": 2, "visits": 4}
            return all(sum(z[k] for z in zones) == v for k, v in done.items())

        await eventually(settled, within=60)

        r = await api.get(f"{bulletin}.pdf", headers=county)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert "attachment" in r.headers["content-disposition"]
        text = pdf_text(r.content)
        for expected in (
            "测试县责任督学挂牌督导工作通报",  # the directory's names, not the codes
            "2026年9月",
            "本月共有学校3所，到校督导2所，覆盖率66.7%",
            "整改率50.0%",
            "重大问题学校A第一责任区",
            "举报属实学校D第二责任区",
            "图：本月各督导事项整改情况",  # the rectification chart's caption
        ):
            assert expected in text, expected
        assert place.sid("A") not in text
        resources: Any = PdfReader(io.BytesIO(r.content)).pages[0]["/Resources"]
        font = resources["/Font"]
        assert all("/FontFile2" in f.get_object()["/FontDescriptor"] for f in font.values())

        r = await api.get(f"{bulletin}.docx", headers=county)
        assert r.status_code == 200 and r.headers["content-type"] == DOCX_MEDIA_TYPE
        opened = open_docx(io.BytesIO(r.content))
        zones = {row.cells[1].text: row.cells[4].text for row in opened.tables[1].rows[1:]}
        assert zones == {"第一责任区": "100.0%", "第二责任区": "0.0%"}
        assert len(opened.inline_shapes) == 4  # coverage, trend, problems, rectification

        r = await api.get(f"{report}.docx", headers=county)
        assert r.status_code == 200, r.text
        paragraphs = "".join(p.text for p in open_docx(io.BytesIO(r.content)).paragraphs)
        assert "第一责任区督导工作月报告" in paragraphs and "所属县区：测试县" in paragraphs
        r = await api.get(f"{report}.pdf", headers=county)
        assert "覆盖率100.0%" in pdf_text(r.content)

        # scoping and bad input, as for every reporting read
        assert (await api.get(f"{bulletin}.pdf", headers=other)).status_code == 403
        assert (await api.get(f"{report}.docx", headers=other)).status_code == 403
        unknown = "/reports/units/county/000001/bulletin/2026-09.pdf"
        assert (await api.get(unknown, headers=county)).status_code == 404
        bad_month = f"/reports/units/county/{place.county}/bulletin/2026-13.pdf"
        assert (await api.get(bad_month, headers=county)).status_code == 422
        bad_format = f"/reports/units/county/{place.county}/bulletin/2026-09.odt"
        assert (await api.get(bad_format, headers=county)).status_code == 422
        # the published-report routes beside them still answer
        r = await api.get(f"/reports/units/zone/{place.zone('Z1')}/monthly/2026-09", headers=county)
        assert r.status_code == 200 and r.json()["versions"] == []
