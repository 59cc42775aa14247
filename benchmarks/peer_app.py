"""The peer the benchmarks stand the services beside: a straightforward FastAPI app.

``python -m benchmarks.peer_app`` serves, with the same uvicorn configuration as the
services (:func:`shared.service.uvicorn_config`) on ``PORT``:

* ``POST /commands``: one ``insert_one`` of the body into ``PEER_DATABASE.commands``
  and one produce of it to ``PEER_TOPIC`` with the platform's producer (``acks=all``,
  idempotent), awaited, then 201 — what one would write first for a durable command;
* ``GET /docs/{id}``: a point read (``find_one`` by ``_id``) of ``PEER_DATABASE.docs``;
* ``GET /healthz``.

No auth, no envelope, no event store, no projection: the same server, the same HTTP
stack, nothing else. Idle after start-up, its RSS is the peer of a service's memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import uvicorn
from fastapi import FastAPI, HTTPException, Request, Response

from shared.kafka import make_producer
from shared.runtime import mongo_client
from shared.service import uvicorn_config


def build_app(kafka: str, uri: str, database: str, topic: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = mongo_client(uri)
        producer = make_producer(kafka, "bench-peer")
        await producer.start()
        app.state.db, app.state.producer = client[database], producer
        try:
            yield
        finally:
            await producer.stop()
            await client.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/commands", status_code=201)
    async def command(body: dict[str, Any], request: Request) -> dict[str, str]:
        doc_id = uuid4().hex
        await request.app.state.db["commands"].insert_one({"_id": doc_id, **body})
        await request.app.state.producer.send_and_wait(
            topic, json.dumps(body).encode(), key=doc_id.encode()
        )
        return {"id": doc_id}

    @app.get("/docs/{doc_id}")
    async def point_read(doc_id: str, request: Request) -> Response:
        doc = await request.app.state.db["docs"].find_one({"_id": doc_id})
        if doc is None:
            raise HTTPException(404, "unknown id")
        return Response(json.dumps(doc, ensure_ascii=False), media_type="application/json")

    return app


def main() -> None:
    env = os.environ
    app = build_app(env["PEER_KAFKA"], env["MONGODB_URI"], env["PEER_DATABASE"], env["PEER_TOPIC"])
    uvicorn.Server(uvicorn_config(app, int(env["PORT"]))).run()


if __name__ == "__main__":
    main()
