"""Projection benchmark on a simulated province year (issue 10, benchmark contract).

``python -m benchmarks.projections --quick`` (a few minutes on 2 cores) or ``--full``
(about 10 million events: 41,000 schools × 12 months; only five projections are also
timed alone there, ``--alone all`` for every one) or explicit ``--schools``/``--months``.
In one run, on the real Kafka broker and MongoDB-wire server:

1. publishes the simulated year (:mod:`benchmarks.province`) to fresh prefixed topics;
2. **ceiling**: consumes the same topics from offset 0 doing nothing else (raw, with a
   JSON decode, with the platform's full envelope + payload decode);
3. every projection the services run (the same instances their bootstraps build), each
   alone from offset 0, then all of them together in one process, as events/s: events
   of the projection's topics consumed and folded into its read models, per second;
   beside each, its own ceiling measured just before, like for like
   (:func:`like_for_like`: the same topics consumed, and only the events it handles
   decoded, chosen by the same ``ce_type`` header filter as the kernel's lean decoder);
4. **peer**: a straightforward consumer doing one upsert per event on the same server;
5. the full **rebuild** of every read model via ``shared.projection.rebuild`` (a new
   generation from offset 0, all concurrently) in a process of its own, timed, with that
   process's RSS sampled every 0.25 s, beside the RSS of an idle FastAPI + aiokafka +
   pymongo process (:mod:`benchmarks.peer_app`);
6. ``--profile``: the busiest projection whose topics hold at most 300,000 events, alone
   again under pyinstrument (async mode); its call tree goes into the result's ``profile``.

Prints the table and writes ``.state/bench/projections.json``; everything it creates
(topics, database) is deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo.asynchronous.database import AsyncDatabase

import shared.contracts  # noqa: F401
from benchmarks.baselines import idle_peer
from benchmarks.common import (
    Row,
    RssSampler,
    bench_dir,
    bounded,
    now_iso,
    peak_rss_mib,
    table,
    write_result,
)
from benchmarks.province import Size, simulate
from benchmarks.province.model import MAX_MONTHS, MIN_SCHOOLS, months_arg, schools_arg
from benchmarks.province.publish import Published, publish
from shared.consumer import ConsumerConfig, all_partitions, assign_from, decode
from shared.decoding import LeanDecoder
from shared.events import registry
from shared.kafka import make_consumer, make_producer
from shared.projection import Projection, ProjectionRunner, rebuild
from shared.runtime import mongo_client
from shared.topics import EVENT_TOPICS, dead_letter_topic

Doc = dict[str, Any]
QUICK = Size(schools=1000, months=5)
"""About 100,000 events: large enough that start-up does not dominate, a few minutes."""
FULL = Size(schools=41_000, months=12)
"""About 10 million events: the log of issue 10's rebuild target (the domain's province of
20,000 schools gives ~4.9 million a year; see docs/simulator.md)."""
PROFILE_EVENTS = 300_000
FULL_ALONE = (
    "school_counts",
    "visits_visits",
    "issues_issues",
    "reporting_rollups",
    "reporting_inspectors",
)
TARGET_EVENTS_S = 20_000
TARGET_RATE = "≥ 20,000 events/s and ≥ 50% of the ceiling"
OWN_CEILING = (
    "like for like, per projection row: consume the same topics and orjson-decode only the "
    "events it handles, chosen by the same ce_type header filter (LeanDecoder.wanted)"
)


def all_projections() -> list[Projection]:
    """Every projection the services run, built as their bootstraps build them."""
    from services.issues.complaints.view import ComplaintsView
    from services.issues.directory_view import directory_view as issues_directory
    from services.issues.hazards.register import hazard_register
    from services.issues.rectification.view import IssueView
    from services.issues.rectification.visit_origins import VisitOriginsView
    from services.issues.self_inspection.view import SelfInspectionView
    from services.reporting.inspectors.view import InspectorView
    from services.reporting.rollups.view import RollupView
    from services.reporting.school_counts import SchoolCounts
    from services.visits.campaigns.view import CampaignsView
    from services.visits.checklists.view import ChecklistsView
    from services.visits.directory.view import directory_view as visits_directory
    from services.visits.plans.view import PlansView
    from services.visits.visit.view import VisitView

    return [
        SchoolCounts(),
        visits_directory(),
        ChecklistsView(),
        CampaignsView(),
        PlansView(),
        VisitView(),
        issues_directory(),
        IssueView(),
        VisitOriginsView(),
        SelfInspectionView(),
        hazard_register(),
        ComplaintsView(),
        RollupView(),
        InspectorView(),
    ]


@dataclass
class Bench:
    kafka: str
    prefix: str
    db: AsyncDatabase[Doc]
    producer: AIOKafkaProducer
    published: Published

    def topic_events(self, projection: Projection) -> int:
        return sum(self.published.totals.by_topic[t] for t in projection.topics)

    def handled(self, projection: Projection) -> int:
        return sum(self.published.totals.by_type[t] for t in projection.handles)

    @property
    def log_events(self) -> int:
        return self.published.totals.events


def runner(bench: Bench, projection: Projection, generation: int) -> ProjectionRunner:
    """The kernel's runner for one generation of one projection on the bench topics."""
    return ProjectionRunner(
        projection,
        bench.db,
        registry,
        ConsumerConfig(bench.kafka, topic_prefix=bench.prefix),
        bench.producer,
        generation=generation,
    )


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


