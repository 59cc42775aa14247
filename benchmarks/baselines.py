"""Ceilings and peers measured in the same run as the figures they stand beside.

* :func:`raw_write_path`: the durable write path without a service — the benchmark
  itself inserts a commit document (a real envelope, as the event store stores it) into
  ``event_commits`` and produces its event to Kafka with the platform's producer
  (``acks=all``), awaited, from the same number of concurrent clients as the load;
  while it runs, :func:`round_trip_lag` samples produce → consume → one MongoDB write,
  the ceiling of "accepted → read model visible";
* :class:`PeerApp`: :mod:`benchmarks.peer_app` as its own process — the peer of the
  command path (one ``insert_one`` + one ``acks=all`` produce per request), the ceiling
  of a read (a point read by ``_id`` of a document the size of the real answer), and,
  idle, the peer of a service's memory;
* :func:`closed_loop`: a request mix from N clients, latencies and rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer

from shared.consumer import all_partitions
from shared.kafka import make_producer
from shared.runtime import mongo_client
from shared.settings import REPO_ROOT
from shared.topics import ensure_topics, event_topic_spec


@dataclass
class Timed:
    """Latencies (ms) of the operations that succeeded, failures, and the wall time."""

    ms: list[float] = field(default_factory=list)
    failed: int = 0
    seconds: float = 0.0

    @property
    def per_s(self) -> float:
        return len(self.ms) / self.seconds if self.seconds else 0.0


async def closed_loop(op: Callable[[int], Awaitable[bool]], count: int, clients: int) -> Timed:
    """``count`` operations from ``clients`` concurrent workers, one after another each."""
    timed, remaining = Timed(), count
    t0 = time.perf_counter()

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            n = remaining
            start = time.perf_counter()
            ok = False
            with contextlib.suppress(Exception):
                ok = await op(n)
            if ok:
                timed.ms.append((time.perf_counter() - start) * 1000)
            else:
                timed.failed += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    timed.seconds = time.perf_counter() - t0
    return timed


async def round_trip_lag(
    kafka: str, topic: str, write: Callable[[bytes], Awaitable[Any]], stop: asyncio.Event
) -> list[float]:
    """Every ~50 ms, one message produced (``acks=all``), consumed and written to MongoDB
    once: the milliseconds from the produce call to the write's answer."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka,
        enable_auto_commit=False,
        auto_offset_reset="latest",
        isolation_level="read_committed",
    )
    producer = make_producer(kafka, "bench-round-trip")
    await consumer.start()
    await producer.start()
    lags: list[float] = []
    try:
        consumer.assign(await all_partitions(consumer, (topic,)))
        await consumer.seek_to_end()
        while not stop.is_set():
            marker = uuid4().hex.encode()
            t0 = time.perf_counter()
            await producer.send_and_wait(topic, marker, key=marker)
            seen = False
            while not seen and time.perf_counter() - t0 < 30:
                fetched = await consumer.getmany(timeout_ms=200)
                seen = any(r.value == marker for rs in fetched.values() for r in rs)
            if seen:
                await write(marker)
                lags.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()
        await consumer.stop()
    return lags


async def raw_write_path(
    kafka: str,
    uri: str,
    database: str,
    topic: str,
    commits: list[tuple[dict[str, Any], bytes]],
    clients: int,
) -> tuple[Timed, list[float]]:
    """Insert each commit into ``event_commits`` and produce its event's bytes (``acks=all``),
    ``clients`` at a time; and the round-trip lag sampled meanwhile on ``topic``."""
    await ensure_topics(kafka, [event_topic_spec(topic, 6, 1)])
    client = mongo_client(uri)
    coll = client[database]["event_commits"]
    applied = client[database]["bench_round_trip"]
    producer = make_producer(kafka, "bench-raw-write")
    await producer.start()
    stop = asyncio.Event()

    async def write(marker: bytes) -> None:
        await applied.insert_one({"_id": marker.decode()})

    async def append(n: int) -> bool:
        commit, value = commits[n]
        await coll.insert_one(commit)
        await producer.send_and_wait(topic, value, key=commit["stream_id"].encode())
        return True

    sampler = asyncio.create_task(round_trip_lag(kafka, topic, write, stop))
    try:
        await asyncio.sleep(1.0)  # the sampler's consumer joins before the load
        timed = await closed_loop(append, len(commits), clients)
    finally:
        stop.set()
        lags = await sampler
        await producer.stop()
        await applied.drop()
        await client.close()
    return timed, lags


class PeerApp:
    """``python -m benchmarks.peer_app`` on a free loopback port."""

    def __init__(self, kafka: str, uri: str, database: str, topic: str, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "PEER_KAFKA": kafka,
            "MONGODB_URI": uri,
            "PEER_DATABASE": database,
            "PEER_TOPIC": topic,
        }
        self.kafka, self.topic, self.log = kafka, topic, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0
        self.idle_rss_mib = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> int:
        await ensure_topics(self.kafka, [event_topic_spec(self.topic, 6, 1)])
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "benchmarks.peer_app"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as client:
            for _ in range(600):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the peer app exited; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/healthz")).status_code == 200:
                        self.ready_s = time.perf_counter() - started
                        await asyncio.sleep(0.5)  # idle: connected, nothing asked yet
                        self.idle_rss_mib = _rss_mib(self.proc.pid)
                        return self.proc.pid
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the peer app did not answer; see {self.log}")

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        for _ in range(100):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.1)
        self.proc.kill()


def _rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def seed_docs(uri: str, database: str, count: int, size: int, prefix: str = "d") -> list[str]:
    """``count`` documents of about ``size`` bytes of JSON each in ``database.docs``."""
    client = mongo_client(uri)
    try:
        pad = "x" * max(size - 30, 1)
        docs = [{"_id": f"{prefix}{n}", "pad": pad} for n in range(count)]
        await client[database]["docs"].insert_many(docs)
    finally:
        await client.close()
    return [str(d["_id"]) for d in docs]


async def idle_peer(kafka: str, uri: str, database: str, topic: str, log: Path) -> PeerApp:
    """Start the peer app, note its idle RSS and start-up time, stop it."""
    peer = PeerApp(kafka, uri, database, topic, log)
    try:
        await peer.start()
    finally:
        await peer.stop()
    return peer
