"""Every roll-up table as CSV and XLSX through Kafka and HTTP (the county autumn of
tests/reporting_scenario.py): a school card's months, an inspector's months, the rows
behind a figure and an assessment ranking; each XLSX opens with openpyxl with the cells
worked out by hand, each CSV parses back to the same table; scoped like the JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

import httpx
from openpyxl import load_workbook

from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from shared.exports import XLSX_MEDIA_TYPE
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_assessments import V1, by_hand
from tests.e2e.test_reporting_rollups import new_place, publish
from tests.reporting_scenario import autumn

AUTUMN = {"from": "2026-09", "to": "2026-10"}


async def both(api: httpx.AsyncClient, path: str, who: dict[str, str]) -> list[list[Any]]:
    """The table as XLSX cells, after checking that its CSV says the same."""
    r = await api.get(f"{path}.xlsx", params=AUTUMN, headers=who)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
    assert "attachment" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    cells = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    r = await api.get(f"{path}.csv", params=AUTUMN, headers=who)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode()), r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [[_read(v) for v in row] for row in rows] == cells
    return cells


def _read(cell: str) -> Any:
    """A CSV cell as the workbook holds it: a number as a number, empty as ``None``
    (openpyxl reads a whole float such as 1.0 back as 1; equal either way)."""
    if cell == "":
        return None
    try:
        return float(cell) if "." in cell else int(cell)
    except ValueError:
        return cell


async def test_every_table_downloads_as_csv_and_xlsx(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    # its own topics: the scenario's inspector (insp-1) is in every place
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}exp{uuid4().hex[:8]}.")
    place = new_place()
    a, b, d = (place.sid(s) for s in "ABD")
    z1 = place.zone("Z1")
    province = auth_header(Role.province_office, province=place.province)
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    other = auth_header(Role.county_office, province=place.province, city=place.city, county="1")
    integrator = auth_header(Role.integrator, province=place.province)

    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        await publish(infra, autumn(place))
        r = await api.put(
            "/reports/assessments/formulas/school", json=V1, headers={**province, "If-Match": '"0"'}
        )
        assert r.status_code == 200, r.text

        async def settled() -> bool:
            r = await api.get("/reports/assessments/school/rankings", params=AUTUMN, headers=county)
            if r.status_code == 404:  # the county's first roll-up documents are not in yet
                return False
            found = {row["code"]: row["indicators"] for row in r.json()["rows"]}
            r = await api.get("/reports/inspectors/insp-1", params=AUTUMN, headers=county)
            return found == by_hand(a, b, d) and r.is_success and r.json()["visits"] == 4

        await eventually(settled, within=60)

        # a school card's months
        cells = await both(api, f"/reports/units/school/{a}/months", county)
        assert cells == [
            [
                "月份",
                "经常性督导次数",
                "专项督导次数",
                "综合督导次数",
                "回访次数",
                "督导次数",
                "最近到校日期",
                "新增问题",
                "销号问题",
                "逾期问题",
                "举报投诉",
            ],
            ["2026-09", 1, 0, 0, 0, 1, "2026-09-03", 1, 1, 0, 0],
            ["2026-10", 1, 0, 0, 0, 1, "2026-10-05", 1, 1, 0, 0],
        ]

        # an inspector's months: 2 visits on 2 days each month, the rule asks 4
        cells = await both(api, "/reports/inspectors/insp-1/months", county)
        assert cells[0][:4] == ["月份", "督导次数", "到校天数", "是否达标"]
        assert [row[:4] for row in cells[1:]] == [
            ["2026-09", 2, 2, "否"],
            ["2026-10", 2, 2, "否"],
            ["合计", 4, 4, "达标 0 个月"],
        ]

        # the visits behind Z1's figure: the team visit of 09-03 is one row
        cells = await both(api, f"/reports/units/zone/{z1}/behind/visits", county)
        assert cells[0] == ["日期", "编号", "学校", "学校名称", "类别", "说明", "状态"]
        assert [(r[0], r[2], r[3], r[5]) for r in cells[1:]] == [
            ("2026-09-03", a, "学校A", "经常性督导"),
            ("2026-09-10", b, "学校B", "经常性督导"),
            ("2026-10-05", a, "学校A", "经常性督导"),
        ]

        # the schools ranked under version 1 (coverage 0.4, rectification 0.6)
        cells = await both(api, "/reports/assessments/school/rankings", county)
        assert cells == [
            ["排名", "代码", "名称", "得分", "督导覆盖率", "问题整改率", "缺项"],
            [1, b, "学校B", 1.0, 1.0, 1.0, None],
            [1, d, "学校D", 1.0, 1.0, None, "问题整改率"],
            [3, a, "学校A", 0.8, 1.0, 0.6667, None],
        ]

        # the children's table keeps its paths
        cells = await both(api, f"/reports/units/county/{place.county}/children", county)
        assert [row[:3] for row in cells[1:]] == [
            [z1, "第一责任区", 2],
            [place.zone("Z2"), "第二责任区", 1],
        ]

        # scoped like the JSON routes
        for path in (
            f"/reports/units/school/{a}/months.csv",
            "/reports/inspectors/insp-1/months.xlsx",
            f"/reports/units/zone/{z1}/behind/visits.csv",
            f"/reports/units/county/{place.county}/children.xlsx",
        ):
            r = await api.get(path, params=AUTUMN, headers=other)
            assert r.status_code == 403, (path, r.text)
        r = await api.get(
            f"/reports/units/zone/{z1}/behind/visits.csv", params=AUTUMN, headers=integrator
        )
        assert r.status_code == 403
        r = await api.get(
            f"/reports/units/school/{a}/months.csv", params=AUTUMN, headers=integrator
        )
        assert r.status_code == 403
        r = await api.get("/reports/units/school/nobody/months.csv", params=AUTUMN, headers=county)
        assert r.status_code == 404
        r = await api.get("/reports/inspectors/nobody/months.csv", params=AUTUMN, headers=county)
        assert r.status_code == 404
        r = await api.get(f"/reports/units/school/{a}/months.ods", params=AUTUMN, headers=county)
        assert r.status_code == 422
        r = await api.get(
            f"/reports/units/zone/{z1}/behind/speed.csv", params=AUTUMN, headers=county
        )
        assert r.status_code == 422
        too_long = {"from": "2025-01", "to": "2026-10"}
        r = await api.get(f"/reports/units/school/{a}/months.csv", params=too_long, headers=county)
        assert r.status_code == 422 and "query.to" in r.text
        r = await api.get(
            "/reports/assessments/school/rankings.csv",
            params={**AUTUMN, "within": f"county:{place.county}"},
            headers=other,
        )
        assert r.status_code == 403
