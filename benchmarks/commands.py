"""The write path through the HTTP API, on an empty store and on a prefilled one.

``python -m benchmarks.commands [--quick|--full] [--clients 16] [--commands N]
[--prefill N] [--rounds 3] [--profile]`` starts the visits service (``python -m
services.visits``, uvicorn on loopback) on the local Kafka and MongoDB-wire server, on an
empty database and on a database already holding ``--prefill`` commits (inserted straight
into ``event_commits`` in bulk: real envelopes of school registrations and corrections,
1-5 commits a stream), in ``--rounds`` alternating rounds — (empty, prefilled),
(prefilled, empty), ... — a fresh service each, the commands split among them, so that a
machine whose load drifts weighs on both stores alike; the ratio is given pooled and by
round. ``--keep-prefilled`` keeps the prefilled database, ``--prefilled-database`` reuses
it. Each round measures, from ``--clients`` concurrent HTTP clients:

* commands/s and p50/p99 latency of a command mix: 80% ``POST /schools`` (register,
  a new stream) and 20% ``PATCH /schools/{id}`` (correct a school registered earlier in
  the run: load a stream with commits, ``If-Match``), as a county office;
* lag from a command's 201 to its school being visible through ``GET /schools/{id}``
  (the service's own read model, fed from Kafka), p50/p99, sampled during the load;
* read latency p50/p99 of ``GET /schools/{id}`` at 200 requests/s (open loop, bounded)
  and from one client alone (a point read: the roll-up reads are ``benchmarks.reads``);
* peak resident memory of the service process (``VmHWM``), CPU per command.

After each round's service has stopped, on the same database and with the same number
of clients, :func:`run_baselines` measures what stands beside those figures
(:mod:`benchmarks.baselines`):

* **ceiling** of commands/s and their p50/p99: the raw durable write path without the
  service — the benchmark inserts a commit (a real envelope) into ``event_commits`` and
  produces its event with ``acks=all``; of the lag: produce → consume → one MongoDB
  insert, sampled during that load; of the reads: a plain FastAPI endpoint doing a
  ``find_one`` by ``_id`` of a document the size of the service's answer, at the same
  rate (and the service's own ``GET /healthz`` at that rate as the floor, in the peer
  column);
* **peer** of commands/s, latency and CPU per command: a plain FastAPI endpoint
  (:mod:`benchmarks.peer_app`) doing one ``insert_one`` + one ``acks=all`` produce per
  request; of the RSS and the start-up: the same app idle.

``--profile`` samples the service with py-spy during the prefilled run and keeps the
top frames. Prints a table and writes ``commands.json`` in :func:`benchmarks.common.bench_dir`
(``$DUXUE_BENCH_DIR``, else ``$DUXUE_STATE_DIR/bench``; the contract in benchmarks/README or
docs/benchmarks.md). Everything it creates (databases, topics) is
dropped afterwards. Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka.admin import AIOKafkaAdminClient

import shared.contracts  # noqa: F401  (registers the event contracts)
from benchmarks.baselines import PeerApp, Timed, closed_loop, raw_write_path, seed_docs
from benchmarks.common import Service, bench_dir, bounded, cancel_on_signals
from shared.auth import Principal, Role, TokenIssuer, ensure_keypair
from shared.contracts.directory import SchoolDetailsCorrected, SchoolKind, SchoolRegistered
from shared.envelope import Actor, EventEnvelope
from shared.events import EventPayload
from shared.eventstore import COMMITS
from shared.jurisdiction import Jurisdiction
from shared.runtime import mongo_client

REPO = Path(__file__).resolve().parent.parent
NAME = "commands"
ISSUER, AUDIENCE = "duxue-bench", "duxue-platform"
PROVINCE, CITY, COUNTY = "510000", "510700", "510704"
KINDS = list(SchoolKind)
SIZES = {
    "quick": {"commands": 3000, "prefill": 100_000, "read_seconds": 10.0},
    "full": {"commands": 10_000, "prefill": 1_000_000, "read_seconds": 20.0},
}


# ------------------------------------------------------------------------------ helpers
def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def machine(backend: str) -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cpus": os.cpu_count() or 0,
        "cpu_model": model,
        "mem_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kafka": "3.9.2",
        "mongo_wire": f"FerretDB 1.24.2/{backend}",
    }


def rss_peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (all their threads) and of their children that
    ended (cutime + cstime: PostgreSQL's backends come and go), in seconds."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])
    return total / TICK


def server_pids() -> dict[str, list[int]]:
    """FerretDB's and PostgreSQL's processes started by infra.sh (from its pid files)."""
    state = Path(os.environ.get("DUXUE_STATE_DIR", REPO / ".state"))
    found: dict[str, list[int]] = {}
    for name in ("ferretdb", "postgres"):
        with contextlib.suppress(OSError, ValueError):
            found[name] = [int((state / "run" / f"{name}.pid").read_text())]
    if "postgres" in found:  # the postmaster's children do the work
        parent = found["postgres"][0]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found["postgres"].append(int(stat.parent.name))
    return found


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


async def detect_backend(uri: str) -> str:
    """``postgresql`` or ``sqlite`` from the shape of FerretDB's explain (else ``unknown``)."""
    client = mongo_client(uri)
    name = f"bench_probe_{uuid4().hex[:8]}"
    try:
        db = client[name]
        await db["probe"].insert_one({"_id": "x"})
        plan = (await db.command("explain", {"find": "probe", "filter": {"_id": "x"}}))[
            "queryPlanner"
        ].get("Plan")
        return "postgresql" if isinstance(plan, dict) else "sqlite" if plan else "unknown"
    finally:
        await client.drop_database(name)
        await client.close()