# -- the ceiling -------------------------------------------------------------------------


async def consume_all(
    bench: Bench,
    handle: Callable[[Any], object],
    limit: int,
    topics: tuple[str, ...] = EVENT_TOPICS,
) -> tuple[int, float]:
    """Read the bench ``topics`` (all by default) from offset 0 to their end (or ``limit``
    records), calling ``handle`` per record."""
    consumer = make_consumer(bench.kafka, group_id=f"{bench.prefix}ceiling", client_id="ceiling")
    await consumer.start()
    try:
        names = tuple(bench.prefix + t for t in topics)
        assigned = await assign_from(consumer, names, {})
        end = await consumer.end_offsets(assigned)
        done = {tp: 0 for tp in assigned}
        count = 0
        started = time.perf_counter()
        while count < limit and any(done[tp] < end[tp] for tp in assigned):
            fetched = await consumer.getmany(timeout_ms=300, max_records=5000)
            for tp, records in fetched.items():
                for record in records:
                    handle(record)
                count += len(records)
                if records:
                    done[tp] = records[-1].offset + 1
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


async def like_for_like(
    bench: Bench, projections: Sequence[Projection], limit: int
) -> tuple[float, int]:
    """The ceiling of these projections, like for like: consume their topics from offset 0
    and decode (orjson, as the kernel's lean decoder does) only the events they handle,
    chosen by the same ``ce_type`` header filter; events/s of the topics, events decoded."""
    decoders = [LeanDecoder(registry, p.handles) for p in projections]
    topics = tuple(dict.fromkeys(t for p in projections for t in p.topics))
    decoded = 0

    def handle(record: Any) -> None:
        nonlocal decoded
        if any(d.wanted(record) for d in decoders):
            orjson.loads(record.value)
            decoded += 1

    n, secs = await consume_all(bench, handle, limit, topics)
    return n / secs, decoded


# -- the peer ---------------------------------------------------------------------------


