"""Issue 4's acceptance, end to end through HTTP and Kafka, against the real servers.

The visits service and the issues service run side by side (each its own database),
talking only through the Kafka topics. A visit finds two problems, one major; the
principal signs the feedback list; the issues service opens two issues on its own.
The major one is rectified (plan, progress with evidence, verification) and closed; the
other goes overdue when the issues service's clock passes its deadline, is extended,
goes overdue again, is escalated to the county's housing bureau, answered, and closed.
Then the opener replays the visits topic from the beginning: no duplicate issue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.auth import Role
from tests.conftest import Mint, eventually, ok
from tests.factories import PROVINCE, china_time, days_ahead, today
from tests.platforms import imported_county
from tests.visit_driver import Platform, acknowledged_visit, issues_of, problem


class MovableClock:
    """The issues service's clock, moved by the test (never by sleeping)."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso)


@dataclass
class Both(Platform):
    issues: httpx.AsyncClient
    issues_app: Any
    clock: MovableClock


@pytest.fixture
async def both(settings_for: Callable[..., Any], auth_header: Mint) -> AsyncIterator[Both]:
    clock = MovableClock()

    def set_clock(app: FastAPI) -> None:
        app.state.runtime.clock = clock

    started = imported_county(settings_for, auth_header, set_clock)
    async with started as (code, visits, issues, app):
        yield Both(visits, code, auth_header, issues, app, clock)


async def _doc(p: Both, issue_id: str, **expect: Any) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        r = await p.issues.get(f"/issues/{issue_id}", headers=p.office)
        doc: dict[str, Any] = r.json()
        if not all(doc.get(k) == v for k, v in expect.items()):
            return None
        assert r.headers["ETag"] == f'"{doc["version"]}"'  # for the next If-Match
        return doc

    found: dict[str, Any] = await eventually(reached)
    return found