# ------------------------------------------------------------------------------ prefill
def _envelope(payload: EventPayload, stream: str, version: int, at: datetime) -> EventEnvelope:
    school = payload.model_dump()["school_id"]
    return EventEnvelope(
        event_id=uuid4(),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        source="/duxue/visits",
        stream_id=stream,
        stream_version=version,
        partition_key=stream,
        occurred_at=at,
        recorded_at=at,
        actor=Actor(user_id="bench-prefill", role="county_office"),
        jurisdiction=Jurisdiction(
            province=PROVINCE, city=CITY, county=f"5107{(hash(school) % 20) + 1:02d}", school=school
        ),
        correlation_id=str(uuid4()),
        payload=payload.model_dump(mode="json"),
    )


def prefill_commits(first_school: int, schools: int, rng: random.Random) -> list[dict[str, Any]]:
    """Commits of ``schools`` school streams: a registration, then 0-4 corrections."""
    out: list[dict[str, Any]] = []
    base_time = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(first_school, first_school + schools):
        school_id = f"pre{n}"
        stream = f"school-{school_id}"
        at = base_time + timedelta(seconds=n)
        payloads: list[EventPayload] = [
            SchoolRegistered(
                school_id=school_id,
                name=f"预置学校{n}",
                kind=KINDS[n % len(KINDS)],
                province=PROVINCE,
                city=CITY,
                county=COUNTY,
                zone_id=f"z{n % 50}",
                address=f"某某区某某路{n}号",
                city_direct=False,
                principal_name="张校长",
                location=None,
            )
        ]
        payloads += [
            SchoolDetailsCorrected(
                school_id=school_id, name=f"预置学校{n}（{k}）", reason="更正校名"
            )
            for k in range(rng.randint(0, 4))
        ]
        for version, payload in enumerate(payloads, start=1):
            event = _envelope(payload, stream, version, at + timedelta(days=version))
            out.append(
                {
                    "_id": f"{stream}@{version - 1}",
                    "stream_id": stream,
                    "base_version": version - 1,
                    "last_version": version,
                    "recorded_at": event.recorded_at,
                    "events": [event.to_cloudevent()],
                }
            )
    return out


async def prefill(uri: str, database: str, commits: int, seed: int = 7) -> tuple[int, float]:
    """Insert about ``commits`` commits; returns how many and the seconds it took."""
    rng = random.Random(seed)
    client = mongo_client(uri)
    coll = client[database][COMMITS]
    await coll.create_index([("stream_id", 1), ("base_version", 1)])
    t0 = time.perf_counter()
    done, school = 0, 0
    queue: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(maxsize=8)

    async def writer() -> None:
        while (batch := await queue.get()) is not None:
            await coll.insert_many(batch, ordered=False)

    writers = [asyncio.create_task(writer()) for _ in range(3)]
    last_report = t0
    try:
        while done < commits:
            batch = prefill_commits(school, 350, rng)
            school += 350
            done += len(batch)
            await queue.put(batch)
            if time.perf_counter() - last_report > 15:
                last_report = time.perf_counter()
                rate = done / (last_report - t0)
                print(f"  prefill: {done:,} commits ({rate:,.0f}/s)", flush=True)
        for _ in writers:
            await queue.put(None)
        await asyncio.gather(*writers)
    finally:
        if not all(w.done() for w in writers):
            # Interrupted: drop the queued batches and let the inserts in flight end, or
            # they would recreate the database after the caller has dropped it.
            while not queue.empty():
                queue.get_nowait()
            for _ in writers:
                queue.put_nowait(None)
            await bounded(asyncio.gather(*writers), "end the prefill's inserts")
        await client.close()
    return done, time.perf_counter() - t0