async def peer(bench: Bench, limit: int, seconds: float) -> tuple[int, float]:
    """What a user might write first: for each event, ``json.loads`` and one upsert of a
    per-stream document (type, version, time, count), awaited one at a time; over the
    first ``limit`` events of the log or ``seconds``, whichever ends first."""
    coll = bench.db["peer_streams"]
    consumer = make_consumer(bench.kafka, group_id=f"{bench.prefix}peer", client_id="peer")
    await consumer.start()
    try:
        names = tuple(bench.prefix + t for t in EVENT_TOPICS)
        assigned = await assign_from(consumer, names, {})
        end = await consumer.end_offsets(assigned)
        done = {tp: 0 for tp in assigned}
        count = 0
        started = time.perf_counter()
        stop_at = started + seconds
        while (
            count < limit
            and time.perf_counter() < stop_at
            and any(done[tp] < end[tp] for tp in assigned)
        ):
            fetched = await consumer.getmany(timeout_ms=300, max_records=500)
            for tp, records in fetched.items():
                for record in records:
                    event = json.loads(record.value)
                    await coll.update_one(
                        {"_id": event["subject"]},
                        {
                            "$set": {
                                "type": event["type"],
                                "version": event["streamversion"],
                                "at": event["time"],
                                "jurisdiction": event["jurisdiction"],
                            },
                            "$inc": {"events": 1},
                        },
                        upsert=True,
                    )
                    count += 1
                if records:
                    done[tp] = records[-1].offset + 1
        return count, time.perf_counter() - started
    finally:
        await consumer.stop()


async def dead_lettered(bench: Bench, projection: Projection) -> int:
    """How many messages the projection parked in its dead-letter topic."""
    topic = bench.prefix + dead_letter_topic(f"projection.{projection.name}")
    consumer = make_consumer(bench.kafka, group_id=f"{bench.prefix}dlq", client_id="dlq")
    await consumer.start()
    try:
        try:
            partitions = await all_partitions(consumer, (topic,), wait_seconds=1)
        except RuntimeError:
            return 0
        ends = await consumer.end_offsets(partitions)
        return int(sum(ends.values()))
    finally:
        await consumer.stop()


# -- the profile --------------------------------------------------------------------------


def tree_lines(text: str, limit: int = 45) -> list[str]:
    """pyinstrument's call tree without its banner, at most ``limit`` lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    start = next((n for n, line in enumerate(lines) if line[:1].isdigit()), 0)
    return [line for line in lines[start:] if line][:limit]


async def profile_one(bench: Bench, projection: Projection) -> list[str]:
    """The projection alone again, under pyinstrument in async mode: the time a coroutine
    waits (for the server, for Kafka) is charged to the line that awaits, as ``[await]``."""
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="enabled", interval=0.001)
    profiler.start()
    try:
        await runner(bench, projection, generation=9).run(until_end=True)
    finally:
        profiler.stop()
    session = profiler.last_session
    events = bench.topic_events(projection)
    header = (
        f"pyinstrument (async mode), {projection.name} alone from offset 0 ({events:,} events); "
        f"wall {session.duration:.1f} s, CPU {session.cpu_time:.1f} s (waiting for the "
        f"servers {1 - session.cpu_time / (session.duration or 1):.0%} of the time)"
        if session
        else f"pyinstrument, {projection.name}"
    )
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    return [header, *tree_lines(text)]


# -- the rebuild, in a process of its own (its memory alone is measured) -----------------


def service_of(projection: Projection) -> str:
    """The service that runs a projection (``services.<service>.…``)."""
    parts = type(projection).__module__.split(".")
    return parts[1] if parts[0] == "services" else projection.name.split("_")[0]


def by_service() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for p in all_projections():
        groups.setdefault(service_of(p), []).append(p.name)
    return groups


async def rebuild_in_child(bench: Bench, names: list[str]) -> tuple[float, RssSampler]:
    """Run :func:`rebuild_all` for ``names`` in a child process, sampling its RSS; returns
    its time."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.projections",
        "--rebuild-child",
        bench.prefix,
        bench.db.name,
        ",".join(names),
        stdout=asyncio.subprocess.PIPE,
    )
    with RssSampler(pid=proc.pid) as sampler:
        out, _ = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"the rebuilding process exited with {proc.returncode}")
    return float(json.loads(out.decode().strip().splitlines()[-1])["seconds"]), sampler


