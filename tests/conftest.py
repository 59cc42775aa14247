"""Fixtures: the real local Kafka and MongoDB-wire server, keys, tokens, running apps.

The session starts the infrastructure with ``deploy/local/infra.sh up`` (which reuses
what is already running, and provisions nothing when ``KAFKA_BOOTSTRAP_SERVERS`` and
``MONGODB_URI`` point elsewhere). Each session uses its own topic prefix and each test
its own databases and ids, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from shared.auth import Principal, Role, TokenIssuer, ensure_keypair
from shared.jurisdiction import Jurisdiction
from shared.runtime import mongo_client
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parent.parent
ISSUER, AUDIENCE = "duxue-test", "duxue-platform"
S = TypeVar("S", bound=ServiceSettings)


INFRA_DIRS = (REPO / "tests" / "e2e", REPO / "tests" / "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that talks to the real servers ``infra``: those under
    ``tests/e2e`` and ``tests/integration``, and any other that asks for the ``infra``
    fixture (so ``-m "not infra"`` runs without Kafka and MongoDB)."""
    for item in items:
        path = item.path.resolve()
        if any(path.is_relative_to(d) for d in INFRA_DIRS) or "infra" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.infra)


@dataclass(frozen=True)
class Infra:
    kafka: str
    mongodb_uri: str
    topic_prefix: str


@pytest.fixture(scope="session")
async def infra() -> AsyncIterator[Infra]:
    subprocess.run(["bash", str(REPO / "deploy/local/infra.sh"), "up"], check=True)  # noqa: ASYNC221
    found = Infra(
        kafka=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        mongodb_uri=os.environ.get(
            "MONGODB_URI",
            f"mongodb://127.0.0.1:{os.environ.get('DUXUE_FERRETDB_PORT', '27017')}"
            "/?directConnection=true",
        ),
        topic_prefix=f"t{uuid4().hex[:8]}.",
    )
    yield found
    admin = AIOKafkaAdminClient(bootstrap_servers=found.kafka)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(found.topic_prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return ensure_keypair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def issuer(keys: tuple[Path, Path]) -> TokenIssuer:
    return TokenIssuer(keys[0].read_bytes(), ISSUER, AUDIENCE)


Mint = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def auth_header(issuer: TokenIssuer) -> Mint:
    """``auth_header(Role.county_office, province=…, county=…, user_id=…)`` → headers."""

    def mint(*roles: Role, user_id: str | None = None, **where: str) -> dict[str, str]:
        principal = Principal(
            user_id=user_id or f"user-{uuid4().hex[:6]}",
            name="测试用户",
            roles=frozenset(roles),
            jurisdiction=Jurisdiction(**where),
        )
        token = issuer.mint(principal, datetime.now(UTC), timedelta(hours=1))
        return {"Authorization": f"Bearer {token}"}

    return mint


def service_settings(
    cls: type[S], infra: Infra, keys: tuple[Path, Path], run: str, **overrides: Any
) -> S:
    """Settings of a service class on the real servers, its database named by ``run``."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka,
        "kafka_topic_prefix": infra.topic_prefix,
        "kafka_partitions": 3,
        "mongodb_uri": infra.mongodb_uri,
        "mongodb_database": f"t_{run}_{cls.__name__.lower()[:12]}",
        "auth_public_key_file": keys[1],
        "auth_issuer": ISSUER,
        "auth_audience": AUDIENCE,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return cls(**values)


@pytest.fixture
def settings_for(infra: Infra, keys: tuple[Path, Path]) -> Callable[..., Any]:
    """Settings of a service class, on its own fresh database for this test."""
    run = uuid4().hex[:8]

    def make(cls: type[S], **overrides: Any) -> S:
        return service_settings(cls, infra, keys, run, **overrides)

    return make


@pytest.fixture
async def db(infra: Infra) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """A fresh database on the real MongoDB-wire server, dropped afterwards."""
    client = mongo_client(infra.mongodb_uri)
    name = f"t_{uuid4().hex[:10]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (real Kafka, real MongoDB) and talk to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            yield client


async def ok(r: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status`` (the body shown otherwise)."""
    assert r.status_code == status, r.text
    return r.json()


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 30) -> Any:
    """Poll an async check until it returns a truthy value (read models lag a little)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not reached within {within}s")
        await asyncio.sleep(0.2)
