"""Kill the notifications service (SIGKILL) while feedback lists keep arriving, start it
again: every principal has exactly one inbox message and one mail, none lost, none twice."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.notifications.channels.mailbox import LocalMailbox
from services.notifications.settings import NotificationsSettings
from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.runtime import mongo_client
from tests.conftest import Mint, eventually, ok, serve
from tests.e2e.test_notifications import issue_feedback
from tests.factories import new_county
from tests.processes import free_port, start_service
from tests.rosters import roster_xlsx, upload
from tests.visit_driver import Platform

SCHOOLS = 9


async def test_notifications_killed_mid_stream_send_nothing_twice_and_miss_nothing(
    settings_for: Callable[..., Any], auth_header: Mint, tmp_path: Path
) -> None:
    code = new_county()
    settings: NotificationsSettings = settings_for(NotificationsSettings)
    port = free_port()
    log = tmp_path / "notifications.log"
    with LocalMailbox() as mailbox:
        smtp = {"SMTP_PORT": str(mailbox.port)}
        service = start_service("services.notifications", settings, port, log, **smtp)
        base = f"http://127.0.0.1:{port}"
        async with (
            serve(visits_app(settings_for(VisitsSettings))) as visits,
            httpx.AsyncClient(base_url=base, timeout=5) as http,
        ):
            p = Platform(visits, code, auth_header)
            r = await visits.post(
                f"/directory/imports?county={code}",
                files=upload(roster_xlsx(code)),
                headers=p.office,
            )
            assert r.status_code == 201, r.text

            async def contact_set(n: int) -> bool:
                body = {"email": f"principal{n}@{code}.example.cn"}
                try:
                    r = await http.put("/me/contact", json=body, headers=p.principal(n))
                except httpx.TransportError:
                    return False
                return r.status_code == 200

            for n in range(1, SCHOOLS + 1):
                await eventually(lambda n=n: contact_set(n), within=60)  # type: ignore[misc]

            client = mongo_client(settings.mongodb_uri)
            sent = client[settings.mongodb_database]["rm_notifications_g1_deliveries"]

            async def mails_recorded(count: int) -> bool:
                query = {"channel": "email", "status": "sent"}
                return await sent.count_documents(query) >= count

            try:
                for n in range(1, 4):
                    await issue_feedback(p, n)
                await eventually(lambda: mails_recorded(3), within=60)
                service.send_signal(signal.SIGKILL)  # no chance to finish what it was doing
                service.wait(timeout=10)
                for n in range(4, SCHOOLS + 1):
                    await issue_feedback(p, n)
                    if n == 6:
                        service = start_service(
                            "services.notifications", settings, port, log, **smtp
                        )
                await eventually(lambda: mails_recorded(SCHOOLS), within=90)

                async def inbox(n: int) -> int:
                    try:
                        page = await ok(await http.get("/inbox", headers=p.principal(n)))
                    except httpx.TransportError:
                        return 0
                    return int(page["total"])

                for n in range(1, SCHOOLS + 1):
                    assert await eventually(lambda n=n: inbox(n), within=30) == 1  # type: ignore[misc]
                recipients = sorted(str(m["To"]) for m in mailbox.received)
                expected = sorted(f"principal{n}@{code}.example.cn" for n in range(1, 10))
                assert recipients == expected
                assert len({m["Message-ID"] for m in mailbox.received}) == SCHOOLS
            finally:
                await client.close()
                service.terminate()
                service.wait(timeout=15)
