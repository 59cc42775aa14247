"""A county's autumn (tests/reporting_scenario.py) published to Kafka as the services'
outbox relays publish it, read back over HTTP by the county, its city and its province
with the numbers worked out by hand; then a rebuild from offset 0 gives the same
answers, byte for byte."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

from openpyxl import load_workbook

import shared.contracts  # noqa: F401
from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.exports import XLSX_MEDIA_TYPE
from shared.kafka import make_producer
from tests.conftest import Infra, Mint, eventually, serve
from tests.reporting_scenario import Place, autumn

AUTUMN = {"from": "2026-09", "to": "2026-10"}


def new_place() -> Place:
    """Codes no other test uses, so the city and the province hold this county alone."""
    n = random.randint(10000, 99999)
    return Place(province=f"9{n}", city=f"8{n}", county=f"7{n}")


async def publish(infra: Infra, events: list[EventEnvelope]) -> dict[str, int]:
    """Publish ``events``; the positions after them, ``{"topic:partition": offset + 1}``."""
    producer = make_producer(infra.kafka, client_id="test-rollups")
    await producer.start()
    written: dict[str, int] = {}
    try:
        for event in events:
            sent = await producer.send_and_wait(
                infra.topic_prefix + registry.topic_for(event.event_type),
                value=event.to_bytes(),
                key=event.partition_key.encode(),
                headers=event.kafka_headers(),
            )
            key = f"{sent.topic}:{sent.partition}"
            written[key] = max(written.get(key, 0), sent.offset + 1)
    finally:
        await producer.stop()
    return written


async def test_a_county_shows_up_in_its_city_and_province(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    city = auth_header(Role.city_office, province=place.province, city=place.city)
    province = auth_header(Role.province_office, province=place.province)
    other = auth_header(Role.county_office, province=place.province, city=place.city, county="1")

    # its own topics: the scenario's inspector (insp-1) is in every place, and the
    # inspector figures count every visit of insp-1 on the topics the service reads
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}rol{uuid4().hex[:8]}.")
    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        await publish(infra, autumn(place))  # the service has made the topics

        async def rollup(level: str, code: str, who: dict[str, str]) -> dict[str, Any]:
            r = await api.get(f"/reports/units/{level}/{code}", params=AUTUMN, headers=who)
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def settled() -> bool:
            # A flush writes its documents in chunks, in _id order, so readers may see one
            # half-written: wait for the zones (written last) to hold every event.
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            if r.status_code != 200:
                return False
            zones = [child["figures"] for child in r.json()["children"]]
            done = {
                "issues_closed": 3,
                "complaints_answered": 2,
                "visits": 4,
                "self_inspections_filed": 3,
            }
            return all(sum(z[k] for z in zones) == v for k, v in done.items())

        await eventually(settled, within=60)
        views = {
            "county": await rollup("county", place.county, county),
            "city": await rollup("city", place.city, city),
            "province": await rollup("province", place.province, province),
        }
        for level, view in views.items():
            f = view["figures"]
            assert (f["schools"], f["schools_visited"], f["coverage"]) == (3, 3, 1.0), level
            assert f["frequency_compliance"] == round(1 / 3, 4), level
            assert f["visits_by_kind"] == {"routine": 3, "special": 1}, level
            assert (f["issues_opened"], f["issues_reopened"], f["issues_closed"]) == (3, 1, 3)
            assert (f["issues_closed_late"], f["issues_became_overdue"]) == (1, 1), level
            assert f["issues_open_at_end"] == 1, level
            assert f["rectification_rate"] == 0.75, level
            assert (f["median_days_to_close"], f["p90_days_to_close"]) == (30, 45), level
            assert (f["complaints_received"], f["substantiation_rate"]) == (2, 0.5), level
            assert (f["self_inspections_due"], f["self_inspections_filed"]) == (6, 3), level
            assert f["self_inspection_filing_rate"] == 0.5, level
            campaign = {"visits": 1, "schools_visited": 1}
            assert f["campaigns"] == {f"camp-{place.county}": campaign}, level
        # drill-down: province → city → county → zones
        assert [c["unit"]["code"] for c in views["province"]["children"]] == [place.city]
        assert [c["unit"]["code"] for c in views["city"]["children"]] == [place.county]
        assert (views["city"]["name"], views["city"]["children"][0]["name"]) == ("测试市", "测试县")
        zones = {c["unit"]["code"]: c["figures"] for c in views["county"]["children"]}
        assert set(zones) == {place.zone("Z1"), place.zone("Z2")}
        assert zones[place.zone("Z1")]["frequency_compliance"] == 0.5
        assert zones[place.zone("Z2")]["issues_opened"] == 0

        # as of a past day: before I2 was closed it was open and overdue
        r = await api.get(
            f"/reports/units/county/{place.county}/open-on",
            params={"on": "2026-10-09"},
            headers=county,
        )
        assert (r.json()["open_issues"], r.json()["overdue_open_issues"]) == (3, 1)

        # as known on a day inside October: I1's second closure (10-18) and Q2's answer
        # (10-20) were not recorded yet, so I1 shows open, in the county and above
        for level, code, who in (
            ("county", place.county, county),
            ("province", place.province, province),
        ):
            r = await api.get(
                f"/reports/units/{level}/{code}",
                params={"month": "2026-10", "known_on": "2026-10-15"},
                headers=who,
            )
            assert r.status_code == 200, r.text
            f = r.json()["figures"]
            assert (f["issues_closed"], f["issues_open_at_end"]) == (1, 2), level  # I1, I3 open
            assert (f["complaints_answered"], f["visits"]) == (1, 2), level
        r = await api.get(
            f"/reports/units/county/{place.county}",
            params={"month": "2026-10", "known_on": "2026-10-18"},
            headers=county,
        )
        f = r.json()["figures"]
        assert (f["issues_closed"], f["issues_open_at_end"]) == (2, 1)  # I1 closed that day

        # the school card, seen by its principal
        principal = auth_header(Role.principal, **place.school("A").model_dump(exclude_none=True))
        card = await rollup("school", place.sid("A"), principal)
        assert [m["month"] for m in card["months"]] == ["2026-09", "2026-10"]
        assert card["months"][1]["last_visit_on"] == "2026-10-05"

        # behind a figure: the zone's visits, paged, and a school's closures with their state
        z1 = place.zone("Z1")
        behind_z1 = f"/reports/units/zone/{z1}/behind/visits"
        r = await api.get(behind_z1, params={**AUTUMN, "limit": 2}, headers=county)
        assert r.status_code == 200, r.text
        page = r.json()
        assert (page["total"], page["offset"], page["limit"]) == (3, 0, 2)
        assert [(i["day"], i["school_name"], i["label"]) for i in page["items"]] == [
            ("2026-09-03", "学校A", "经常性督导"),
            ("2026-09-10", "学校B", "经常性督导"),
        ]
        r = await api.get(behind_z1, params={**AUTUMN, "offset": 2}, headers=county)
        assert [i["day"] for i in r.json()["items"]] == ["2026-10-05"]
        r = await api.get(
            f"/reports/units/school/{place.sid('B')}/behind/issues_closed",
            params=AUTUMN,
            headers=county,
        )
        (closed,) = r.json()["items"]
        assert (closed["id"], closed["kind"], closed["status_label"]) == (
            f"issue-{place.county}-I2",
            "late",
            "已销号",
        )
        r = await api.get(
            f"/reports/units/school/{place.sid('D')}/behind/complaints",
            params=AUTUMN,
            headers=county,
        )
        assert [(i["day"], i["status"]) for i in r.json()["items"]] == [("2026-09-20", "answered")]
        integrator = auth_header(Role.integrator, province=place.province, city=place.city)
        r = await api.get(behind_z1, params=AUTUMN, headers=integrator)
        assert r.status_code == 403
        r = await api.get(behind_z1, params=AUTUMN, headers=other)
        assert r.status_code == 403
        r = await api.get(
            f"/reports/units/county/{place.county}/behind/visits", params=AUTUMN, headers=county
        )
        assert r.status_code == 422

        # scoping and bad input
        r = await api.get(f"/reports/units/county/{place.county}", params=AUTUMN, headers=other)
        assert r.status_code == 403
        r = await api.get(
            f"/reports/units/school/{place.sid('B')}", params=AUTUMN, headers=principal
        )
        assert r.status_code == 403
        r = await api.get("/reports/units/county/000001", params=AUTUMN, headers=province)
        assert r.status_code == 404
        too_long = {"from": "2025-01", "to": "2026-10"}
        r = await api.get(f"/reports/units/county/{place.county}", params=too_long, headers=county)
        assert r.status_code == 422 and "query.to" in r.text

        # CSV of the county's zones
        r = await api.get(
            f"/reports/units/county/{place.county}/children.csv", params=AUTUMN, headers=county
        )
        assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["单位", "名称", "学校数", "到校学校数"]
        assert rows[0][-4:] == ["自查报告应报", "自查报告已报", "自查报送率", "按时报送率"]
        by_zone = {row[0]: row for row in rows[1:]}
        assert set(by_zone) == {place.zone("Z1"), place.zone("Z2")}
        z1_row = ["2", "2", "1.0", "1", "0.5", "3", "3", "3", "1", "0.75", "30", "45", "1", "0.0"]
        assert by_zone[place.zone("Z1")][1:] == ["第一责任区", *z1_row, "4", "3", "0.75", "0.5"]
        # Z2 has no issue: its rate and days to close are empty cells
        z2_row = ["1", "1", "1.0", "0", "0.0", "1", "0", "0", "0", "", "", "", "1", "1.0"]
        z2 = ["第二责任区", *z2_row, "2", "0", "0.0", "0.0"]
        assert by_zone[place.zone("Z2")][1:] == z2

        # the same table as XLSX: numbers as numbers, empty figures as empty cells
        r = await api.get(
            f"/reports/units/county/{place.county}/children.xlsx", params=AUTUMN, headers=county
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
        sheet = load_workbook(io.BytesIO(r.content))["下级单位统计"]
        cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert cells[0] == rows[0]
        by_zone_xlsx = {row[0]: row[1:] for row in cells[1:]}
        z1_numbers = [2, 2, 1.0, 1, 0.5, 3, 3, 3, 1, 0.75, 30, 45, 1, 0.0, 4, 3, 0.75, 0.5]
        assert by_zone_xlsx[place.zone("Z1")] == ["第一责任区", *z1_numbers]
        z2_numbers = [1, 1, 1.0, 0, 0.0, 1, 0, 0, 0, None, None, None, 1, 1.0, 2, 0, 0.0, 0.0]
        z2_xlsx = ["第二责任区", *z2_numbers]
        assert by_zone_xlsx[place.zone("Z2")] == z2_xlsx

        # the listed inspector's own figures: 2 visits in each month, short of 4
        me = auth_header(
            Role.inspector,
            user_id="insp-1",
            **place.school("A").model_dump(include={"province", "city", "county"}),
        )

        async def my_figures() -> dict[str, Any] | None:
            r = await api.get("/reports/inspectors/insp-1", params=AUTUMN, headers=me)
            return r.json() if r.status_code == 200 and r.json()["visits"] == 4 else None

        mine = await eventually(my_figures, within=60)
        assert [(m["visits"], m["meets"]) for m in mine["months"]] == [(2, False), (2, False)]
        assert [m["days_on_site"] for m in mine["months"]] == [2, 2]  # one school a day
        assert mine["days_on_site"] == 4
        assert mine["listed_schools"] == sorted(place.sid(x) for x in "ABD")
        assert mine["listed_schools_not_visited"] == []
        assert (mine["problems_found"], mine["issues_verified"]) == (3, 3)
        r = await api.get("/reports/inspectors/insp-1", params=AUTUMN, headers=other)
        assert r.status_code == 403
        r = await api.get("/reports/inspectors/nobody", params=AUTUMN, headers=county)
        assert r.status_code == 404

        # a rebuild from offset 0 reproduces every answer exactly
        admin = auth_header(Role.province_office, province=place.province)
        r = await api.post("/admin/projections/reporting_rollups/rebuild", headers=admin)
        assert r.status_code == 200 and r.json()["active_generation"] == 2, r.text
        rebuilt = {
            "county": await rollup("county", place.county, county),
            "city": await rollup("city", place.city, city),
            "province": await rollup("province", place.province, province),
        }
        assert rebuilt == views
        r = await api.get(behind_z1, params={**AUTUMN, "limit": 2}, headers=county)
        assert r.json() == page  # the rows behind a figure are rebuilt alike
