"""Mode (b): drive the services' own HTTP write path with the simulated province.

The same simulated events are turned back into the commands that produce them
(:func:`calls`): the directory (divisions, inspectors, zones, schools, listings) as the
offices would enter it, then every visit step (plan, sign-in, findings, corrections,
merge, feedback, acknowledgement or dispute and resolution, close) by the user who took
it, and the schools' rectification steps on the issues the issues service opens on its
own from the signed feedback lists (plan, progress, submission, verification).
Other events (plans, campaigns, complaints, self-inspection, the services' own
reactions) are not driven.

Calls of one stream form a :class:`Script`, run in order; scripts run concurrently
(``concurrency``). The directory's scripts come first, phase by phase, because visits
need the directory (and the services' directory read models) to know schools and
inspectors. A call answered 403/404/409 while a read model is still catching up is
retried for up to ``settle_seconds``.

For the command benchmark (``benchmarks.commands``) the caller supplies the clients and
a function that gives a user's ``Authorization`` header::

    from benchmarks.province import Size
    from benchmarks.province.http import calls, drive

    phases = calls(Size(schools=200, months=1))
    report = await drive(phases, {"visits": visits_client, "issues": issues_client}, headers)
    report.latencies  # seconds per call, for p50/p99
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from benchmarks.province.model import PROVINCE, Size, build
from benchmarks.province.simulate import simulate
from shared.auth import Principal, Role
from shared.contracts import directory as d
from shared.contracts import issues as iss
from shared.contracts import visits as v
from shared.envelope import EventEnvelope
from shared.events import registry
from shared.jurisdiction import Jurisdiction

RETRY_STATUSES = (403, 404, 409)


@dataclass(frozen=True)
class Call:
    """One HTTP command: which service, what, with what body, as whom."""

    service: str
    method: str
    path: str
    body: dict[str, Any]
    user: Principal
    ok: tuple[int, ...] = (200, 201)


@dataclass
class Script:
    """The calls of one stream, in order."""

    stream_id: str
    calls: list[Call] = field(default_factory=list)


@dataclass
class Report:
    calls: int = 0
    failed: int = 0
    retried: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _user(actor_id: str, role: Role, where: Jurisdiction) -> Principal:
    return Principal(user_id=actor_id, name=actor_id, roles=frozenset({role}), jurisdiction=where)


def _office(where: Jurisdiction) -> Principal:
    if where.county:
        office = Jurisdiction(province=where.province, city=where.city, county=where.county)
        return _user(f"office-{where.county}", Role.county_office, office)
    if where.city:
        return _user(
            f"office-{where.city}",
            Role.city_office,
            Jurisdiction(province=PROVINCE, city=where.city),
        )
    return _user(f"office-{PROVINCE}", Role.province_office, Jurisdiction(province=PROVINCE))


def _inspector(inspector_id: str, where: Jurisdiction) -> Principal:
    return _user(
        inspector_id,
        Role.inspector,
        Jurisdiction(province=where.province, city=where.city, county=where.county),
    )


def _field(event: EventEnvelope) -> Principal:
    """The inspector (or zone leader, on a team visit) who took a step in the field."""
    where = event.jurisdiction
    if event.actor.role == Role.zone_leader.value:
        zone = Jurisdiction(
            province=where.province, city=where.city, county=where.county, zone=where.zone
        )
        return _user(event.actor.user_id, Role.zone_leader, zone)
    return _inspector(event.actor.user_id, where)


def _principal(user_id: str, where: Jurisdiction) -> Principal:
    return _user(user_id, Role.principal, where)


def _dump(model: Any, *exclude: str) -> dict[str, Any]:
    body: dict[str, Any] = model.model_dump(mode="json", exclude=set(exclude))
    return body


def _call(event: EventEnvelope) -> Call | None:
    p = registry.parse(event)
    where = event.jurisdiction
    actor = event.actor.user_id
    vid = getattr(p, "visit_id", "")
    match p:
        case d.DivisionRegistered():
            body = _dump(p, "parent_code")  # 409: already named (e.g. the demo's divisions)
            return Call("visits", "POST", "/divisions", body, _office(where), (201, 409))
        case d.InspectorRegistered():
            return Call("visits", "POST", "/inspectors", _dump(p), _office(where))
        case d.ZoneEstablished():
            return Call("visits", "POST", "/zones", _dump(p), _office(where))
        case d.SchoolRegistered():
            return Call("visits", "POST", "/schools", _dump(p), _office(where))
        case d.InspectorListed():
            body = _dump(p, "listing_id")
            return Call("visits", "POST", "/listings", body, _office(where))
        case v.VisitPlanned():
            body = {
                "visit_id": p.visit_id,
                "kind": p.kind.value,
                "school_id": p.school_id,
                "planned_on": p.planned_on.isoformat(),
                "announced": p.announced,
                "purpose": p.purpose,
                "team": p.team,
                "lead_inspector_id": p.lead_inspector_id,
                "checklist_id": p.checklist_id,
                "item_codes": [i.code for i in p.items],
                "assignments": {a.item_code: a.inspector_id for a in p.item_assignments},
                "follows_up": p.follows_up,
            }
            if p.kind is v.VisitKind.special:
                return None  # campaigns are not driven
            return Call("visits", "POST", "/visits", body, _field(event), (201,))
        case v.InspectorSignedIn():
            body = {"location": p.location.model_dump() if p.location else None}
            return Call("visits", "POST", f"/visits/{vid}/sign-in", body, _field(event))
        case v.FindingRecorded():
            body = _dump(p, "visit_id", "item_title", "inspector_id")
            return Call("visits", "POST", f"/visits/{vid}/findings", body, _field(event), (201,))
        case v.FindingCorrected():
            body = _dump(p, "visit_id", "finding_id")
            path = f"/visits/{vid}/findings/{p.finding_id}"
            return Call("visits", "PATCH", path, body, _field(event))
        case v.FindingsMerged():
            body = {"summary": p.summary}
            return Call("visits", "POST", f"/visits/{vid}/merge", body, _field(event))
        case v.FeedbackIssued():
            body = {"summary": p.summary}
            return Call("visits", "POST", f"/visits/{vid}/feedback", body, _field(event))
        case v.FeedbackAcknowledged():
            body = {"signer_name": p.signer_name}
            path = f"/visits/{vid}/acknowledgement"
            return Call("visits", "POST", path, body, _principal(actor, where))
        case v.FeedbackDisputed():
            body = {"points": [pt.model_dump(mode="json") for pt in p.points]}
            return Call("visits", "POST", f"/visits/{vid}/disputes", body, _principal(actor, where))
        case v.DisputeResolved():
            body = {"resolutions": [r.model_dump(mode="json") for r in p.resolutions]}
            path = f"/visits/{vid}/dispute-resolution"
            return Call("visits", "POST", path, body, _field(event))
        case v.VisitClosed():
            body = {"summary": p.summary}
            return Call("visits", "POST", f"/visits/{vid}/close", body, _field(event))
        case iss.RectificationPlanSubmitted():
            body = {"steps": [s.model_dump(mode="json") for s in p.steps], "timetable": p.timetable}
            path = f"/issues/{p.issue_id}/plan"
            return Call("issues", "POST", path, body, _principal(actor, where))
        case iss.ProgressReported():
            path = f"/issues/{p.issue_id}/progress"
            return Call("issues", "POST", path, {"note": p.note}, _principal(actor, where))
        case iss.SubmittedForVerification():
            path = f"/issues/{p.issue_id}/submission"
            return Call("issues", "POST", path, {"note": p.note}, _principal(actor, where))
        case iss.IssueVerified():
            path = f"/issues/{p.issue_id}/verification"
            body = {"note": p.note, "visit_id": p.verified_on_visit_id}
            return Call("issues", "POST", path, body, _field(event))
    return None


_DIVISION_PHASES = {d.DivisionLevel.province: 0, d.DivisionLevel.city: 1, d.DivisionLevel.county: 2}
"""A division is registered after its parent: the calls of one phase run concurrently."""
_DIRECTORY_PHASES = {
    d.InspectorRegistered.event_type: 3,
    d.ZoneEstablished.event_type: 4,
    d.SchoolRegistered.event_type: 5,
    d.InspectorListed.event_type: 6,
}
_EVERYTHING_ELSE = 7


def _phase(event: EventEnvelope) -> int:
    if event.event_type == d.DivisionRegistered.event_type:
        division = registry.parse(event)
        assert isinstance(division, d.DivisionRegistered)
        return _DIVISION_PHASES[division.level]
    return _DIRECTORY_PHASES.get(event.event_type, _EVERYTHING_ELSE)


def calls(size: Size, events: Iterable[EventEnvelope] | None = None) -> list[list[Script]]:
    """The simulated period as phases of scripts: seven directory phases (divisions by
    level, inspectors, zones, schools, listings), then one with
    every visit and issue script (visit scripts first, each issue after its visit).

    This holds the calls in memory (unlike :func:`~benchmarks.province.simulate`): size
    it for a command benchmark (hundreds to a few thousand schools and a month or two).
    """
    phases: list[dict[str, Script]] = [{} for _ in range(_EVERYTHING_ELSE + 1)]
    skip_visits: set[str] = set()
    for event in events if events is not None else simulate(size, build(size)):
        if event.event_type in (d.ListingEnded.event_type, d.InspectorListed.event_type) and (
            event.stream_version > 2
        ):
            continue  # mid-year re-listings are not driven
        call = _call(event)
        if call is None:
            if event.event_type == v.VisitPlanned.event_type:
                skip_visits.add(event.stream_id)
            continue
        if event.stream_id in skip_visits:
            continue
        phase = _phase(event)
        key = event.stream_id if phase == _EVERYTHING_ELSE else f"{event.stream_id}#{phase}"
        phases[phase].setdefault(key, Script(event.stream_id)).calls.append(call)
    return [list(p.values()) for p in phases]


Headers = Callable[[Principal], dict[str, str]]


async def drive(
    phases: list[list[Script]],
    clients: dict[str, httpx.AsyncClient],
    headers: Headers,
    concurrency: int = 16,
    settle_seconds: float = 30.0,
    on_call: Callable[[Call, httpx.Response, float], Awaitable[None]] | None = None,
) -> Report:
    """Run the phases in order, the scripts of a phase ``concurrency`` at a time."""
    report = Report()
    started = time.perf_counter()

    async def one(call: Call) -> None:
        deadline = time.perf_counter() + settle_seconds
        while True:
            t0 = time.perf_counter()
            r = await clients[call.service].request(
                call.method, call.path, json=call.body, headers=headers(call.user)
            )
            elapsed = time.perf_counter() - t0
            if r.status_code in call.ok:
                report.calls += 1
                report.latencies.append(elapsed)
                if on_call is not None:
                    await on_call(call, r, elapsed)
                return
            if r.status_code in RETRY_STATUSES and time.perf_counter() < deadline:
                report.retried += 1
                await asyncio.sleep(0.2)
                continue
            report.failed += 1
            if len(report.errors) < 20:
                report.errors.append(f"{call.method} {call.path} → {r.status_code} {r.text[:200]}")
            raise _Abandon

    async def script(s: Script) -> None:
        try:
            for call in s.calls:
                await one(call)
        except _Abandon:
            pass

    for phase in phases:
        queue: Iterator[Script] = iter(phase)

        async def worker(queue: Iterator[Script] = queue) -> None:
            for s in queue:
                await script(s)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    report.seconds = time.perf_counter() - started
    return report


class _Abandon(Exception):
    """A call failed for good: the rest of its script is skipped."""


async def drive_from_cli(size: Size, visits_url: str, issues_url: str, concurrency: int) -> int:
    """``--mode http``: drive a local deployment, minting tokens with the local keys."""
    from datetime import UTC, datetime

    from shared.auth import TokenIssuer, ensure_keypair
    from shared.settings import REPO_ROOT, ServiceSettings

    settings = ServiceSettings()
    private, _ = ensure_keypair(REPO_ROOT / ".state" / "keys")
    issuer = TokenIssuer(private.read_bytes(), settings.auth_issuer, settings.auth_audience)
    now = datetime.now(UTC)
    cache: dict[str, dict[str, str]] = {}

    def headers(user: Principal) -> dict[str, str]:
        key = f"{user.user_id}|{user.jurisdiction.path}"
        if key not in cache:
            token = issuer.mint(user, now, timedelta(hours=4))
            cache[key] = {"Authorization": f"Bearer {token}"}
        return cache[key]

    phases = calls(size)
    async with (
        httpx.AsyncClient(base_url=visits_url, timeout=60) as visits,
        httpx.AsyncClient(base_url=issues_url, timeout=60) as issues,
    ):
        report = await drive(phases, {"visits": visits, "issues": issues}, headers, concurrency)
    lat = sorted(report.latencies) or [0.0]
    print(
        f"{report.calls:,} commands in {report.seconds:.1f} s "
        f"({report.calls / report.seconds if report.seconds else 0:,.1f}/s), "
        f"p50 {lat[len(lat) // 2] * 1000:.0f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms, "
        f"{report.failed} failed, {report.retried} retries"
    )
    for e in report.errors:
        print("  " + e)
    return 0 if report.failed == 0 else 1
