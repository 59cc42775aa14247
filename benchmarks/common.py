"""What every benchmark module shares: the machine, the result file, the table, RSS.

The result contract (docs/benchmarks.md): each ``python -m benchmarks.<name>`` writes
``.state/bench/<name>.json`` with ``benchmark, started_at, machine, size, rows, profile``;
a row is ``figure, value, unit, target, ceiling, ceiling_label, peer, peer_label, note``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from shared.settings import REPO_ROOT

KAFKA_VERSION = "3.9.2"
FERRETDB_VERSION = "1.24.2"


def cancel_on_signals() -> None:
    """SIGTERM and SIGINT cancel the running (main) task, so that its ``finally`` cleans up."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)


async def bounded(step: Awaitable[Any], what: str, seconds: float = 60.0) -> None:
    """Await a clean-up step for ``seconds`` at most; say so instead of hanging or raising."""
    try:
        await asyncio.wait_for(step, seconds)
    except Exception as exc:  # a clean-up step must not hide the next one
        print(f"clean-up: {what} failed ({type(exc).__name__}: {exc}); drop it by hand")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``python -m <module>`` (``services.visits``, ``services.reporting``) as its own
    process on a free loopback port, run from ``root`` (a checkout; this one by default),
    its output appended to ``log``. :meth:`start` waits for ``/readyz`` (300 s at most: a
    large read model loads its working set first) and records the seconds in
    :attr:`ready_s`; :meth:`stop` sends SIGINT and kills after 15 s."""

    def __init__(self, module: str, env: dict[str, str], log: Path, root: Path = REPO_ROOT) -> None:
        self.module = module
        self.port = free_port()
        self.root = root
        self.env = {**os.environ, **env, "PORT": str(self.port), "PYTHONPATH": str(root)}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> int:
        """Start the process; its pid once it answers ``/readyz`` with 200."""
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", self.module],
            cwd=self.root,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=self.base, timeout=2) as client:
            for _ in range(3000):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.module} exited; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        self.ready_s = time.perf_counter() - started
                        return self.proc.pid
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.module} did not become ready; see {self.log}")

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        for _ in range(150):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.1)
        self.proc.kill()


def bench_dir() -> Path:
    """``.state/bench`` (``$DUXUE_STATE_DIR/bench``; ``DUXUE_BENCH_DIR`` overrides)."""
    if os.environ.get("DUXUE_BENCH_DIR"):
        return Path(os.environ["DUXUE_BENCH_DIR"])
    state = Path(os.environ.get("DUXUE_STATE_DIR", REPO_ROOT / ".state"))
    return state / "bench"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def mongo_backend() -> str:
    """``sqlite`` or ``postgresql``: the ``--handler`` of the running FerretDB (only that
    flag is read), or ``MONGO_WIRE_BACKEND`` when set."""
    if os.environ.get("MONGO_WIRE_BACKEND"):
        return os.environ["MONGO_WIRE_BACKEND"]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith(b"ferretdb"):
            continue
        for arg in argv:
            if arg.startswith(b"--handler="):
                return arg.split(b"=", 1)[1].decode()
        return "sqlite"  # FerretDB 1.x default handler in this repo's infra.sh
    return "unknown"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count() or 1,
        "cpu_model": _cpu_model(),
        "mem_gib": _mem_gib(),
        "python": platform.python_version(),
        "kafka": KAFKA_VERSION,
        "mongo_wire": f"FerretDB {FERRETDB_VERSION}/{mongo_backend()}",
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    target: str | None = None
    ceiling: float | None = None
    ceiling_label: str | None = None
    peer: float | None = None
    peer_label: str | None = None
    note: str | None = None


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f"{value / base:.2f}"


def fmt(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table with the ratios value/ceiling and value/peer."""
    head = ("figure", "value", "unit", "ceiling", "×ceil", "peer", "×peer", "target")
    lines = [head]
    for r in rows:
        lines.append(
            (
                str(r["figure"]),
                fmt(r["value"]),
                str(r["unit"]),
                fmt(r.get("ceiling")),
                ratio(r["value"], r.get("ceiling")),
                fmt(r.get("peer")),
                ratio(r["value"], r.get("peer")),
                str(r.get("target") or ""),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def write_result(
    name: str,
    started_at: str,
    size: dict[str, Any],
    rows: list[Row],
    profile: list[str] | None = None,
) -> Path:
    result = {
        "benchmark": name,
        "started_at": started_at,
        "machine": machine(),
        "size": size,
        "rows": [asdict(r) for r in rows],
        "profile": profile or [],
    }
    path = bench_dir() / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return path


def rss_mib(pid: int | None = None) -> float:
    """The resident set size of this process (or ``pid``) now (Linux), in MiB."""
    try:
        status = Path(f"/proc/{pid or 'self'}/status")
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """Samples the RSS of this process (or ``pid``) every ``interval`` seconds."""

    def __init__(self, interval: float = 0.25, pid: int | None = None) -> None:
        self.interval = interval
        self.pid = pid
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            rss = rss_mib(self.pid)
            if rss:
                self.samples.append(rss)
            await asyncio.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.pid is None:
            self.samples.append(rss_mib())

    def quartiles(self) -> list[float]:
        """RSS at 25%, 50%, 75% and 100% of the sampled time."""
        s = self.samples or [0.0]
        return [s[min(len(s) - 1, round(q * (len(s) - 1)))] for q in (0.25, 0.5, 0.75, 1.0)]
