"""Read latency of the roll-up endpoints on a simulated province year (issue 12 item 7).

``python -m benchmarks.reads [--quick|--full] [--schools N] [--months N] [--rate 200]
[--seconds S] [--service-root DIR] [--profile]``, on the real Kafka broker and
MongoDB-wire server:

1. publishes the simulated year (:mod:`benchmarks.province`, seeded) to fresh prefixed
   topics and folds it with the kernel, from offset 0, into the reporting service's read
   models (the projections :func:`services.reporting.bootstrap.projections` builds) in a
   database of its own — the fold's events/s is a row;
2. starts the reporting service (``python -m services.reporting``, uvicorn on a free
   loopback port) on those topics and that database: its projections resume at the
   log's end, so the read models hold the whole year;
3. for a county, a city and the province (``?month=`` the last simulated month and
   ``?year=``) and a school card (``?month=``), as the province office: one client
   alone (``--alone`` requests, one at a time), then ``--rate`` requests/s open loop
   for ``--seconds`` (bounded in count and time: a request not answered within 10 s
   counts as an error), each request for a unit drawn at random among all those of its
   level; then all of them mixed at the same rate. **The main figure is a county's
   month roll-up** (``GET /reports/units/county/{code}?month=``, the report a county
   office reads); the other kinds are extra rows. Beside each, from the same run: the
   ceiling, a plain FastAPI endpoint (:mod:`benchmarks.peer_app`, started beside the
   service on the same server) answering a point read (``find_one`` by ``_id``) of a
   document the size of that kind's answer at the same rate; and in the peer column the
   floor, the reporting service's own ``GET /healthz`` at the same rate. The fold's row
   stands beside its like-for-like ceiling, the service's RSS beside the idle peer app's.

``--service-root`` runs the service from another checkout (the read path of an earlier
version on the same data: the documents this version writes are a superset). Prints a
table and writes ``.state/bench/reads.json`` (:func:`benchmarks.common.write_result`);
the topics and the database are dropped afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

import shared.contracts  # noqa: F401
from benchmarks.baselines import PeerApp, seed_docs
from benchmarks.commands import pct, rss_peak_mib, top_frames
from benchmarks.common import Row, Service, bench_dir, now_iso, table, write_result
from benchmarks.projections import OWN_CEILING, Bench, cleanup, like_for_like
from benchmarks.province import Size, simulate
from benchmarks.province.model import PROVINCE
from benchmarks.province.publish import publish
from services.reporting.bootstrap import projections
from shared.auth import Principal, Role, TokenIssuer, ensure_keypair
from shared.consumer import ConsumerConfig
from shared.events import registry
from shared.jurisdiction import Jurisdiction
from shared.kafka import make_producer
from shared.projection import ProjectionRunner, activate, collection_name
from shared.runtime import mongo_client
from shared.settings import REPO_ROOT

NAME = "reads"
QUICK = Size(schools=1000, months=5)
FULL = Size(schools=20_000, months=12)
ISSUER, AUDIENCE = "duxue-bench", "duxue-platform"
TARGET = "p99 ≤ 10 ms at 200 req/s"
TIMEOUT = 10.0


@dataclass
class Sample:
    """Latencies (ms) of the answered requests, and what went wrong."""

    ms: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    seconds: float = 0.0
    """From the first request sent to the last one sent (the offered rate)."""

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


async def one(client: httpx.AsyncClient, path: str, sample: Sample) -> None:
    t0 = time.perf_counter()
    try:
        r = await client.get(path, timeout=TIMEOUT)
        ok = r.status_code == 200
    except httpx.HTTPError:
        ok = False
    if ok:
        sample.ms.append((time.perf_counter() - t0) * 1000)
    else:
        sample.errors += 1


async def alone(client: httpx.AsyncClient, paths: list[str], count: int, seed: int) -> Sample:
    """One client, one request at a time."""
    rng, sample = random.Random(seed), Sample()
    t0 = time.perf_counter()
    for _ in range(count):
        await one(client, rng.choice(paths), sample)
    sample.sent, sample.seconds = count, time.perf_counter() - t0
    return sample


async def at_rate(
    client: httpx.AsyncClient, paths: list[str], rate: float, seconds: float, seed: int
) -> Sample:
    """Open loop: one request every 1/rate s whatever the answers do (``rate × seconds``
    requests, each bounded by the client's timeout)."""
    rng, sample = random.Random(seed), Sample()
    total = int(rate * seconds)
    tasks: list[asyncio.Task[None]] = []
    t0 = time.perf_counter()
    for i in range(total):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(client, rng.choice(paths), sample)))
    sample.sent, sample.seconds = total, time.perf_counter() - t0
    await asyncio.gather(*tasks)
    return sample