async def rebuild_all(prefix: str, db_name: str, names: str) -> None:
    """The child: rebuild the named projections one after another (``rebuild()``, as a
    service's admin endpoint does), print the time."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    client = mongo_client(mongo_uri)
    producer = make_producer(kafka, "bench-rebuild")
    await producer.start()
    wanted = set(names.split(","))
    try:
        db = client[db_name]
        started = time.perf_counter()
        for p in all_projections():
            if p.name in wanted:
                await rebuild(p, db, registry, ConsumerConfig(kafka, topic_prefix=prefix), producer)
        print(json.dumps({"seconds": time.perf_counter() - started}))
    finally:
        await producer.stop()
        await client.close()


# -- the run ------------------------------------------------------------------------------


async def drop_topics(kafka: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()


async def cleanup(kafka: str, prefix: str, client: Any, db_name: str) -> None:
    """Drop the run's database and topics, each step bounded (also after a SIGTERM)."""
    await bounded(client.drop_database(db_name), f"drop {db_name}")
    await bounded(drop_topics(kafka, prefix), f"delete {prefix}* topics")


async def run(size: Size, args: argparse.Namespace) -> int:
    started_at = now_iso()
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo_uri = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
    stamp = f"{int(time.time())}{os.getpid() % 1000:03d}"
    prefix = f"benchproj{stamp}."
    db_name = f"benchproj_{stamp}"
    client = mongo_client(mongo_uri)
    producer = make_producer(kafka, "bench-projections")
    await producer.start()
    rows: list[Row] = []
    profile: list[str] = []
    try:  # publishing is inside: topics half-published when interrupted are dropped too
        print(f"simulating {size.schools:,} schools × {size.months} months (seed {size.seed}) ...")
        published = await publish(simulate(size), kafka, prefix)
        print(f"published {published.totals.events:,} events in {published.seconds:.1f} s")
        bench = Bench(kafka, prefix, client[db_name], producer, published)
        rows.append(
            Row(
                "publish the simulated year (acks=all, batched)",
                published.rate,
                "events/s",
                note=f"{published.totals.events:,} events, "
                f"{published.totals.nbytes / 2**20:,.0f} MiB, simulation included",
            )
        )
        n, secs = await consume_all(bench, lambda r: None, args.ceiling_events)
        raw = n / secs
        n, secs = await consume_all(bench, lambda r: json.loads(r.value), args.ceiling_events)
        ceiling = n / secs
        n, secs = await consume_all(bench, lambda r: decode(r, registry), args.ceiling_events)
        full_decode = n / secs
        label = "consume + JSON decode, same topics, nothing else"
        if n < bench.log_events:
            label += f" (over the first {n:,} events)"
        print(f"ceiling: {ceiling:,.0f} events/s (raw {raw:,.0f}, full decode {full_decode:,.0f})")
        peer_n, peer_secs = await peer(bench, args.peer_events, args.peer_seconds)
        peer_rate = peer_n / peer_secs
        peer_label = "one upsert per event (json + update_one upsert)"
        print(f"peer: {peer_rate:,.0f} events/s over {peer_n:,} events")
        rows += [
            Row("ceiling: consume only (no decode)", raw, "events/s"),
            Row(
                "ceiling: consume + JSON decode",
                ceiling,
                "events/s",
                ceiling=raw,
                ceiling_label="consume only, same topics",
                note=label,
            ),
            Row(
                "consume + full envelope and payload decode",
                full_decode,
                "events/s",
                ceiling=ceiling,
                ceiling_label=label,
                note="shared.consumer.decode: EventEnvelope.from_bytes + registry.parse",
            ),
            Row(
                "peer: one upsert per event",
                peer_rate,
                "events/s",
                ceiling=ceiling,
                ceiling_label=label,
                note=f"over the first {peer_n:,} events of the log, same server",
            ),
        ]
        projections = all_projections()
        alone = [p for p in projections if args.alone == "all" or p.name in args.alone.split(",")]
        for projection in alone:
            own, decoded = await like_for_like(bench, [projection], args.ceiling_events)
            secs = await timed(lambda p=projection: runner(bench, p, 1).run(until_end=True))  # type: ignore[misc]
            events = bench.topic_events(projection)
            parked = await dead_lettered(bench, projection)
            print(
                f"  {projection.name:<26} {events / secs:>10,.0f} events/s ({secs:.1f} s); "
                f"its ceiling {own:,.0f}"
            )
            rows.append(
                Row(
                    f"projection {projection.name} alone, from offset 0",
                    events / secs,
                    "events/s",
                    target=TARGET_RATE,
                    ceiling=own,
                    ceiling_label=OWN_CEILING,
                    peer=peer_rate,
                    peer_label=peer_label,
                    note=f"{events:,} events of {', '.join(projection.topics)} in {secs:.1f} s; "
                    f"the ceiling decoded {decoded:,} of them; "
                    f"{bench.handled(projection):,} of the types it handles, "
                    f"{parked} dead-lettered; {events / secs / TARGET_EVENTS_S:.1%} of the "
                    f"{TARGET_EVENTS_S:,} events/s target",
                )
            )
        together, decoded = await like_for_like(bench, projections, args.ceiling_events)
        secs = await timed(
            lambda: asyncio.gather(*(runner(bench, p, 5).run(until_end=True) for p in projections))
        )
        consumed = sum(bench.topic_events(p) for p in projections)
        print(f"  all {len(projections)} together: {bench.log_events / secs:,.0f} log events/s")
        rows.append(
            Row(
                f"all {len(projections)} projections together (one process), from offset 0",
                bench.log_events / secs,
                "events/s",
                target=TARGET_RATE,
                ceiling=together,
                ceiling_label=OWN_CEILING,
                peer=peer_rate,
                peer_label=peer_label,
                note=f"{bench.log_events / secs / TARGET_EVENTS_S:.1%} of the target; "
                f"{bench.log_events:,} log events in {secs:.1f} s "
                f"({consumed / secs:,.0f} events/s summed over the projections' consumers)",
            )
        )
        groups = by_service()
        started = time.perf_counter()
        children = await asyncio.gather(*(rebuild_in_child(bench, n) for n in groups.values()))
        wall = time.perf_counter() - started
        print(f"rebuild of every read model, one process per service: {wall:.1f} s")
        rows.append(
            Row(
                "rebuild every read model (one process per service, at once)",
                wall,
                "s",
                target="≤ 600 s for a 10-million-event year",
                ceiling=bench.log_events / together,
                ceiling_label="the log read once at the like-for-like ceiling of all projections "
                "(consume, header filter, decode): the least a rebuild could take",
                peer=bench.log_events / peer_rate,
                peer_label="the log at the peer's rate (one upsert per event), extrapolated",
                note=f"{bench.log_events:,} log events, {consumed:,} consumed over "
                f"{len(projections)} projections ({consumed / wall:,.0f} events/s); "
                f"{size.schools:,} schools × {size.months} months; each service rebuilds its "
                "read models one after another",
            )
        )
        idle = await idle_peer(
            kafka, mongo_uri, db_name, prefix + "peer", bench_dir() / "projections-peer.log"
        )
        idle_label = "an idle FastAPI + aiokafka + pymongo process (benchmarks/peer_app.py)"
        for service, (secs, sampler) in zip(groups, children, strict=True):
            q = sampler.quartiles()
            print(f"  {service}: {secs:.1f} s; RSS {[round(x) for x in q]} MiB")
            rows.append(
                Row(
                    f"RSS of the {service} service's rebuild (peak of samples)",
                    max(sampler.samples or [0.0]),
                    "MiB",
                    target="< 300 MB, flat",
                    peer=idle.idle_rss_mib,
                    peer_label=idle_label,
                    note=f"{', '.join(groups[service])} in {secs:.1f} s; sampled every 0.25 s; "
                    "at 25/50/75/100% of the rebuild "
                    + " / ".join(f"{x:.0f}" for x in q)
                    + f" MiB; growth from 25% to end {q[3] - q[0]:+.0f} MiB",
                )
            )
        if args.profile:  # the busiest projection whose topics hold at most PROFILE_EVENTS
            fits = [p for p in projections if bench.topic_events(p) <= PROFILE_EVENTS]
            target = (
                max(fits, key=bench.handled) if fits else min(projections, key=bench.topic_events)
            )
            profile = await profile_one(bench, target)
        rows.append(
            Row(
                "peak RSS of the benchmark process",
                peak_rss_mib(),
                "MiB",
                peer=idle.idle_rss_mib,
                peer_label=idle_label,
            )
        )
    finally:
        if not args.keep:
            await cleanup(kafka, prefix, client, db_name)
        await producer.stop()
        await client.close()
    sizes = {
        "schools": size.schools,
        "months": size.months,
        "seed": size.seed,
        "events": published.totals.events,
        "bytes": published.totals.nbytes,
        "by_topic": dict(published.totals.by_topic),
        "digest": published.totals.digest,
        "projections": [p.name for p in all_projections()],
    }
    path = write_result("projections", started_at, sizes, rows, profile)
    print()
    print(table([r.__dict__ for r in rows]))
    if profile:
        print("\n".join(profile))
    print(f"\nwrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.projections", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--quick", action="store_true", help=f"{QUICK.schools} schools × {QUICK.months} months"
    )
    group.add_argument(
        "--full", action="store_true", help=f"{FULL.schools} schools × {FULL.months} months"
    )
    parser.add_argument(
        "--schools",
        type=schools_arg,
        help=f"simulated schools, at least {MIN_SCHOOLS} (default: {QUICK.schools}; "
        f"{FULL.schools} with --full)",
    )
    parser.add_argument(
        "--months",
        type=months_arg,
        help=f"simulated months, 1..{MAX_MONTHS} (default: {QUICK.months}; "
        f"{FULL.months} with --full)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the seed (default: 1)")
    parser.add_argument("--peer-events", type=int, default=None, help="cap the peer's events")
    parser.add_argument("--peer-seconds", type=float, default=None, help="cap the peer's time")
    parser.add_argument(
        "--ceiling-events",
        type=int,
        default=None,
        help="measure the ceiling over the first N events (default: all; 2,000,000 with --full)",
    )
    parser.add_argument("--profile", action="store_true", help="pyinstrument the hot path")
    parser.add_argument(
        "--alone",
        default=None,
        help="projections timed alone: all, or names separated by commas "
        f"(default: all; with --full: {','.join(FULL_ALONE)})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the topics and database")
    parser.add_argument(
        "--rebuild-child", nargs=3, metavar=("PREFIX", "DB", "NAMES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.rebuild_child:
        asyncio.run(rebuild_all(*args.rebuild_child))
        return 0
    base = FULL if args.full else QUICK
    size = Size(
        schools=args.schools or base.schools, months=args.months or base.months, seed=args.seed
    )
    if args.alone is None:
        args.alone = ",".join(FULL_ALONE) if args.full else "all"
    if args.ceiling_events is None:
        args.ceiling_events = 2_000_000 if args.full else 10**12
    if args.peer_events is None:
        args.peer_events = 200_000 if args.full else 5_000
    if args.peer_seconds is None:
        args.peer_seconds = 300.0 if args.full else 30.0
    try:
        return asyncio.run(_main(size, args))
    except asyncio.CancelledError:
        print("interrupted: its topics and database were dropped (unless --keep)", file=sys.stderr)
        return 130


async def _main(size: Size, args: argparse.Namespace) -> int:
    """Run, and on SIGTERM/SIGINT cancel so that the topics and database are dropped."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    return await run(size, args)


if __name__ == "__main__":
    sys.exit(main())
