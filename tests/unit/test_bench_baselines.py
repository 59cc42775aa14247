"""The benchmark tables: every command figure stands beside a ceiling or a peer."""

from __future__ import annotations

import asyncio
from collections import Counter

from benchmarks.baselines import Timed, closed_loop
from benchmarks.commands import Baseline, Phase, rows_for


def _phase(name: str, commits: int) -> Phase:
    base = Baseline(
        raw=Timed(ms=[5.0, 6.0], seconds=0.01),
        round_trip_ms=[3.0, 4.0],
        peer=Timed(ms=[8.0, 9.0], seconds=0.02),
        peer_read_ms=[1.0],
        peer_read_alone_ms=[1.0],
        healthz_ms=[0.5],
        peer_rss_mib=[80.0],
        peer_ready_s=[1.0],
        peer_cpu_seconds={"ferretdb": 0.01, "visits service": 0.01, "bench clients": 0.01},
        peer_cpu_requests=2,
    )
    return Phase(
        name,
        commits,
        latencies_ms=[10.0, 20.0],
        statuses=Counter({201: 2}),
        lag_ms=[100.0],
        read_ms=[2.0],
        read_alone_ms=[2.0],
        read_rates=[200.0],
        round_rates=[100.0],
        ready_s=[2.0],
        rss_mib=140.0,
        seconds=0.02,
        cpu_seconds={"ferretdb": 0.02, "visits service": 0.02, "bench clients": 0.02},
        cpu_commands=2,
        base=base,
    )


def test_every_command_row_has_a_ceiling_or_a_peer_with_its_label() -> None:
    rows = rows_for(_phase("empty", 0), _phase("prefilled", 1000))
    for row in rows:
        assert row["ceiling"] is not None or row["peer"] is not None, row["figure"]
        for kind in ("ceiling", "peer"):
            assert (row[kind] is None) == (row[f"{kind}_label"] is None), row["figure"]


def test_commands_per_s_stands_beside_the_raw_write_path_and_the_plain_endpoint() -> None:
    rows = {r["figure"]: r for r in rows_for(_phase("empty", 0), _phase("prefilled", 10))}
    first = rows["commands/s, empty store"]
    assert (first["value"], first["ceiling"], first["peer"]) == (100.0, 200.0, 100.0)
    assert "acks=all" in first["ceiling_label"] and "insert_one" in first["peer_label"]


def test_closed_loop_runs_each_operation_once_and_counts_failures() -> None:
    seen: list[int] = []

    async def op(n: int) -> bool:
        seen.append(n)
        await asyncio.sleep(0)
        if n == 3:
            raise RuntimeError("down")
        return n % 2 == 0

    timed = asyncio.run(closed_loop(op, 10, 4))
    assert sorted(seen) == list(range(10))
    assert (len(timed.ms), timed.failed) == (5, 5)