async def fold(bench: Bench) -> tuple[int, float]:
    """The reporting projections from offset 0 into generation 1, one after another, as
    the service would (its checkpoints let the service resume at the log's end);
    returns the events consumed by the roll-ups and their seconds."""
    rollup_events, rollup_seconds = 0, 0.0
    config = ConsumerConfig(bench.kafka, topic_prefix=bench.prefix)
    for projection in projections():
        await activate(bench.db, projection.name)
        runner = ProjectionRunner(projection, bench.db, registry, config, bench.producer, 1)
        t0 = time.perf_counter()
        await runner.run(until_end=True)
        secs = time.perf_counter() - t0
        events = bench.topic_events(projection)
        print(f"  folded {projection.name}: {events:,} events in {secs:.1f} s", flush=True)
        if projection.name == "reporting_rollups":
            rollup_events, rollup_seconds = events, secs
    return rollup_events, rollup_seconds


async def units_by_level(bench: Bench) -> tuple[dict[str, list[str]], str]:
    """Every unit code by level (a scan, once, in the setup) and the last month."""
    coll = bench.db[collection_name("reporting_rollups", 1, "months")]
    codes: dict[str, set[str]] = {}
    last = ""
    async for doc in coll.find({}, {"level": 1, "code": 1, "month": 1}):
        codes.setdefault(doc["level"], set()).add(doc["code"])
        last = max(last, doc["month"])
    return {level: sorted(found) for level, found in codes.items()}, last


def token(tmp: Path) -> tuple[str, Path]:
    private, public = ensure_keypair(tmp)
    issuer = TokenIssuer(private.read_bytes(), ISSUER, AUDIENCE)
    principal = Principal(
        user_id="bench-province",
        name="压测省督导办",
        roles=frozenset({Role.province_office}),
        jurisdiction=Jurisdiction(province=PROVINCE),
    )
    return issuer.mint(principal, datetime.now(UTC), timedelta(hours=4)), public


MAIN = "county ?month"
"""The main figure: a county's month roll-up, the report a county office reads."""
POINT_READ = (
    "a plain FastAPI endpoint (benchmarks/peer_app.py): find_one by _id of a document the "
    "size of this answer, same rate, same server and client"
)
FLOOR = "floor: GET /healthz of the reporting service at the same rate"


def row(
    figure: str, s: Sample, ceiling: Sample, floor: Sample, note: str, target: str | None
) -> Row:
    p50, p99 = pct(s.ms, 0.5), pct(s.ms, 0.99)
    return Row(
        figure,
        p99,
        "ms p99",
        target=target,
        ceiling=pct(ceiling.ms, 0.99),
        ceiling_label=POINT_READ,
        peer=pct(floor.ms, 0.99),
        peer_label=FLOOR,
        note=f"p50 {p50:.1f} ms (ceiling {pct(ceiling.ms, 0.5):.1f}, floor "
        f"{pct(floor.ms, 0.5):.1f}), max {max(s.ms, default=float('nan')):.1f} ms; "
        f"{len(s.ms):,} answered, {s.errors} errors, {s.rate:,.0f} req/s sent; {note}",
    )


async def answer_bytes(client: httpx.AsyncClient, paths: list[str]) -> int:
    """The size of one answer of the kind (the peer's documents match it)."""
    for path in paths[:5]:  # a loaded machine may time one out
        with contextlib.suppress(httpx.HTTPError):
            r = await client.get(path, timeout=TIMEOUT * 3)
            if r.status_code == 200:
                return len(r.content)
    return 1000


async def point_reads(
    peer: PeerApp, uri: str, database: str, size: int, kind: str, args: argparse.Namespace
) -> Sample:
    """The peer's point reads of documents of ``size`` bytes at the same rate."""
    ids = await seed_docs(
        uri, database, 500, size, prefix="".join(c for c in kind if c.isalnum()) + "-"
    )
    async with httpx.AsyncClient(base_url=peer.base, limits=LIMITS) as client:
        paths = [f"/docs/{i}" for i in ids]
        await alone(client, paths[:100], 100, 1)  # warm-up
        return await at_rate(client, paths, args.rate, args.seconds, 30)


LIMITS = httpx.Limits(max_connections=400, max_keepalive_connections=400)


