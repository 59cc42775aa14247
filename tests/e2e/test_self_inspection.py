"""Monthly self-inspection end to end: schools file, the zone consolidates weekly, tracked
problems become rectification issues — through HTTP against the real Kafka and MongoDB-wire
server, with the visits app (roster import → directory events) and the issues app.

The issues service's clock is the test's: it moves from the 3rd to the 7th of December 2026
(the November reports are due on the 5th), never by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from services.issues.bootstrap import create_app as create_issues
from services.issues.rectification.service import UnknownIssue, issue_id_for
from services.issues.settings import IssuesSettings
from services.visits.bootstrap import create_app as create_visits
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.contracts.issues import IssueSource
from shared.contracts.visits import Severity
from tests.conftest import Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.rosters import roster_xlsx, upload


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in China

    def set(self, day: int, hour_utc: int = 2) -> None:
        self.now = datetime(2026, 12, day, hour_utc, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _problem(
    item: str, text: str, planned: str = "2026-12-20", hazard: bool = False
) -> dict[str, Any]:
    return {
        "item_code": item,
        "description": text,
        "measures": "已制定整改措施，落实到人",
        "planned_completion_on": planned,
        "safety_hazard": hazard,
    }


async def _issue(app: Any, issue_id: str) -> Any:
    """The issue once it exists (the request opens it; the tracker reactor would too)."""
    try:
        return await app.state.issues.load(issue_id)
    except UnknownIssue:
        return None


def _fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    return [e["field"] for e in r.json()["errors"]]


async def test_schools_file_and_the_zone_consolidates_weekly(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    county = new_county()
    zone, other_zone = f"{county}-z1", f"{county}-z2"

    def user(user_id: str, *roles: Role, **deeper: str) -> dict[str, str]:
        return auth_header(
            *roles, user_id=user_id, province=PROVINCE, city=CITY, county=county, **deeper
        )

    def principal(n: int) -> dict[str, str]:
        z = zone if n <= 5 else other_zone
        return user(f"principal-{county}-{n}", Role.principal, zone=z, school=f"{county}-s{n}")

    office = user(f"office-{county}", Role.county_office)
    leader = user(f"{county}-insp-1", Role.inspector, Role.zone_leader)  # leads z1, listed s1–s3
    listed_in_zone = user(f"{county}-insp-2", Role.inspector)  # listed s4–s6
    other_leader = user(f"{county}-insp-3", Role.inspector, Role.zone_leader)  # leads z2
    clock = Clock()
    issues_app = create_issues(settings_for(IssuesSettings))

    async with (
        serve(create_visits(settings_for(VisitsSettings))) as visits,
        serve(issues_app) as api,
    ):
        issues_app.state.runtime.clock = clock
        r = await visits.post(
            f"/directory/imports?county={county}", files=upload(roster_xlsx(county)), headers=office
        )
        assert r.status_code == 201, r.text
        directory = issues_app.state.directory_lookup

        async def directory_ready() -> bool:
            last = await directory.school(f"{county}-s10")
            listed = await directory.listed_inspectors(f"{county}-s5", clock().date())
            return last is not None and bool(listed)

        await eventually(directory_ready)

        # ---- filing (the 3rd: on time) ---------------------------------------------
        s1, s2, s3 = (f"{county}-s{n}" for n in (1, 2, 3))
        report: dict[str, Any] = {
            "school_id": s1,
            "month": "2026-11",
            "problems": [
                _problem("safety", "教学楼消防栓压力不足", hazard=True),
                _problem("learning_load", "部分班级作业量偏大", planned="2026-12-31"),
            ],
            "note": "本月自查两项问题",
        }
        # another school's principal, an inspector: 403
        assert (
            await api.post("/self-inspections", json=report, headers=principal(2))
        ).status_code == 403
        assert (await api.post("/self-inspections", json=report, headers=leader)).status_code == 403
        # bad input: 422 naming the field
        bad_month = await api.post(
            "/self-inspections", json={**report, "month": "2026-13"}, headers=principal(1)
        )
        assert _fields(bad_month) == ["body.month"]
        future = await api.post(
            "/self-inspections", json={**report, "month": "2027-01"}, headers=principal(1)
        )
        assert _fields(future) == ["body.month"]
        bare = {**report, "problems": []}
        assert _fields(await api.post("/self-inspections", json=bare, headers=principal(1))) == [
            "body.problems"
        ]
        bad_item = {**report, "problems": [{**_problem("x", "问题描述"), "item_code": "gym"}]}
        assert _fields(
            await api.post("/self-inspections", json=bad_item, headers=principal(1))
        ) == ["body.problems.0.item_code"]
        past = {**report, "problems": [_problem("safety", "问题描述", planned="2026-10-01")]}
        assert _fields(await api.post("/self-inspections", json=past, headers=principal(1))) == [
            "body.problems.0.planned_completion_on"
        ]
        ghost = user(f"principal-{county}-ghost", Role.principal, school=f"{county}-s99")
        unknown = await api.post(
            "/self-inspections", json={**report, "school_id": f"{county}-s99"}, headers=ghost
        )
        assert _fields(unknown) == ["body.school_id"]

        r = await api.post("/self-inspections", json=report, headers=principal(1))
        assert r.status_code == 201, r.text
        filed = r.json()
        assert filed["report_id"] == f"{s1}-2026-11" and filed["late"] is False
        assert filed["deadline"] == "2026-12-05" and filed["problem_nos"] == [1, 2]
        again = await api.post("/self-inspections", json=report, headers=principal(1))
        assert again.status_code == 409 and "已报送" in again.json()["message"]
        none_found = {"school_id": s3, "month": "2026-11", "no_problems": True}
        assert (
            await api.post("/self-inspections", json=none_found, headers=principal(3))
        ).status_code == 201

        # a revision: stale If-Match 412, then a new event (a third problem, number 3)
        rid1 = filed["report_id"]
        revised = {
            "problems": [
                {**report["problems"][0], "problem_no": 1},
                {**report["problems"][1], "problem_no": 2},
                _problem("canteen_hygiene", "食堂留样记录不全"),
            ],
            "reason": "补报食堂问题",
        }
        stale = await api.post(
            f"/self-inspections/{rid1}/revisions",
            json=revised,
            headers={**principal(1), "If-Match": '"0"'},
        )
        assert stale.status_code == 412
        assert (
            await api.post(
                f"/self-inspections/{rid1}/revisions", json=revised, headers=principal(2)
            )
        ).status_code == 403
        r = await api.post(
            f"/self-inspections/{rid1}/revisions",
            json=revised,
            headers={**principal(1), "If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["revision"] == 2 and r.json()["problem_nos"] == [1, 2, 3]
        assert (
            await api.post(
                f"/self-inspections/{county}-s4-2026-11/revisions",
                json=revised,
                headers=principal(4),
            )
        ).status_code == 404

        # ---- the 6th: school 2 files late; schools 4 and 5 never do ------------------
        clock.set(6)
        late = {
            "school_id": s2,
            "month": "2026-11",
            "problems": [_problem("ethos", "校风建设台账缺失")],
        }
        r = await api.post("/self-inspections", json=late, headers=principal(2))
        assert r.status_code == 201 and r.json()["late"] is True

        # ---- the 7th: the weekly consolidation of 2026-W49 (Nov 30 – Dec 6) -----------
        clock.set(7)
        week_url = f"/zones/{zone}/self-inspections?week=2026-W49"

        async def consolidated_view() -> dict[str, Any] | None:
            """The week once it shows what is read next: both filings, the late one, and
            school 1's report at its second revision (the revision is projected apart
            from the filing, so counts alone may show revision 1's two problems)."""
            r = await api.get(week_url, headers=leader)
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            rows = {(row["school_id"], row["month"]): row for row in body["schools"]}
            first = rows.get((s1, "2026-11"), {})
            complete = body["counts"]["filed"] == 2 and body["counts"]["late"] == 1
            return body if complete and first.get("revision") == 2 else None

        view = await eventually(consolidated_view)
        assert view["months"] == ["2026-11", "2026-12"]
        assert view["counts"] == {"filed": 2, "late": 1, "missing": 2, "not_due": 5}
        november = {row["school_id"]: row for row in view["schools"] if row["month"] == "2026-11"}
        assert {s: row["status"] for s, row in november.items()} == {
            s1: "filed",
            s2: "late",
            s3: "filed",
            f"{county}-s4": "missing",
            f"{county}-s5": "missing",
        }
        assert november[s1]["problem_count"] == 3 and november[s1]["safety_hazards"] == 1
        assert november[s3]["no_problems"] is True
        assert view["problems"] == 4 and view["safety_hazards"] == 1
        assert view["problems_by_item"] == {
            "canteen_hygiene": 1,
            "ethos": 1,
            "learning_load": 1,
            "safety": 1,
        }
        assert view["consolidation"] is None
        # an inspector listed in the zone reads it; another zone's leader, a principal: 403
        assert (await api.get(week_url, headers=listed_in_zone)).status_code == 200
        assert (await api.get(week_url, headers=other_leader)).status_code == 403
        assert (await api.get(week_url, headers=principal(1))).status_code == 403
        assert (
            await api.get(f"/zones/{county}-z9/self-inspections?week=2026-W49", headers=office)
        ).status_code == 404
        assert _fields(
            await api.get(f"/zones/{zone}/self-inspections?week=2026-W60", headers=leader)
        ) == ["query.week"]
        short_year = await api.get(f"/zones/{zone}/self-inspections?week=2027-W53", headers=leader)
        assert _fields(short_year) == ["query.week"]

        consolidation = {
            "week": "2026-W49",
            "note": "本周自查汇总",
            "track": [{"report_id": rid1, "problem_no": 1}],
        }
        url = f"/zones/{zone}/self-inspection-consolidations"
        assert (await api.post(url, json=consolidation, headers=other_leader)).status_code == 403
        assert (await api.post(url, json=consolidation, headers=listed_in_zone)).status_code == 403
        foreign_office = auth_header(
            Role.county_office, province=PROVINCE, city=CITY, county=new_county()
        )
        assert (await api.post(url, json=consolidation, headers=foreign_office)).status_code == 403
        wrong = {**consolidation, "track": [{"report_id": rid1, "problem_no": 9}]}
        assert _fields(await api.post(url, json=wrong, headers=leader)) == [
            "body.track.0.problem_no"
        ]
        outside = {
            **consolidation,
            "track": [{"report_id": f"{county}-s4-2026-11", "problem_no": 1}],
        }
        assert _fields(await api.post(url, json=outside, headers=leader)) == [
            "body.track.0.report_id"
        ]

        r = await api.post(url, json=consolidation, headers=leader)
        assert r.status_code == 201, r.text
        recorded = r.json()
        issue_id = issue_id_for("self_inspection", rid1, "1")
        assert recorded["tracked"] == [issue_id] and recorded["reports"] == 3
        assert {
            (u["school_id"], u["status"]) for u in recorded["unfiled"] if u["month"] == "2026-11"
        } == {
            (f"{county}-s4", "missing"),
            (f"{county}-s5", "missing"),
        }
        issue = await eventually(lambda: _issue(issues_app, issue_id))
        assert issue.state.source == IssueSource.self_inspection
        assert issue.state.school_id == s1 and issue.state.severity == Severity.major
        assert issue.state.responsible_inspector_id == f"{county}-insp-1"
        assert issue.state.deadline.isoformat() == "2026-12-20"
        assert issue.jurisdiction.school == s1 and issue.version == 1
        # its timeline leads back to the school's report
        timeline = await api.get(f"/issues/{issue_id}/timeline", headers=leader)
        assert timeline.status_code == 200, timeline.text
        cause = timeline.json()["cause"]
        assert cause["kind"] == "self_inspection" and cause["ref"] == rid1
        assert cause["origin"][0]["event"] == "self_inspection_filed"

        # the week is consolidated once; an amendment needs a reason
        repeat = await api.post(url, json=consolidation, headers=leader)
        assert repeat.status_code == 409 and "补充汇总" in repeat.json()["message"]
        assert _fields(
            await api.post(url, json={**consolidation, "amendment": True}, headers=leader)
        ) == ["body.reason"]
        amend = {
            "week": "2026-W49",
            "amendment": True,
            "reason": "增加跟踪学校2的问题",
            "track": [
                {"report_id": rid1, "problem_no": 1},
                {"report_id": f"{s2}-2026-11", "problem_no": 1},
            ],
        }
        r = await api.post(url, json=amend, headers={**office, "If-Match": '"1"'})
        assert r.status_code == 201, r.text
        assert r.json()["amendment"] == 1 and r.json()["tracked"] == [
            issue_id_for("self_inspection", f"{s2}-2026-11", "1")
        ]
        assert (await issues_app.state.issues.load(issue_id)).version == 1  # opened once

        # a tracked problem can no longer be dropped from the report
        drop = {"problems": [{**report["problems"][1], "problem_no": 2}], "reason": "删除问题"}
        r = await api.post(f"/self-inspections/{rid1}/revisions", json=drop, headers=principal(1))
        assert r.status_code == 409 and "跟踪整改" in r.json()["message"]

        # ---- queries ------------------------------------------------------------------
        async def tracked_report() -> dict[str, Any] | None:
            r = await api.get(f"/self-inspections/{rid1}", headers=principal(1))
            body: dict[str, Any] = r.json()
            return body if r.status_code == 200 and body["tracked"] else None

        doc = await eventually(tracked_report)
        assert [h["event"] for h in doc["history"]] == ["filed", "revised"]
        assert doc["tracked"][0]["issue_id"] == issue_id and doc["status"] == "filed"
        assert (await api.get(f"/self-inspections/{rid1}", headers=principal(2))).status_code == 403
        assert (
            await api.get(f"/self-inspections/{county}-s4-2026-11", headers=office)
        ).status_code == 404
        r = await api.get(
            f"/self-inspections?county={county}&month=2026-11&status=late", headers=office
        )
        assert r.status_code == 200 and [d["school_id"] for d in r.json()["items"]] == [s2]
        mine = await api.get("/self-inspections", headers=principal(1))
        assert [d["report_id"] for d in mine.json()["items"]] == [rid1]
        assert (
            await api.get(f"/self-inspections?county={new_county()}", headers=office)
        ).status_code == 403
        assert (await api.get("/self-inspections?status=lost", headers=office)).status_code == 422

        async def view_has_consolidation() -> bool:
            r = await api.get(week_url, headers=office)
            c = r.json()["consolidation"]
            return c is not None and c["amendments"] == 1 and len(c["tracked"]) == 2

        await eventually(view_has_consolidation)