@dataclass
class Baseline:
    """A phase's ceiling and peer (:mod:`benchmarks.baselines`), pooled over its rounds."""

    raw: Timed = field(default_factory=Timed)
    """The durable write path without the service, from the benchmark."""
    round_trip_ms: list[float] = field(default_factory=list)
    peer: Timed = field(default_factory=Timed)
    """The plain FastAPI endpoint: one insert_one + one acks=all produce per request."""
    peer_read_ms: list[float] = field(default_factory=list)
    peer_read_rates: list[float] = field(default_factory=list)
    peer_read_alone_ms: list[float] = field(default_factory=list)
    healthz_ms: list[float] = field(default_factory=list)
    """The service's own ``GET /healthz`` at the read rate: the floor of a read."""
    peer_rss_mib: list[float] = field(default_factory=list)
    peer_ready_s: list[float] = field(default_factory=list)
    peer_cpu_seconds: dict[str, float] = field(default_factory=dict)
    peer_cpu_requests: int = 0

    @property
    def peer_cpu_ms(self) -> dict[str, float]:
        n = max(self.peer_cpu_requests, 1)
        return {who: 1000 * secs / n for who, secs in self.peer_cpu_seconds.items()}


def pool(into: Timed, more: Timed) -> None:
    into.ms += more.ms
    into.failed += more.failed
    into.seconds += more.seconds


# ------------------------------------------------------------------------------ the load
@dataclass
class Phase:
    name: str
    commits_before: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lag_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    read_alone_ms: list[float] = field(default_factory=list)
    read_rates: list[float] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)
    round_lag_p99_ms: list[float] = field(default_factory=list)
    ready_s: list[float] = field(default_factory=list)
    """Per round: service start to ``/readyz`` (projections' working sets loaded)."""
    ceilings: list[float] = field(default_factory=list)
    rss_mib: float = 0.0
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    cpu_commands: int = 0
    loads: list[float] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)
    read_bytes: int = 0
    """The size of one ``GET /schools/{id}`` answer (the peer's point reads match it)."""
    base: Baseline = field(default_factory=lambda: Baseline())

    @property
    def ok(self) -> int:
        """2xx answers so far."""
        return sum(n for status, n in self.statuses.items() if status < 300)

    @property
    def commands_per_s(self) -> float:
        return self.ok / max(self.seconds, 1e-9)

    @property
    def ceiling_per_s(self) -> float:
        return sum(self.ceilings) / len(self.ceilings) if self.ceilings else 0.0

    @property
    def read_rate(self) -> float:
        return sum(self.read_rates) / len(self.read_rates) if self.read_rates else 0.0

    @property
    def load_during(self) -> float:
        return sum(self.loads) / len(self.loads) if self.loads else 0.0

    @property
    def cpu_ms_per_command(self) -> dict[str, float]:
        n = max(self.cpu_commands, 1)
        return {who: 1000 * secs / n for who, secs in self.cpu_seconds.items()}


def school_body(school_id: str, n: int) -> dict[str, Any]:
    return {
        "school_id": school_id,
        "name": f"压测学校{n}",
        "kind": KINDS[n % len(KINDS)].value,
        "province": PROVINCE,
        "city": CITY,
        "county": COUNTY,
        # no zone: a zone named must now exist (issue 9), and the bench establishes none
        "zone_id": None,
        "address": f"某某区某某路{n}号",
        "principal_name": "李校长",
    }


class Load:
    """The command mix from ``clients`` concurrent clients, and the lag sampler."""

    def __init__(self, client: httpx.AsyncClient, run: str, seed: int) -> None:
        self.client = client
        self.run = run
        self.rng = random.Random(seed)
        self.counter = 0
        self.registered: list[tuple[str, int]] = []  # (school id, version)
        self.accepted: list[tuple[str, float]] = []  # (school id, when its 201 arrived)

    async def one(self, phase: Phase | None) -> None:
        """One command; a transport error or timeout counts as status 599."""
        self.counter += 1
        n = self.counter
        t0 = time.perf_counter()
        status = 599
        try:
            if self.registered and self.rng.random() < 0.2:
                i = self.rng.randrange(len(self.registered))
                school_id, version = self.registered[i]
                r = await self.client.patch(
                    f"/schools/{school_id}",
                    json={"reason": "更正校名", "name": f"压测学校{n}（更正）"},
                    headers={"If-Match": f'"{version}"'},
                )
                if r.status_code == 200:
                    self.registered[i] = (school_id, int(r.json()["version"]))
            else:
                school_id = f"{self.run}{n}"
                r = await self.client.post("/schools", json=school_body(school_id, n))
                if r.status_code == 201:
                    self.registered.append((school_id, 1))
                    self.accepted.append((school_id, time.perf_counter()))
            status = r.status_code
        except httpx.HTTPError:
            pass
        if phase is not None:
            phase.latencies_ms.append((time.perf_counter() - t0) * 1000)
            phase.statuses[status] += 1

    async def run_commands(
        self, count: int, clients: int, phase: Phase | None, budget: float = 600
    ) -> float:
        """``count`` commands, or as many as start within ``budget`` seconds."""
        remaining = count
        t0 = time.perf_counter()

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0 and time.perf_counter() - t0 < budget:
                remaining -= 1
                await self.one(phase)

        await asyncio.gather(*(worker() for _ in range(clients)))
        return time.perf_counter() - t0

    async def sample_lag(self, phase: Phase, stop: asyncio.Event, within: float = 30) -> None:
        """Every ~50 ms: the newest accepted school, polled every 25 ms until visible.

        One sample at a time, so the polling adds at most ~40 reads/s to the load.
        """
        while not stop.is_set():
            if not self.accepted:
                await asyncio.sleep(0.01)
                continue
            school_id, accepted_at = self.accepted[-1]
            deadline = accepted_at + within
            while time.perf_counter() < deadline:
                try:
                    r = await self.client.get(f"/schools/{school_id}")
                except httpx.HTTPError:
                    break
                if r.status_code == 200:
                    phase.lag_ms.append((time.perf_counter() - accepted_at) * 1000)
                    break
                await asyncio.sleep(0.025)
            await asyncio.sleep(0.05)