async def measure(
    service: Service, peer: PeerApp, bench: Bench, tok: str, args: argparse.Namespace
) -> tuple[list[Row], dict[str, Any], list[str]]:
    units, last = await units_by_level(bench)
    year = last[:4]
    kinds = {  # the main figure first
        MAIN: ("county", f"month={last}"),
        "county ?year": ("county", f"year={year}"),
        "city ?month": ("city", f"month={last}"),
        "city ?year": ("city", f"year={year}"),
        "province ?month": ("province", f"month={last}"),
        "province ?year": ("province", f"year={year}"),
        "school card ?month": ("school", f"month={last}"),
    }
    paths = {
        kind: [f"/reports/units/{level}/{code}?{query}" for code in units[level]]
        for kind, (level, query) in kinds.items()
    }
    rows: list[Row] = []
    profile: list[str] = []
    headers = {"Authorization": f"Bearer {tok}"}
    uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    async with httpx.AsyncClient(base_url=service.base, headers=headers, limits=LIMITS) as client:
        for kind_paths in paths.values():  # warm-up: every unit once
            await alone(client, kind_paths, min(len(kind_paths), 200), 1)
        floor = await at_rate(client, ["/healthz"], args.rate, args.seconds, 2)
        floor_alone = await alone(client, ["/healthz"], args.alone, 3)
        async with httpx.AsyncClient(base_url=peer.base, limits=LIMITS) as plain:
            peer_health = await at_rate(plain, ["/healthz"], args.rate, args.seconds, 4)
        print(
            f"  /healthz at {args.rate:.0f}/s: p50 {pct(floor.ms, 0.5):.1f} ms, "
            f"p99 {pct(floor.ms, 0.99):.1f} ms",
            flush=True,
        )
        rows.append(
            Row(
                f"floor: GET /healthz of the reporting service at {args.rate:.0f} req/s",
                pct(floor.ms, 0.99),
                "ms p99",
                ceiling=pct(peer_health.ms, 0.99),
                ceiling_label="GET /healthz of the plain FastAPI app at the same rate",
                note=f"p50 {pct(floor.ms, 0.5):.1f} ms, {floor.errors} errors; alone p50 "
                f"{pct(floor_alone.ms, 0.5):.1f} ms, p99 {pct(floor_alone.ms, 0.99):.1f} ms",
            )
        )
        sizes: dict[str, int] = {}
        for n, (kind, kind_paths) in enumerate(paths.items()):
            sizes[kind] = await answer_bytes(client, kind_paths)
            ceiling = await point_reads(peer, uri, bench.db.name, sizes[kind], kind, args)
            lone = await alone(client, kind_paths, args.alone, 10 + n)
            loaded = await at_rate(client, kind_paths, args.rate, args.seconds, 20 + n)
            print(
                f"  {kind:<20} alone p50 {pct(lone.ms, 0.5):5.1f} p99 {pct(lone.ms, 0.99):5.1f}"
                f" | at {args.rate:.0f}/s p50 {pct(loaded.ms, 0.5):5.1f} "
                f"p99 {pct(loaded.ms, 0.99):6.1f} ms, {loaded.errors} errors; "
                f"point-read ceiling p99 {pct(ceiling.ms, 0.99):.1f} ms",
                flush=True,
            )
            level = kinds[kind][0]
            main = kind == MAIN
            what = f"GET /reports/units/{level}/… {kind.split()[-1]}= at {args.rate:.0f} req/s"
            rows.append(
                row(
                    f"roll-up read (the main figure): {what}" if main else f"extra: {what}",
                    loaded,
                    ceiling,
                    floor,
                    f"answers of {sizes[kind]:,} bytes; one client alone: p50 "
                    f"{pct(lone.ms, 0.5):.1f} ms, p99 {pct(lone.ms, 0.99):.1f} ms; "
                    f"{len(kind_paths):,} units drawn at random",
                    TARGET if main else None,
                )
            )
        everything = [p for kind_paths in paths.values() for p in kind_paths[:200]]
        mean = sum(sizes.values()) // max(len(sizes), 1)
        ceiling = await point_reads(peer, uri, bench.db.name, mean, "mixed", args)
        spy = start_spy(service) if args.profile else None
        mixed = await at_rate(client, everything, args.rate, args.seconds * 2, 99)
        if spy is not None:
            profile = stop_spy(spy)
        rows.append(
            row(
                f"extra: all of the above mixed at {args.rate:.0f} req/s",
                mixed,
                ceiling,
                floor,
                f"each level's first 200 units, drawn at random; ceiling documents of "
                f"{mean:,} bytes (the kinds' mean)",
                None,
            )
        )
    counts = {f"{level} units": len(codes) for level, codes in units.items()}
    return rows, {**counts, "month": last, "answer_bytes": sizes}, profile


RAW_PROFILE = "reads-profile.txt"


