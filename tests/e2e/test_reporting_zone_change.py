"""A school that moves to another zone mid-month (tests/unit/test_rollup_zone_change.py,
worked by hand): its events published to Kafka as the outbox relays publish them, the
zones', the county's and the drill-down's answers read over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import uuid4

from services.reporting.bootstrap import create_app
from services.reporting.settings import ReportingSettings
from shared.auth import Role
from tests.conftest import Infra, Mint, eventually, serve
from tests.e2e.test_reporting_rollups import new_place, publish
from tests.unit.test_rollup_zone_change import hand_worked

AUTUMN = {"from": "2026-09", "to": "2026-10"}
OCT = {"month": "2026-10"}


async def test_a_school_moved_mid_month_counts_once_in_its_new_zone(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    place = new_place()
    county = auth_header(
        Role.county_office, province=place.province, city=place.city, county=place.county
    )
    z1, z2 = place.zone("Z1"), place.zone("Z2")
    infra = replace(infra, topic_prefix=f"{infra.topic_prefix}zon{uuid4().hex[:8]}.")
    settings = settings_for(ReportingSettings, kafka_topic_prefix=infra.topic_prefix)
    async with serve(create_app(settings)) as api:
        events = hand_worked(place)
        moved = next(i for i, e in enumerate(events) if e.event_type.endswith("zone_changed"))

        async def counted(visits: int) -> bool:
            r = await api.get(
                f"/reports/units/county/{place.county}", params=AUTUMN, headers=county
            )
            return r.status_code == 200 and r.json()["figures"]["visits"] == visits

        # the directory and the visits are two topics: as in the service's life, the move
        # is read after the visits before it, the visits after it after it (docs/reporting.md)
        async def in_new_zone() -> bool:
            r = await api.get(f"/reports/units/zone/{z2}", params=OCT, headers=county)
            return r.status_code == 200 and r.json()["figures"]["schools"] == 2

        await publish(infra, events[:moved])
        await eventually(lambda: counted(4), within=60)
        await publish(infra, events[moved : moved + 1])
        await eventually(in_new_zone, within=60)
        await publish(infra, events[moved + 1 :])

        async def read(level: str, code: str, params: dict[str, str]) -> dict[str, Any]:
            r = await api.get(f"/reports/units/{level}/{code}", params=params, headers=county)
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def settled() -> bool:
            r = await api.get(f"/reports/units/zone/{z2}", params=AUTUMN, headers=county)
            if r.status_code != 200:
                return False
            f = r.json()["figures"]
            return bool(f["visits"] == 2 and f["schools"] == 2)  # the move and A's last visit

        await eventually(settled, within=60)
        whole = await read("county", place.county, AUTUMN)
        f = whole["figures"]
        assert (f["schools"], f["schools_visited"], f["coverage"], f["visits"]) == (3, 3, 1.0, 5)
        zones = {c["unit"]["code"]: c["figures"] for c in whole["children"]}
        assert (zones[z1]["schools"], zones[z1]["schools_visited"]) == (1, 1)
        assert (zones[z2]["schools"], zones[z2]["schools_visited"]) == (2, 2)
        for figure in ("schools", "schools_visited", "visits"):
            assert zones[z1][figure] + zones[z2][figure] == f[figure], figure

        october = {z: (await read("zone", z, OCT))["figures"] for z in (z1, z2)}
        assert (october[z1]["schools"], october[z1]["coverage"], october[z1]["visits"]) == (
            1,
            0.0,
            1,
        )
        assert (october[z2]["schools"], october[z2]["coverage"], october[z2]["visits"]) == (
            2,
            1.0,
            2,
        )
        september = (await read("zone", z1, {"month": "2026-09"}))["figures"]
        assert (september["schools"], september["coverage"]) == (2, 1.0)

        # the drill-down lists A under its new zone only
        new_zone = await read("zone", z2, OCT)
        assert sorted(c["unit"]["code"] for c in new_zone["children"]) == [
            place.sid("A"),
            place.sid("D"),
        ]
        old_zone = await read("zone", z1, OCT)
        assert [c["unit"]["code"] for c in old_zone["children"]] == [place.sid("B")]

        # the rows behind a figure stay where the visits were made
        r = await api.get(f"/reports/units/zone/{z1}/behind/visits", params=AUTUMN, headers=county)
        assert [(i["day"], i["school_id"]) for i in r.json()["items"]] == [
            ("2026-09-03", place.sid("A")),
            ("2026-09-10", place.sid("B")),
            ("2026-10-05", place.sid("A")),
        ]
        r = await api.get(
            f"/reports/units/school/{place.sid('A')}/behind/visits", params=AUTUMN, headers=county
        )
        assert r.status_code == 200, r.text
        assert [i["day"] for i in r.json()["items"]] == ["2026-09-03", "2026-10-05", "2026-10-20"]

        # as known before the move was recorded, A was still in its old zone
        before = (await read("zone", z1, {**OCT, "known_on": "2026-10-14"}))["figures"]
        assert (before["schools"], before["schools_visited"]) == (2, 1)
