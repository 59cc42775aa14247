"""``python -m benchmarks.province --seed 1 --schools 2000 --months 12 --mode topics --prefix X``

Modes: ``count`` (generate and print the totals and digest, no infrastructure),
``topics`` (publish to ``<prefix>duxue.*.events`` on Kafka; a prefix is required unless
``--to-platform-topics``) and ``http`` (drive the services' write path at
``--visits-url``; see :mod:`benchmarks.province.http`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import datetime

from benchmarks.province.model import (
    MAX_MONTHS,
    MIN_SCHOOLS,
    Size,
    months_arg,
    schools_arg,
    start_arg,
)
from benchmarks.province.simulate import Totals, simulate
from shared.deadlines import CHINA


def _print_totals(t: Totals, seconds: float) -> None:
    print(f"events: {t.events:,}  bytes: {t.nbytes:,}  digest: {t.digest}")
    print(f"time: {seconds:.1f} s ({t.events / seconds if seconds else 0:,.0f} events/s)")
    for topic, n in sorted(t.by_topic.items()):
        print(f"  {topic:<28} {n:>10,}")
    for kind, n in sorted(t.by_type.items(), key=lambda kv: -kv[1]):
        print(f"    {kind:<38} {n:>10,}")


def _this_month() -> tuple[int, int]:
    today = datetime.now(CHINA).date()  # the simulated clock is China time
    return today.year, today.month


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.province",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=1, help="the seed (default: 1)")
    parser.add_argument(
        "--schools",
        type=schools_arg,
        default=20_000,
        help=f"schools and kindergartens, at least {MIN_SCHOOLS} (default: 20000, the province)",
    )
    parser.add_argument(
        "--months",
        type=months_arg,
        default=12,
        help=f"simulated months, 1..{MAX_MONTHS} (default: 12)",
    )
    parser.add_argument(
        "--start",
        type=start_arg,
        default=(2026, 1),
        metavar="YYYY-MM",
        help="the first simulated month (default: 2026-01); --mode http needs a month "
        "after the current one",
    )
    parser.add_argument(
        "--mode",
        choices=("count", "topics", "http"),
        default="count",
        help="count: totals and digest only; topics: publish to Kafka; http: drive the "
        "services (default: count)",
    )
    parser.add_argument(
        "--prefix",
        default="",
        help="topic prefix, e.g. sim1. (topics mode; required unless --to-platform-topics)",
    )
    parser.add_argument(
        "--to-platform-topics",
        action="store_true",
        help="topics mode without --prefix: write to the platform's own duxue.*.events "
        "topics, which the running services consume (off by default)",
    )
    parser.add_argument(
        "--partitions", type=int, default=6, help="partitions of created topics (default: 6)"
    )
    parser.add_argument(
        "--kafka",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)",
    )
    parser.add_argument(
        "--visits-url",
        default="http://127.0.0.1:8001",
        help="visits service (http mode; default: http://127.0.0.1:8001)",
    )
    parser.add_argument(
        "--issues-url",
        default="http://127.0.0.1:8002",
        help="issues service (http mode; default: http://127.0.0.1:8002)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=16, help="streams driven at once (http; default: 16)"
    )
    args = parser.parse_args(argv)
    if args.mode == "topics" and not args.prefix and not args.to_platform_topics:
        parser.error(
            "--mode topics needs --prefix (e.g. --prefix sim1): without one the events would "
            "go to the platform's own duxue.*.events topics; pass --to-platform-topics if "
            "that is what you mean"
        )
    if args.mode == "http" and args.start <= _this_month():
        year, month = _this_month()
        following = f"{year + month // 12}-{month % 12 + 1:02d}"
        parser.error(
            f"--mode http drives the services on their real clock: the period must start "
            f"after the current month (deadlines and visit dates in the past are refused); "
            f"e.g. --start {following} --months 1"
        )
    size = Size(
        schools=args.schools,
        months=args.months,
        seed=args.seed,
        start_year=args.start[0],
        start_month=args.start[1],
    )
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