def start_spy(service: Service) -> tuple[subprocess.Popen[bytes], Path] | None:
    spy_bin = Path(sys.executable).with_name("py-spy")
    if service.proc is None or not spy_bin.exists():
        return None
    raw = bench_dir() / RAW_PROFILE
    raw.parent.mkdir(parents=True, exist_ok=True)
    argv = [str(spy_bin), "record", "--pid", str(service.proc.pid), "--format", "raw"]
    proc = subprocess.Popen(
        [*argv, "--output", str(raw), "--rate", "200", "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, raw


def stop_spy(spy: tuple[subprocess.Popen[bytes], Path]) -> list[str]:
    proc, raw = spy
    proc.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    return (
        ["py-spy of the reporting service, the mixed reads", *top_frames(raw)]
        if raw.exists()
        else []
    )


async def run(size: Size, args: argparse.Namespace) -> int:
    started_at = now_iso()
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    stamp = f"{int(time.time())}{os.getpid() % 1000:03d}"
    prefix = f"benchreads{stamp}."
    print(f"simulating {size.schools:,} schools × {size.months} months (seed {size.seed}) ...")
    published = await publish(simulate(size), kafka, prefix)
    print(f"published {published.totals.events:,} events in {published.seconds:.1f} s", flush=True)
    client = mongo_client(mongo_uri)
    producer = make_producer(kafka, "bench-reads")
    await producer.start()
    bench = Bench(kafka, prefix, client[f"benchreads_{stamp}"], producer, published)
    rows: list[Row] = []
    profile: list[str] = []
    extra: dict[str, Any] = {}
    service: Service | None = None
    try:
        rollups = [p for p in projections() if p.name == "reporting_rollups"]
        own, _ = await like_for_like(bench, rollups, 10**12)
        events, secs = await fold(bench)
        rows.append(
            Row(
                "fold the year into the roll-ups (reporting_rollups from offset 0)",
                events / secs,
                "events/s",
                ceiling=own,
                ceiling_label=OWN_CEILING,
                note=f"{events:,} events in {secs:.1f} s (the setup of the reads; "
                "benchmarks.projections measures it beside the ceiling)",
            )
        )
        with tempfile.TemporaryDirectory(prefix="bench-reads-") as d:
            tmp = Path(d)
            tok, public = token(tmp)
            env = {
                "KAFKA_BOOTSTRAP_SERVERS": kafka,
                "KAFKA_TOPIC_PREFIX": prefix,
                "MONGODB_URI": mongo_uri,
                "MONGODB_DATABASE": bench.db.name,
                "AUTH_PUBLIC_KEY_FILE": str(public),
                "AUTH_ISSUER": ISSUER,
                "AUTH_AUDIENCE": AUDIENCE,
                "LOG_LEVEL": "WARNING",
            }
            log = bench_dir() / "reads-service.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            service = Service("services.reporting", env, log, args.service_root)
            pid = await service.start()
            print(f"reporting service ready in {service.ready_s:.1f} s", flush=True)
            peer = PeerApp(kafka, mongo_uri, bench.db.name, prefix + "peer", tmp / "peer.log")
            try:
                await peer.start()
                rows_, extra, profile = await measure(service, peer, bench, tok, args)
            finally:
                await peer.stop()
            rows += rows_
            rows.append(
                Row(
                    "peak RSS of the reporting service",
                    rss_peak_mib(pid),
                    "MiB",
                    target="< 300 MB",
                    peer=peer.idle_rss_mib,
                    peer_label="an idle FastAPI + aiokafka + pymongo process "
                    "(benchmarks/peer_app.py), connected",
                    note=f"ready in {service.ready_s:.1f} s (working sets loaded; the peer "
                    f"answered {peer.ready_s:.1f} s after its start)",
                )
            )
            await service.stop()
    finally:
        if service is not None:
            await service.stop()
        if not args.keep:
            await cleanup(bench.kafka, bench.prefix, client, bench.db.name)
        await producer.stop()
        await client.close()
    sizes = {
        "schools": size.schools,
        "months": size.months,
        "seed": size.seed,
        "events": published.totals.events,
        "rate_per_s": args.rate,
        "seconds_per_figure": args.seconds,
        "load_average_1m": round(os.getloadavg()[0], 1),
        "service_root": str(args.service_root),
        **extra,
    }
    path = write_result(NAME, started_at, sizes, rows, profile)
    print()
    print(table([r.__dict__ for r in rows]))
    print(f"\nwrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reads", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="1,000 schools × 5 months")
    group.add_argument("--full", action="store_true", help="20,000 schools × 12 months")
    parser.add_argument("--schools", type=int)
    parser.add_argument("--months", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s, open loop")
    parser.add_argument("--seconds", type=float, help="seconds at the rate per figure")
    parser.add_argument("--alone", type=int, default=200, help="requests of one client alone")
    parser.add_argument("--service-root", type=Path, default=REPO_ROOT)
    parser.add_argument("--profile", action="store_true", help="py-spy the mixed reads")
    parser.add_argument("--keep", action="store_true", help="keep the topics and database")
    args = parser.parse_args(argv)
    base = FULL if args.full else QUICK
    if args.seconds is None:
        args.seconds = 20.0 if args.full else 5.0
    size = Size(
        schools=args.schools or base.schools, months=args.months or base.months, seed=args.seed
    )
    return asyncio.run(run(size, args))


if __name__ == "__main__":
    sys.exit(main())
