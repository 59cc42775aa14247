"""A Kafka client that is not ours (kcat) reads a school-registered event from its topic,
and the message matches the envelope and payload schemas the service serves at
``GET /events/catalogue`` (as an integrator would check it, without reading our code)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from typing import Any

import jsonschema

from services.visits.bootstrap import create_app as visits_app
from services.visits.settings import VisitsSettings
from shared.auth import Role
from shared.envelope import CONTENT_TYPE, cloudevent_json_schema
from tests.conftest import Infra, Mint, eventually, serve
from tests.factories import CITY, PROVINCE, new_county, school_body

KCAT = shutil.which("kcat") or shutil.which("kafkacat")


async def test_kcat_reads_the_school_registered_event(
    infra: Infra, settings_for: Callable[..., Any], auth_header: Mint
) -> None:
    # A missing kcat is a failure, not a skip: ``deploy/local/infra.sh tools`` installs it.
    assert KCAT is not None, "kcat is not installed: run `bash deploy/local/infra.sh tools`"
    county = new_county()
    school_id = f"{county}-kcat"
    office = auth_header(Role.county_office, province=PROVINCE, city=CITY, county=county)
    async with serve(visits_app(settings_for(VisitsSettings))) as visits:
        r = await visits.post("/schools", json=school_body(school_id, county), headers=office)
        assert r.status_code == 201

        topic = f"{infra.topic_prefix}duxue.directory.events"

        async def read() -> dict[str, Any] | None:
            for message in await _kcat(infra.kafka, topic):
                event = json.loads(message["payload"])
                if event["subject"] == f"school-{school_id}":
                    return {"message": message, "event": event}
            return None

        found = await eventually(read)
        served = (await visits.get("/events/catalogue")).json()
    event, message = found["event"], found["message"]
    assert served["envelope"] == cloudevent_json_schema()
    jsonschema.validate(event, served["envelope"])
    entry = next(e for e in served["events"] if e["type"] == event["type"])
    assert event["dataschema"] == entry["schema"]["$id"]
    jsonschema.validate(event["data"], entry["schema"])
    assert message["key"] == f"school-{school_id}"
    headers = dict(zip(message["headers"][::2], message["headers"][1::2], strict=True))
    assert headers["content-type"] == CONTENT_TYPE
    assert event["jurisdiction"].endswith(f"county:{county}/school:{school_id}")


async def _kcat(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    assert KCAT is not None
    proc = await asyncio.create_subprocess_exec(
        KCAT,
        "-C",
        "-b",
        bootstrap,
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-J",
        "-q",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]