async def _post(p: Both, path: str, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = await ok(await p.issues.post(path, json=body, headers=who))
    return answer


async def _sweep(p: Both) -> list[str]:
    operator = p.mint(Role.admin, user_id="ops", province=PROVINCE)
    body = await ok(await p.issues.post("/admin/overdue-sweep", headers=operator))
    marked: list[str] = body["issue_ids"]
    return marked


async def test_two_problems_become_two_issues_one_closed_one_overdue_escalated_resolved(
    both: Both,
) -> None:
    p = both
    # Every day is counted from the run's day (the services refuse past deadlines): the
    # general problem is due in 30 days; its extension runs 58 days past that.
    start = today()
    due, extended = days_ahead(30), days_ahead(88)
    vid, findings = await acknowledged_visit(
        p,
        school=1,
        inspector=1,
        problems=[
            problem("safety", "消防通道堵塞", severity="major", major_kind="safety_hazard"),
            problem("learning_load", "三年级作业量偏大", deadline=due),
        ],
    )
    issues = await issues_of(p.issues, p.office, vid, 2)
    by_finding = {doc["finding_id"]: doc for doc in issues}
    major, general = by_finding[findings[0]], by_finding[findings[1]]
    assert major["severity"] == "major" and major["safety"] is True
    assert major["responsible_inspector_id"] == p.inspector_id(1)
    assert general["item_code"] == "learning_load" and general["deadline"] == due
    assert {doc["stage"] for doc in issues} == {"open"}

    principal, insp = p.principal(1), p.inspector(1)
    mid, gid = major["issue_id"], general["issue_id"]

    # The timeline leads back to the visit finding that caused the issue.
    timeline = await ok(await p.issues.get(f"/issues/{mid}/timeline", headers=principal))
    assert timeline["cause"]["visit_id"] == vid
    assert timeline["cause"]["finding_id"] == findings[0]
    assert timeline["cause"]["caused_by_event"] is not None

    async def origin() -> list[str] | None:
        r = await p.issues.get(f"/issues/{mid}/timeline", headers=principal)
        steps = [entry["event"] for entry in r.json()["cause"]["origin"]]
        return steps if "feedback_acknowledged" in steps else None

    assert await eventually(origin) == [
        "visit_planned",
        "inspector_signed_in",
        "finding_recorded",
        "feedback_issued",
        "feedback_acknowledged",
    ]

    # The major problem: the county office issues a formal notice; the school signs for it.
    p.clock.set(china_time(start, 10))
    noticed_by = days_ahead(18)
    notice = await p.issues.post(
        f"/issues/{mid}/notice", json={"deadline": noticed_by}, headers=p.office
    )
    assert notice.status_code == 201, notice.text
    assert notice.json()["notice_no"].endswith(f"〔{start.year}〕1号")
    r = await p.issues.post(
        f"/issues/{gid}/notice", json={"deadline": noticed_by}, headers=p.office
    )
    assert r.status_code == 409  # not a major problem
    pdf = await p.issues.get(f"/issues/{mid}/notice.pdf", headers=principal)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    receipt = {"received_by": "王校长", "received_on": start.isoformat()}
    r = await p.issues.post(f"/issues/{mid}/notice/receipt", json=receipt, headers=principal)
    assert r.status_code == 201, r.text

    async def received() -> dict[str, Any] | None:
        doc = await _doc(p, mid, deadline=noticed_by)
        return doc if (doc["notice"] or {}).get("received_by") else None

    noticed = await eventually(received)
    assert noticed["notice"]["received_by"] == "王校长"

    # Then plan, progress, verification, closed (销号).
    plan = {
        "steps": [{"description": "清理消防通道杂物", "owner": "总务处", "due_on": days_ahead(5)}],
        "timetable": False,
    }
    assert (await p.issues.post(f"/issues/{mid}/plan", json=plan, headers=insp)).status_code == 403
    await ok(await p.issues.post(f"/issues/{mid}/plan", json=plan, headers=principal))
    r = await p.issues.post(
        f"/issues/{mid}/progress", json={"note": "已清理完毕", "extra": 1}, headers=principal
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.extra"
    photo = b"\x89PNG\r\n\x1a\n" + b"\x01" * 2048
    upload_form = {"school_id": p.school(1), "issue_id": mid, "sha256": sha256(photo).hexdigest()}
    stored = await ok(
        await p.issues.post(
            "/evidence",
            data=upload_form,
            files={"file": ("通道已清理.png", photo, "image/png")},
            headers=principal,
        ),
        201,
    )
    ref = {k: stored[k] for k in ("evidence_id", "sha256", "size", "media_type")}
    forged = {**ref, "size": ref["size"] + 1}
    r = await p.issues.post(
        f"/issues/{mid}/progress", json={"note": "已清理", "evidence": [forged]}, headers=principal
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.evidence.0"
    await _post(p, f"/issues/{mid}/progress", {"note": "已清理完毕", "evidence": [ref]}, principal)
    done = await ok(
        await p.issues.post(
            f"/issues/{mid}/submission", json={"note": "申请验收"}, headers=principal
        )
    )
    stale = await p.issues.post(
        f"/issues/{mid}/verification",
        json={"note": "回访核实"},
        headers={**insp, "If-Match": f'"{done["version"] - 1}"'},
    )
    assert stale.status_code == 412
    outsider = p.inspector(3)  # listed at schools 7–9, not the school's zone leader
    r = await p.issues.post(
        f"/issues/{mid}/verification", json={"note": "回访核实"}, headers=outsider
    )
    assert r.status_code == 403
    await ok(
        await p.issues.post(
            f"/issues/{mid}/verification",
            json={"note": "回访核实，通道畅通"},
            headers={**insp, "If-Match": f'"{done["version"]}"'},
        )
    )
    closed = await _doc(p, mid, stage="closed")
    assert closed["progress"][0]["evidence"] == [ref]
    assert closed["verification"]["by"] == p.inspector_id(1)

    # The other problem's deadline passes: one overdue event, not two; none for the closed one.
    p.clock.set(china_time(days_ahead(32)))  # two days past the deadline
    marked = await _sweep(p)  # (issues of other tests' counties may be swept too)
    assert gid in marked and mid not in marked
    await _doc(p, gid, overdue=True)
    assert gid not in await _sweep(p)
    overdue = await ok(await p.issues.get("/issues?overdue=true", headers=p.office))
    assert [doc["issue_id"] for doc in overdue["items"]] == [gid]

    # An extension is approved; when it lapses too, that is a second crossing.
    await ok(
        await p.issues.post(
            f"/issues/{gid}/extension",
            json={"new_deadline": extended, "reason": "需统筹调整课后服务安排"},
            headers=principal,
        )
    )
    await ok(
        await p.issues.post(
            f"/issues/{gid}/extension/approval", json={"note": "同意延期"}, headers=insp
        )
    )
    await _doc(p, gid, deadline=extended, overdue=False)
    soon = await ok(await p.issues.get("/issues?due_within_days=60", headers=principal))
    assert [doc["issue_id"] for doc in soon["items"]] == [gid]
    p.clock.set(china_time(days_ahead(89)))  # the day after the extension
    assert gid in await _sweep(p)
    lapsed = await _doc(p, gid, overdue=True)
    assert lapsed["overdue_deadlines"] == [due, extended]

    # The school cannot fix it alone: escalated, received, answered; then rectified and closed.
    await ok(
        await p.issues.post(
            f"/issues/{gid}/escalation",
            json={"to_body": "区人民政府", "report": "课后服务师资不足，需区政府统筹解决"},
            headers=principal,
        )
    )
    await ok(
        await p.issues.post(f"/issues/{gid}/plan", json=plan, headers=principal),
    )
    await ok(
        await p.issues.post(
            f"/issues/{gid}/progress", json={"note": "已调整作业"}, headers=principal
        )
    )
    await ok(
        await p.issues.post(
            f"/issues/{gid}/submission", json={"note": "申请验收"}, headers=principal
        )
    )
    early = await p.issues.post(f"/issues/{gid}/verification", json={"note": "核实"}, headers=insp)
    assert early.status_code == 409 and "上报" in early.json()["message"]
    await ok(
        await p.issues.post(
            f"/issues/{gid}/escalation/receipt", json={"received_by": "区政府办"}, headers=p.office
        )
    )
    await ok(
        await p.issues.post(
            f"/issues/{gid}/escalation/answer",
            json={"answered_by": "区政府办", "answer": "已调配两名教师"},
            headers=p.office,
        )
    )
    await ok(
        await p.issues.post(f"/issues/{gid}/verification", json={"note": "回访核实"}, headers=insp)
    )
    resolved = await _doc(p, gid, stage="closed")
    assert resolved["escalation"]["status"] == "answered" and resolved["overdue"] is False

    # Scoping: another school's principal sees none of it; an unknown issue is 404.
    other = p.principal(2)
    assert (await p.issues.get(f"/issues/{gid}", headers=other)).status_code == 403
    assert (await ok(await p.issues.get("/issues", headers=other)))["total"] == 0
    assert (await p.issues.get("/issues/nope", headers=p.office)).status_code == 404
    r = await p.issues.post("/issues/nope/plan", json=plan, headers=principal)
    assert r.status_code == 404

    # A rebuilt read model equals the live one.
    live = await ok(await p.issues.get(f"/issues?visit_id={vid}", headers=p.office))
    admin = p.as_user("admin-1", Role.admin)
    await ok(await p.issues.post("/admin/projections/issues_issues/rebuild", headers=admin))
    rebuilt = await ok(await p.issues.get(f"/issues?visit_id={vid}", headers=p.office))
    assert rebuilt == live


async def test_replaying_the_visits_topic_opens_no_duplicate(both: Both) -> None:
    p = both
    vid, _ = await acknowledged_visit(
        p, school=4, inspector=2, problems=[problem("canteen_hygiene", "留样记录不全")]
    )
    [first] = await issues_of(p.issues, p.office, vid, 1)
    runtime = p.issues_app.state.runtime
    before = await runtime.store.load(f"issue-{first['issue_id']}")

    # Forget the opener's positions: it reads the visits topic again from offset 0.
    live = await runtime.db["reactor_checkpoints"].find_one({"_id": "issues_opener"})
    assert live is not None
    await runtime.db["reactor_checkpoints"].delete_one({"_id": "issues_opener"})
    reactor = p.issues_app.state.opener
    await reactor.stop()
    reactor.start()

    async def replayed() -> bool:
        again = await runtime.db["reactor_checkpoints"].find_one({"_id": "issues_opener"})
        if again is None:
            return False
        reached = {(r["topic"], r["partition"]): r["offset"] for r in again["positions"]}
        return all(
            reached.get((r["topic"], r["partition"]), -1) >= r["offset"] for r in live["positions"]
        )

    await eventually(replayed)
    after = await runtime.store.load(f"issue-{first['issue_id']}")
    assert [e.event_id for e in after] == [e.event_id for e in before]
    assert len(await issues_of(p.issues, p.office, vid, 1)) == 1
