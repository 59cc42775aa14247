"""A small in-memory token bucket per client, for endpoints open without a token.

Each key (normally the client's IP address) has a bucket of ``burst`` tokens that
refills at ``per_minute / 60`` tokens a second; a request takes one token or is refused
with HTTP 429, a ``Retry-After`` header and a zh-CN message. State lives in one process:
behind several replicas each replica limits on its own (good enough to blunt abuse of a
public plate or complaint form; a shared limiter belongs in the gateway).

Use::

    app.state.public_limiter = RateLimiter(per_minute=60, burst=20)
    router = APIRouter(dependencies=[Depends(rate_limited("public_limiter"))])
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, status

MESSAGE = "请求过于频繁，请 {seconds} 秒后再试 (too many requests)"


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets keyed by client; ``take`` answers how long to wait, or ``None``."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("per_minute must be > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float | None:
        """Take a token for ``key``: ``None`` if allowed, else seconds until one is free."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / self.rate

    def _make_room(self, now: float) -> None:
        """Forget buckets that have refilled (they equal a fresh one); bound memory."""
        if len(self._buckets) < self._max_keys:
            return
        full = [
            k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        while len(self._buckets) >= self._max_keys:  # all busy: drop the oldest
            del self._buckets[next(iter(self._buckets))]

    def check(self, key: str) -> None:
        """Raise HTTP 429 with ``Retry-After`` when ``key`` has no token left."""
        wait = self.take(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                MESSAGE.format(seconds=seconds),
                headers={"Retry-After": str(seconds)},
            )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limited(state_attribute: str) -> Callable[[Request], None]:
    """A FastAPI dependency limiting by client IP with ``app.state.<state_attribute>``."""

    def dependency(request: Request) -> None:
        limiter: RateLimiter = getattr(request.app.state, state_attribute)
        limiter.check(client_ip(request))

    return dependency
