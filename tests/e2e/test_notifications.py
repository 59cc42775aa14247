"""Notifications end to end on the real Kafka, MongoDB-wire server and a real local SMTP
server: a feedback list issued in visits puts exactly one message in the principal's
inbox and one mail in their mailbox; the principal reads only their own inbox; replaying
every topic from the start sends nothing twice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from standardwebhooks import Webhook

from services.notifications.bootstrap import create_app as notifications_app
from services.notifications.channels.mailbox import LocalMailbox
from services.notifications.settings import NotificationsSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.contracts.notifications import Channel, notification_id
from shared.reactor import CHECKPOINTS
from tests.conftest import Mint, eventually, ok, serve
from tests.factories import CITY, PROVINCE, new_county
from tests.receivers import local_receiver
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import DAY, Platform, problem

REACTORS = ("notifications_notifier", "notifications_email", "notifications_wecom")


@asynccontextmanager
async def notifications(
    settings: NotificationsSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = notifications_app(settings)
    async with serve(app) as client:
        yield client, app


async def issue_feedback(p: Platform, school: int) -> str:
    """A visit by the school's listed inspector, up to its issued feedback list."""
    insp = p.inspector((school - 1) // 3 + 1)
    plan = {"school_id": p.school(school), "planned_on": DAY.isoformat(), "purpose": "随访督导"}
    vid = str((await ok(await p.visits.post("/visits", json=plan, headers=insp), 201))["visit_id"])
    await ok(await p.visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
    body = problem("learning_load", "作业量偏大 <超标>")
    await ok(await p.visits.post(f"/visits/{vid}/findings", json=body, headers=insp), 201)
    await ok(
        await p.visits.post(f"/visits/{vid}/feedback", json={"summary": "见清单"}, headers=insp)
    )
    return vid


async def positions(app: FastAPI) -> dict[str, dict[str, int]]:
    db = app.state.runtime.db
    found = {}
    for name in REACTORS:
        doc = await db[CHECKPOINTS].find_one({"_id": name}) or {}
        found[name] = {
            f"{p['topic']}:{p['partition']}": int(p["offset"]) for p in doc.get("positions", [])
        }
    return found


async def test_a_feedback_list_reaches_the_principals_inbox_and_mailbox_once(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    code = new_county()
    with LocalMailbox() as mailbox:
        settings = settings_for(NotificationsSettings, smtp_port=mailbox.port)
        async with AsyncExitStack() as stack:
            visits = await stack.enter_async_context(
                serve(visits_app(settings_for(VisitsSettings)))
            )
            p = Platform(visits, code, auth_header)
            client, app = await stack.enter_async_context(notifications(settings))
            r = await visits.post(
                f"/directory/imports?county={code}",
                files=upload(roster_xlsx(code)),
                headers=p.office,
            )
            assert r.status_code == 201, r.text

            async def listed() -> bool:
                return bool(await app.state.directory.listed_inspectors(p.school(1), DAY))

            await eventually(listed)
            principal = p.principal(1)
            await ok(
                await client.put(
                    "/me/contact", json={"email": "wang@s1.example.cn"}, headers=principal
                )
            )
            await issue_feedback(p, 1)

            async def one_message() -> dict[str, Any] | None:
                page = await ok(await client.get("/inbox", headers=principal))
                return page if page["total"] == 1 and mailbox.received else None

            page = await eventually(one_message)
            message = page["items"][0]
            assert message["recipient"] == f"principal:{p.school(1)}"
            assert "督导反馈清单" in message["subject"] and "<超标>" in message["body"]
            assert "（测试第1学校）" in message["subject"]  # the name, not the school's id
            assert await ok(await client.get("/inbox/unread-count", headers=principal)) == {
                "unread": 1
            }
            [mail] = mailbox.received
            assert mail["To"] == "wang@s1.example.cn" and "督导反馈清单" in str(mail["Subject"])
            email_id = notification_id(
                message["cause_event_id"], message["recipient"], Channel.email
            )
            assert mail["Message-ID"] == f"<{email_id}@notifications.duxue>"

            # a user reads only their own inbox
            other = p.principal(2)
            mine = f"principal:{p.school(1)}"
            r = await client.get(f"/inbox?mailbox={mine}", headers=other)
            assert r.status_code == 403, r.text
            assert (await ok(await client.get("/inbox", headers=other)))["total"] == 0
            r = await client.post(f"/inbox/{message['notification_id']}/read", headers=other)
            assert r.status_code == 403, r.text
            marked = await client.post("/inbox/read-all", headers=principal)
            assert (await ok(marked)) == {"marked": 1}
            # read-your-writes: the count reflects it as soon as the answer returns
            counted = await ok(await client.get("/inbox/unread-count", headers=principal))
            assert counted == {"unread": 0}
            again = await client.post(
                f"/inbox/{message['notification_id']}/read", headers=principal
            )
            assert (await ok(again)) == {"marked": 0}
            before = await positions(app)
            await stack.aclose()

        # replay every topic from the start: positions forgotten, the same service again
        async with AsyncExitStack() as stack:
            client, app = await stack.enter_async_context(notifications(settings))
            await app.state.runtime.db[CHECKPOINTS].delete_many({"_id": {"$in": list(REACTORS)}})
            for live in ("notifier", "email_dispatcher", "wecom_dispatcher"):
                await getattr(app.state, live).stop()
                getattr(app.state, live).start()

            async def replayed() -> bool:
                now = await positions(app)
                return all(
                    now[name].get(key, 0) >= offset
                    for name, done in before.items()
                    for key, offset in done.items()
                )

            await eventually(replayed)
            page = await ok(await client.get("/inbox", headers=principal))
            assert page["total"] == 1 and page["items"][0]["read"] is True
            assert len(mailbox.received) == 1


@asynccontextmanager
async def county(
    settings_for: Callable[..., Any], auth_header: Mint, settings: NotificationsSettings
) -> AsyncIterator[tuple[Platform, httpx.AsyncClient, FastAPI]]:
    """A new county imported in visits, once the notifications directory lists school 1."""
    code = new_county()
    async with AsyncExitStack() as stack:
        visits = await stack.enter_async_context(serve(visits_app(settings_for(VisitsSettings))))
        p = Platform(visits, code, auth_header)
        client, app = await stack.enter_async_context(notifications(settings))
        r = await visits.post(
            f"/directory/imports?county={code}", files=upload(roster_xlsx(code)), headers=p.office
        )
        assert r.status_code == 201, r.text

        async def listed() -> bool:
            return bool(await app.state.directory.listed_inspectors(p.school(1), DAY))

        await eventually(listed)
        yield p, client, app


async def test_a_major_problem_reaches_the_zone_leader_and_the_county_group_at_once(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    settings = settings_for(NotificationsSettings, allow_private_targets=True)
    async with (
        local_receiver() as robot,
        county(settings_for, auth_header, settings) as (p, client, _),
    ):
        office = p.office
        r = await client.put("/me/contact", json={"wecom_robot_url": "ftp://x/y"}, headers=office)
        assert r.status_code == 422 and "wecom_robot_url" in r.text, r.text
        malformed = {"wecom_robot_url": "https://[::1"}
        r = await client.put("/me/contact", json=malformed, headers=office)
        assert r.status_code == 422 and "wecom_robot_url" in r.text, r.text
        r = await client.put("/me/contact", json={"email": "ban@jy.example.cn"}, headers=office)
        await ok(r)
        r = await client.put("/me/contact", json={"wecom_robot_url": robot.url}, headers=office)
        # a partial update keeps the other fields, and the answer is what is stored
        assert (await ok(r))["email"] == "ban@jy.example.cn", r.text
        shown_contact = await ok(await client.get("/me/contact", headers=office))
        assert shown_contact == {
            "email": "ban@jy.example.cn",
            "phone": None,
            "wecom_robot_url": robot.url,
        }
        r = await client.put("/me/contact", json={"fax": "1"}, headers=office)
        assert r.status_code == 422 and "fax" in r.text, r.text
        # the county office keeps its rules as data: a new version, in force from now
        path = f"/notification-rules/{p.code}"
        shown = await client.get(path, headers=office)
        assert shown.headers["etag"] == '"0"' and (await ok(shown))["in_force"]["version"] == 0
        rules = (await ok(shown))["in_force"]["rules"]
        unknown = [{**rules[0], "event_type": "cn.duxue.visits.nothing"}]
        r = await client.put(path, json={"rules": unknown}, headers=office)
        assert r.status_code == 422 and "body.rules.0.event_type" in r.text, r.text
        short = [{**rules[0], "event_type": "visits.feedback_issued"}]
        r = await client.put(path, json={"rules": short}, headers=office)
        assert r.status_code == 422 and "cn.duxue.visits.feedback_issued" in r.text, r.text
        stale = {**office, "If-Match": '"4"'}
        assert (await client.put(path, json={"rules": rules}, headers=stale)).status_code == 412
        other = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=new_county())
        assert (await client.put(path, json={"rules": rules}, headers=other)).status_code == 403
        r = await client.put(path, json={"rules": rules}, headers={**office, "If-Match": '"0"'})
        assert (await ok(r, 201))["version"] == 1
        insp = p.inspector(2)  # listed at school 6, in zone 2 (led by inspector 3)
        plan = {"school_id": p.school(6), "planned_on": DAY.isoformat(), "purpose": "随访督导"}
        r = await p.visits.post("/visits", json=plan, headers=insp)
        vid = (await ok(r, 201))["visit_id"]
        await ok(await p.visits.post(f"/visits/{vid}/sign-in", json={}, headers=insp))
        major = problem("safety", "消防通道堵塞", severity="major", major_kind="safety_hazard")
        await ok(await p.visits.post(f"/visits/{vid}/findings", json=major, headers=insp), 201)

        async def arrived(headers: dict[str, str]) -> list[dict[str, Any]] | None:
            page = await ok(await client.get("/inbox", headers=headers))
            return page["items"] if page["total"] == 1 else None

        [to_leader] = await eventually(lambda: arrived(p.inspector(3)), within=10)
        [to_office] = await eventually(lambda: arrived(office), within=10)
        assert to_leader["kind"] == to_office["kind"] == "major_problem"
        assert to_leader["urgent"] and "【紧急】" in to_office["subject"]
        assert (await ok(await client.get("/inbox", headers=p.inspector(1))))["total"] == 0

        async def robot_called() -> bool:
            return bool(robot.received)

        await eventually(robot_called, within=10)
        [call] = robot.received
        body = call.json()
        assert body["msgtype"] == "markdown" and "消防通道堵塞" in body["markdown"]["content"]


async def test_integrators_get_signed_webhooks_retried_dead_lettered_and_redelivered(
    settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    settings = settings_for(
        NotificationsSettings,
        allow_private_targets=True,
        max_attempts=3,
        webhook_backoff_seconds=0.05,
        webhook_timeout_seconds=1,
    )
    async with (
        local_receiver() as good,
        local_receiver() as failing,
        county(settings_for, auth_header, settings) as (p, client, _),
    ):
        integrator = auth_header(
            Role.integrator, user_id=f"int-{p.code}", province=PROVINCE, city=CITY, county=p.code
        )
        wanted = ["cn.duxue.visits.feedback_issued"]

        async def subscribe(url: str, **extra: Any) -> httpx.Response:
            body = {"url": url, "event_types": wanted, **extra}
            return await client.post("/webhooks/subscriptions", json=body, headers=integrator)

        outside = {"province": PROVINCE, "city": CITY, "county": new_county()}
        assert (await subscribe(good.url, jurisdiction=outside)).status_code == 403
        r = await subscribe("ftp://example.com/x")
        assert r.status_code == 422 and "body.url" in r.text, r.text
        sub = await ok(await subscribe(good.url), 201)
        failing.status = 500
        bad = await ok(await subscribe(failing.url), 201)
        await issue_feedback(p, 1)

        async def dead() -> dict[str, Any] | None:
            r = await client.get(
                f"/webhooks/subscriptions/{bad['subscription_id']}/deliveries", headers=integrator
            )
            page = await ok(r)
            return (
                page["items"][0] if page["total"] and page["items"][0]["status"] == "dead" else None
            )

        entry = await eventually(dead, within=15)
        assert len(entry["attempts"]) == 3 and len(failing.received) == 3
        [call] = good.received
        verified = Webhook(sub["secret"]).verify(call.body, call.headers)
        assert verified["type"] == "cn.duxue.visits.feedback_issued"
        # the failing receiver recovers: a manual redelivery sends the same delivery
        failing.status = 200
        r = await client.post(
            f"/webhooks/deliveries/{entry['delivery_id']}/redeliver", headers=integrator
        )
        assert (await ok(r)) == {"delivery_id": entry["delivery_id"], "sent": True}
        assert len(failing.received) == 4
        assert failing.received[-1].headers["webhook-id"] == entry["delivery_id"]
        Webhook(bad["secret"]).verify(failing.received[-1].body, failing.received[-1].headers)
        other = auth_header(
            Role.integrator, user_id="someone-else", province=PROVINCE, city=CITY, county=p.code
        )
        r = await client.post(
            f"/webhooks/deliveries/{entry['delivery_id']}/redeliver", headers=other
        )
        assert r.status_code == 403, r.text
