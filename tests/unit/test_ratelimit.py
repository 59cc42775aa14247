"""The in-memory token bucket of the public endpoints."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from shared.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    wait = limiter.take("a")
    assert wait == pytest.approx(1.0)
    assert limiter.take("b") is None  # buckets are per key
    clock.now += 1.0
    assert limiter.take("a") is None
    assert limiter.take("a") is not None
    clock.now += 3600
    assert [limiter.take("a") for _ in range(4)].count(None) == 3  # never above the burst


def test_refusal_is_a_429_with_retry_after_and_a_chinese_message() -> None:
    limiter = RateLimiter(per_minute=6, burst=1, clock=Clock())
    limiter.check("ip")
    with pytest.raises(HTTPException) as refused:
        limiter.check("ip")
    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": "10"}
    assert "请求过于频繁" in str(refused.value.detail)


def test_memory_stays_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock, max_keys=100)
    for n in range(1000):
        limiter.take(f"ip-{n}")
        clock.now += 0.01
    assert len(limiter._buckets) <= 100
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0, burst=1)
