"""``python -m benchmarks.province --seed 1 --schools 2000 --months 12 --mode topics --prefix X``

Modes: ``count`` (generate and print the totals and digest, no infrastructure),
``topics`` (publish to ``<prefix>duxue.*.events`` on Kafka) and ``http`` (drive the
services' write path at ``--visits-url``; see :mod:`benchmarks.province.http`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from benchmarks.province.model import Size
from benchmarks.province.simulate import Totals, simulate


def _print_totals(t: Totals, seconds: float) -> None:
    print(f"events: {t.events:,}  bytes: {t.nbytes:,}  digest: {t.digest}")
    print(f"time: {seconds:.1f} s ({t.events / seconds if seconds else 0:,.0f} events/s)")
    for topic, n in sorted(t.by_topic.items()):
        print(f"  {topic:<28} {n:>10,}")
    for kind, n in sorted(t.by_type.items(), key=lambda kv: -kv[1]):
        print(f"    {kind:<38} {n:>10,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.province", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--mode", choices=("count", "topics", "http"), default="count")
    parser.add_argument("--prefix", default="", help="topic prefix, e.g. sim1. (topics mode)")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument(
        "--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--visits-url", default="http://127.0.0.1:8001")
    parser.add_argument("--issues-url", default="http://127.0.0.1:8002")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    size = Size(schools=args.schools, months=args.months, seed=args.seed)
    started = time.perf_counter()
    if args.mode == "count":
        totals = Totals()
        for event in simulate(size):
            totals.add(event, event.to_bytes())
        _print_totals(totals, time.perf_counter() - started)
        return 0
    if args.mode == "topics":
        from benchmarks.province.publish import publish

        if args.prefix and not args.prefix.endswith("."):
            args.prefix += "."
        done = asyncio.run(publish(simulate(size), args.kafka, args.prefix, args.partitions))
        print(f"published to {args.prefix}duxue.*.events (acks=all)")
        _print_totals(done.totals, done.seconds)
        return 0
    from benchmarks.province.http import drive_from_cli

    return asyncio.run(drive_from_cli(size, args.visits_url, args.issues_url, args.concurrency))


if __name__ == "__main__":
    sys.exit(main())