async def ceiling(client: httpx.AsyncClient, clients: int, seconds: float) -> float:
    """Requests/s of ``GET /healthz`` (the HTTP stack, auth and nothing else)."""
    done = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < end:
            with contextlib.suppress(httpx.HTTPError):
                await client.get("/healthz")
                done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done / (time.perf_counter() - t0)


async def reads_at_rate(
    client: httpx.AsyncClient, paths: list[str], rate: float, seconds: float
) -> tuple[list[float], float]:
    """Open loop: one GET of a path drawn at random every 1/rate s, whatever the answers
    do; the latencies (ms) of the 200 answers and the rate achieved."""
    rng = random.Random(11)
    total = int(rate * seconds)
    tasks: list[asyncio.Task[None]] = []
    latencies: list[float] = []

    async def read(path: str) -> None:
        t0 = time.perf_counter()
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(path)).status_code == 200:
                latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    for i in range(total):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(read(rng.choice(paths))))
    await asyncio.gather(*tasks)
    return latencies, total / (time.perf_counter() - t0)


async def reads_alone(client: httpx.AsyncClient, paths: list[str]) -> list[float]:
    """One client, one read at a time (the service time of a read), in ms."""
    out = []
    for path in paths:
        t0 = time.perf_counter()
        with contextlib.suppress(httpx.HTTPError):
            await client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def top_frames(raw: Path, limit: int = 20) -> list[str]:
    """py-spy's collapsed stacks → the frames with the most samples.

    Two lists: by own (self) samples, and the project's own frames (``shared/``,
    ``services/``) by inclusive samples (where the time of a command goes).
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return []
    rows = [f"self%  frame (py-spy, {total} samples of the visits service)"]
    rows += [f"{100 * n / total:5.1f}  {frame}" for frame, n in own.most_common(limit)]
    rows.append("incl%  frame (the project's own, inclusive)")
    ours = [(f, n) for f, n in inclusive.most_common() if "shared/" in f or "services/" in f]
    rows += [f"{100 * n / total:5.1f}  {frame}" for frame, n in ours[:limit]]
    return rows


async def run_phase(
    phase: Phase,
    database: str,
    args: argparse.Namespace,
    infra: dict[str, str],
    issuer: TokenIssuer,
    tmp: Path,
    round_no: int,
) -> float:
    """One round of ``phase`` on ``database``: a fresh service, the load, the reads.

    Adds its samples to ``phase`` and answers with this round's commands/s.
    """
    name = phase.name
    commands = max(args.commands // args.rounds, 1)
    read_seconds = args.read_seconds / args.rounds
    ok_before = phase.ok
    seconds_before = phase.seconds
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra["kafka"],
        # Topics of its own per phase: the second service must not start by catching up
        # the first one's events (that would be lag of the benchmark, not of the system).
        "KAFKA_TOPIC_PREFIX": f"{infra['prefix']}{name}{round_no}.",
        "KAFKA_PARTITIONS": "6",
        "MONGODB_URI": infra["mongodb_uri"],
        "MONGODB_DATABASE": database,
        "AUTH_PUBLIC_KEY_FILE": str(tmp / "jwt-public.pem"),
        "AUTH_ISSUER": ISSUER,
        "AUTH_AUDIENCE": AUDIENCE,
        "LOG_LEVEL": "WARNING",
    }
    service = Service("services.visits", env, tmp / f"visits-{name}-{round_no}.log")
    principal = Principal(
        user_id="bench-county",
        name="压测县教育督导室",
        roles=frozenset({Role.county_office}),
        jurisdiction=Jurisdiction(province=PROVINCE, city=CITY, county=COUNTY),
    )
    token = issuer.mint(principal, datetime.now(UTC), timedelta(hours=4))
    limits = httpx.Limits(
        max_connections=args.clients + 8, max_keepalive_connections=args.clients + 8
    )
    spy: subprocess.Popen[bytes] | None = None
    sampler: asyncio.Task[None] | None = None
    try:
        pid = await service.start()
        phase.ready_s.append(service.ready_s)
        async with httpx.AsyncClient(
            base_url=service.base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            limits=limits,
        ) as client:
            phase.ceilings.append(await ceiling(client, args.clients, 3.0))
            load = Load(client, f"b{uuid4().hex[:6]}n", seed=3)
            await load.run_commands(200, args.clients, None, budget=60)  # warm-up
            stop = asyncio.Event()
            lag_before = len(phase.lag_ms)
            sampler = asyncio.create_task(load.sample_lag(phase, stop))
            raw = bench_dir() / f"{NAME}-profile-{name}.txt"
            raw.parent.mkdir(parents=True, exist_ok=True)
            if args.profile and name == "prefilled" and round_no == 0:
                spy = subprocess.Popen(  # noqa: ASYNC220
                    [
                        str(Path(sys.executable).with_name("py-spy")),
                        "record",
                        "--pid",
                        str(pid),
                        "--format",
                        "raw",
                        "--output",
                        str(raw),
                        "--rate",
                        "200",
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            servers = server_pids()
            before = {name: cpu_seconds(pids) for name, pids in servers.items()}
            before["visits service"] = cpu_seconds([pid])
            before["bench clients"] = cpu_seconds([os.getpid()])
            done_before = len(phase.latencies_ms)
            phase.seconds += await load.run_commands(
                commands, args.clients, phase, args.budget / args.rounds
            )
            done = len(phase.latencies_ms) - done_before
            phase.loads.append(loadavg())
            after = {name: cpu_seconds(pids) for name, pids in servers.items()}
            after["visits service"] = cpu_seconds([pid])
            after["bench clients"] = cpu_seconds([os.getpid()])
            for who in before:
                phase.cpu_seconds[who] = phase.cpu_seconds.get(who, 0.0) + after[who] - before[who]
            phase.cpu_commands += done
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    spy.wait(timeout=30)
                if raw.exists():
                    phase.profile = top_frames(raw)
            round_rate = (phase.ok - ok_before) / max(phase.seconds - seconds_before, 1e-9)
            phase.round_rates.append(round_rate)
            stop.set()
            await sampler
            phase.round_lag_p99_ms.append(pct(phase.lag_ms[lag_before:], 0.99))
            ids = [school_id for school_id, _ in load.registered[-2000:]]
            visible = []
            for school_id in ids[-300:]:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"/schools/{school_id}")).status_code == 200:
                        visible.append(school_id)
            paths = [f"/schools/{school_id}" for school_id in visible or ids]
            if paths:
                phase.read_bytes = len((await client.get(paths[0])).content)
                phase.read_alone_ms += await reads_alone(client, paths[:300])
                read_ms, rate = await reads_at_rate(client, paths, 200.0, read_seconds)
                phase.read_ms += read_ms
                phase.read_rates.append(rate)
                floor, _ = await reads_at_rate(client, ["/healthz"], 200.0, read_seconds)
                phase.base.healthz_ms += floor
            phase.rss_mib = max(phase.rss_mib, rss_peak_mib(pid))
    finally:
        if sampler is not None and not sampler.done():  # interrupted mid-phase
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sampler
        if spy is not None and spy.poll() is None:
            spy.kill()
        await service.stop()
    return round_rate


async def run_baselines(
    phase: Phase,
    database: str,
    args: argparse.Namespace,
    infra: dict[str, str],
    tmp: Path,
    round_no: int,
) -> None:
    """The ceiling and the peer of one round of ``phase``, on the same database, after
    the service has stopped (so that they do not share the CPU with it)."""
    commands = max(args.commands // args.rounds, 1)
    topic = f"{infra['prefix']}{phase.name}{round_no}."
    first = 50_000_000 + 1_000_000 * round_no + (500_000 if phase.commits_before else 0)
    commits = prefill_commits(first, commands, random.Random(round_no))[:commands]
    pairs = [(c, json.dumps(c["events"][0], ensure_ascii=False).encode()) for c in commits]
    mongo_uri, kafka = infra["mongodb_uri"], infra["kafka"]
    raw, round_trip = await raw_write_path(
        kafka, mongo_uri, database, topic + "raw", pairs, args.clients
    )
    pool(phase.base.raw, raw)
    phase.base.round_trip_ms += round_trip
    peer = PeerApp(kafka, mongo_uri, database, topic + "peer", tmp / "peer.log")
    mongo = mongo_client(mongo_uri)
    try:
        ids = await seed_docs(mongo_uri, database, 2000, phase.read_bytes or 400)
        pid = await peer.start()
        phase.base.peer_ready_s.append(peer.ready_s)
        phase.base.peer_rss_mib.append(peer.idle_rss_mib)
        limits = httpx.Limits(
            max_connections=args.clients + 8, max_keepalive_connections=args.clients + 8
        )
        async with httpx.AsyncClient(base_url=peer.base, timeout=30, limits=limits) as client:

            async def command(n: int) -> bool:
                r = await client.post("/commands", json=school_body(f"peer{round_no}-{n}", n))
                return r.status_code == 201

            await closed_loop(command, 100, args.clients)  # warm-up
            servers = {**server_pids(), "visits service": [pid], "bench clients": [os.getpid()]}
            before = {who: cpu_seconds(pids) for who, pids in servers.items()}
            timed = await closed_loop(command, commands, args.clients)
            for who, pids in servers.items():
                spent = cpu_seconds(pids) - before[who]
                phase.base.peer_cpu_seconds[who] = phase.base.peer_cpu_seconds.get(who, 0) + spent
            phase.base.peer_cpu_requests += len(timed.ms)
            pool(phase.base.peer, timed)
            paths = [f"/docs/{i}" for i in ids]
            phase.base.peer_read_alone_ms += await reads_alone(client, paths[:300])
            read_ms, rate = await reads_at_rate(
                client, paths, 200.0, args.read_seconds / args.rounds
            )
            phase.base.peer_read_ms += read_ms
            phase.base.peer_read_rates.append(rate)
    finally:
        await peer.stop()
        db = mongo[database]
        await bounded(db["commands"].drop(), f"drop {database}.commands")
        await bounded(db["docs"].drop(), f"drop {database}.docs")
        ceiling_ids = [c["_id"] for c in commits]
        await bounded(
            db[COMMITS].delete_many({"_id": {"$in": ceiling_ids}}), "delete the ceiling's commits"
        )
        await mongo.close()


RAW = (
    "raw durable write path without the service: the benchmark inserts a commit into "
    "event_commits and produces its event with acks=all, same clients, same server"
)
PEER = (
    "a plain FastAPI endpoint (benchmarks/peer_app.py): one insert_one + one acks=all "
    "produce per request, same server, same clients"
)
ROUND_TRIP = "Kafka produce (acks=all) -> consume -> one MongoDB insert, sampled like the lag"
POINT_READ = (
    "a plain FastAPI endpoint: find_one by _id of a document the size of the answer, "
    "same rate, same server"
)
FLOOR = "floor: GET /healthz of the same service at the same rate"
IDLE = "an idle FastAPI + aiokafka + pymongo process (benchmarks/peer_app.py), connected"


def _row(
    figure: str,
    value: float,
    unit: str,
    target: str | None = None,
    ceiling: float | None = None,
    ceiling_label: str | None = None,
    peer: float | None = None,
    peer_label: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    return {
        "figure": figure,
        "value": round(value, 2),
        "unit": unit,
        "target": target,
        "ceiling": None if ceiling is None else round(ceiling, 2),
        "ceiling_label": None if ceiling is None else ceiling_label,
        "peer": None if peer is None else round(peer, 2),
        "peer_label": None if peer is None else peer_label,
        "note": note,
    }


def _phase_rows(p: Phase) -> list[dict[str, Any]]:
    row, b = _row, p.base
    tag = f"{p.name} store" + (f" ({p.commits_before:,} commits)" if p.commits_before else "")
    errors = sum(n for s, n in p.statuses.items() if 500 <= s < 599)
    raw_note = f"ceiling: {len(b.raw.ms)} writes, {b.raw.failed} failed; peer: {len(b.peer.ms)}"
    out = [
        row(
            f"commands/s, {tag}",
            p.commands_per_s,
            "cmd/s",
            ">= 1500",
            b.raw.per_s,
            RAW,
            b.peer.per_s,
            PEER,
            f"2xx answers per second; statuses {dict(sorted(p.statuses.items()))}; "
            f"5xx {errors}; timeouts (30 s) {p.statuses.get(599, 0)}; {raw_note} requests, "
            f"{b.peer.failed} failed; GET /healthz from the same clients {p.ceiling_per_s:.0f}/s",
        ),
    ]
    for q, target in ((0.5, None), (0.99, "<= 50")):
        out.append(
            row(
                f"command latency p{round(q * 100)}, {tag}",
                pct(p.latencies_ms, q),
                "ms",
                target,
                pct(b.raw.ms, q),
                RAW,
                pct(b.peer.ms, q),
                PEER,
            )
        )
    for q, target in ((0.5, None), (0.99, "<= 1000")):
        out.append(
            row(
                f"accepted -> read model lag p{round(q * 100)}, {tag}",
                pct(p.lag_ms, q),
                "ms",
                target,
                pct(b.round_trip_ms, q),
                ROUND_TRIP,
                note=f"{len(p.lag_ms)} samples during the load (polled every 25 ms); "
                f"ceiling {len(b.round_trip_ms)} samples during the ceiling's load"
                if q == 0.5
                else None,
            )
        )
    for q, target in ((0.5, None), (0.99, "<= 10")):
        out.append(
            row(
                f"read GET /schools/{{id}} p{round(q * 100)} at 200 req/s, {tag}",
                pct(p.read_ms, q),
                "ms",
                target,
                pct(b.peer_read_ms, q),
                POINT_READ,
                pct(b.healthz_ms, q),
                FLOOR,
                f"{len(p.read_ms)} reads at {p.read_rate:.0f} req/s achieved, answers of "
                f"{p.read_bytes} bytes (not a roll-up: benchmarks.reads measures those)"
                if q == 0.5
                else None,
            )
        )
    for q in (0.5, 0.99):
        out.append(
            row(
                f"read GET /schools/{{id}} p{round(q * 100)}, one client alone, {tag}",
                pct(p.read_alone_ms, q),
                "ms",
                None,
                pct(b.peer_read_alone_ms, q),
                POINT_READ.replace("same rate", "one client alone"),
                note=f"{len(p.read_alone_ms)} reads one after another (service time)"
                if q == 0.5
                else None,
            )
        )
    out += [
        row(
            f"visits service peak RSS, {tag}",
            p.rss_mib,
            "MiB",
            "< 300",
            peer=max(b.peer_rss_mib, default=float("nan")),
            peer_label=IDLE,
        ),
        row(
            f"service start to ready (working sets loaded), {tag}",
            max(p.ready_s, default=float("nan")),
            "s",
            None,
            peer=max(b.peer_ready_s, default=float("nan")),
            peer_label="the peer app's start to its first answer",
            note="slowest round; /readyz waits for every projection's working set",
        ),
    ]
    return out + _cpu_rows(p, tag)


def _cpu_rows(p: Phase, tag: str) -> list[dict[str, Any]]:
    out = []
    peer_ms = p.base.peer_cpu_ms
    label = "the same per request of the peer endpoint (its process in the service's place)"
    server_ms = peer_server_ms = 0.0
    for who, ms in p.cpu_ms_per_command.items():
        out.append(
            _row(
                f"CPU per command, {who}, {tag}",
                ms,
                "ms",
                peer=peer_ms.get(who),
                peer_label=label,
                note="includes the relay and the read-model projection"
                if who == "visits service"
                else None,
            )
        )
        if who != "bench clients":
            server_ms += ms
            peer_server_ms += peer_ms.get(who, 0.0)
    if server_ms:
        cpus = os.cpu_count() or 1
        out.append(
            _row(
                f"commands/s the CPU allows ({cpus} idle cores), {tag}",
                1000 * cpus / server_ms,
                "cmd/s",
                ">= 1500",
                peer=1000 * cpus / peer_server_ms if peer_server_ms else None,
                peer_label=label,
                note=f"{cpus} cores / {server_ms:.1f} ms of server CPU per command "
                f"(service + FerretDB + PostgreSQL); load average {p.load_during:.1f} "
                "during the run (shared machine)",
            )
        )
    return out


def rows_for(empty: Phase, full: Phase) -> list[dict[str, Any]]:
    out = _phase_rows(empty) + _phase_rows(full)

    def over(f: float, e: float) -> float:
        return f / e if e else float("nan")

    by_round = [f / e for e, f in zip(empty.round_rates, full.round_rates, strict=False) if e]
    out.append(
        _row(
            "commands/s prefilled / empty",
            over(full.commands_per_s, empty.commands_per_s),
            "ratio",
            ">= 0.8",
            over(full.base.raw.per_s, empty.base.raw.per_s),
            "the same ratio of the raw write path",
            over(full.base.peer.per_s, empty.base.peer.per_s),
            "the same ratio of the peer endpoint",
            note=f"{full.commits_before:,} commits in the prefilled store; "
            f"{len(by_round)} alternating rounds, ratio by round "
            + ", ".join(f"{r:.2f}" for r in by_round),
        )
    )
    return out


async def drop_topics(kafka: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    cancel_on_signals()  # SIGTERM/SIGINT: the finally blocks below drop what the run created
    started = datetime.now(UTC)
    port = os.environ.get("DUXUE_FERRETDB_PORT", "27017")
    infra = {
        "kafka": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        "mongodb_uri": os.environ.get(
            "MONGODB_URI", f"mongodb://127.0.0.1:{port}/?directConnection=true"
        ),
        "prefix": f"bench{uuid4().hex[:6]}",
    }
    backend = await detect_backend(infra["mongodb_uri"])
    print(f"commands benchmark on FerretDB/{backend} at {infra['mongodb_uri']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as d:
        tmp = Path(d)
        private, public = ensure_keypair(tmp)
        if public != tmp / "jwt-public.pem":
            (tmp / "jwt-public.pem").write_bytes(public.read_bytes())
        issuer = TokenIssuer(private.read_bytes(), ISSUER, AUDIENCE)
        empty, full = Phase("empty", 0), Phase("prefilled", 0)
        mongo = mongo_client(infra["mongodb_uri"])
        prefilled = args.prefilled_database or f"bench_cmd_{uuid4().hex[:8]}_prefilled"
        keep = bool(args.prefilled_database) or args.keep_prefilled
        try:
            if args.prefilled_database:
                # A store prefilled by an earlier run (it is kept afterwards, too).
                full.commits_before = args.prefilled_commits
            elif args.prefill:
                print(f"prefilling {args.prefill:,} commits into {prefilled} ...", flush=True)
                # Counted here, not by the server: FerretDB's count reads every document.
                full.commits_before, took = await prefill(
                    infra["mongodb_uri"], prefilled, args.prefill
                )
                print(f"  prefilled {full.commits_before:,} commits in {took:.0f}s", flush=True)
            # Rounds alternate (empty, prefilled), (prefilled, empty), ... so that a
            # machine whose load drifts weighs on both stores alike.
            for round_no in range(args.rounds):
                order = (empty, full) if round_no % 2 == 0 else (full, empty)
                for phase in order:
                    database = prefilled if phase is full else f"bench_cmd_{uuid4().hex[:8]}_empty"
                    print(f"round {round_no + 1}/{args.rounds}: {phase.name} store", flush=True)
                    try:
                        rate = await run_phase(phase, database, args, infra, issuer, tmp, round_no)
                        lag = phase.round_lag_p99_ms[-1]
                        print(f"  {rate:,.1f} cmd/s, lag p99 {lag:,.0f} ms", flush=True)
                        await run_baselines(phase, database, args, infra, tmp, round_no)
                        base = phase.base
                        print(
                            f"  ceiling {base.raw.per_s:,.1f} writes/s, "
                            f"peer {base.peer.per_s:,.1f} req/s",
                            flush=True,
                        )
                    finally:
                        if phase is empty:
                            await bounded(mongo.drop_database(database), f"drop {database}")
                        else:  # what the round added beside the commits: the outbox
                            outbox = mongo[database]["outbox_pending"]
                            await bounded(outbox.drop(), f"drop {database}.outbox_pending")
        finally:
            if not keep:
                await bounded(mongo.drop_database(prefilled), f"drop {prefilled}")
            elif not args.prefilled_database:
                print(
                    f"kept {prefilled} ({full.commits_before:,} commits and this run's); "
                    f"reuse: --prefilled-database {prefilled} "
                    f"--prefilled-commits {full.commits_before}",
                    flush=True,
                )
            await mongo.close()
            prefix = infra["prefix"]
            await bounded(drop_topics(infra["kafka"], prefix), f"delete {prefix}* topics")
    rows = rows_for(empty, full)
    result = {
        "benchmark": NAME,
        "started_at": started.isoformat(),
        "machine": machine(backend),
        "size": {
            "commits_in_prefilled_store": full.commits_before,
            "commands_per_phase": [len(empty.latencies_ms), len(full.latencies_ms)],
            "rounds": args.rounds,
            "commands_per_s_by_round": {
                "empty": [round(r, 1) for r in empty.round_rates],
                "prefilled": [round(r, 1) for r in full.round_rates],
            },
            "ready_s_by_round": {
                "empty": [round(r, 1) for r in empty.ready_s],
                "prefilled": [round(r, 1) for r in full.ready_s],
            },
            "lag_p99_ms_by_round": {
                "empty": [round(r, 1) for r in empty.round_lag_p99_ms],
                "prefilled": [round(r, 1) for r in full.round_lag_p99_ms],
            },
            "clients": args.clients,
            "mix": "80% POST /schools, 20% PATCH /schools/{id} (If-Match)",
            "read_seconds_at_200_rps": args.read_seconds,
            "load_average_1m": [round(empty.load_during, 1), round(full.load_during, 1)],
        },
        "rows": rows,
        "profile": full.profile,
    }
    out = bench_dir() / f"{NAME}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    width = max(len(r["figure"]) for r in rows)
    print(f"\n{'figure':<{width}}  {'value':>10} {'unit':<6} {'target':<9} ceiling/peer")
    for r in rows:
        beside = []
        if r["ceiling"] is not None:
            beside.append(f"{r['ceiling']} ({r['ceiling_label']})")
        if r["peer"] is not None:
            beside.append(f"{r['peer']} ({r['peer_label']})")
        print(
            f"{r['figure']:<{width}}  {r['value']:>10} {r['unit']:<6} {r['target'] or '':<9} "
            + "; ".join(beside)
        )
    if full.profile:
        print("\nprofile of the visits service (prefilled run):")
        print("\n".join(full.profile))
    print(f"\nwrote {out}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_const", const="quick", dest="size")
    size.add_argument("--full", action="store_const", const="full", dest="size")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--commands", type=int, help="measured commands per phase")
    parser.add_argument("--prefill", type=int, help="commits in the prefilled store")
    parser.add_argument("--read-seconds", type=float, dest="read_seconds")
    parser.add_argument(
        "--budget", type=float, default=600, help="seconds per measured phase at most"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy the prefilled run")
    parser.add_argument(
        "--prefilled-database", help="use this already prefilled database (kept afterwards)"
    )
    parser.add_argument("--prefilled-commits", type=int, default=0, help="commits it holds")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating (empty, prefilled) rounds; the commands are split among them",
    )
    parser.add_argument(
        "--keep-prefilled", action="store_true", help="keep the prefilled database for reuse"
    )
    args = parser.parse_args(argv)
    sizes = SIZES[args.size or "quick"]
    for key, value in sizes.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


if __name__ == "__main__":
    try:
        asyncio.run(main(parse()))
    except asyncio.CancelledError:
        sys.exit("interrupted: the run's databases and topics were dropped (a kept store stays)")
