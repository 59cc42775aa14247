"""``make run``'s stop logic (deploy/local/run.py), without starting the platform.

Ctrl-C reaches the services and the script together (one process group): whichever
notices first, an asked-for stop ends with "已停止 stopped" and exit 0; only a service
that ended on its own is an error.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from deploy.local import run


class FakeProc:
    def __init__(self, *polls: int | None) -> None:
        self._polls = list(polls)

    def poll(self) -> int | None:
        return self._polls.pop(0) if len(self._polls) > 1 else self._polls[0]


@pytest.fixture
def restored_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in run.STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_services_ended_by_the_interrupt_are_a_clean_stop() -> None:
    # what the issue saw: notifications and reporting had already ended on Ctrl-C
    ended = {"notifications": 0, "reporting": -signal.SIGINT}
    assert run.outcome(ended, asked=False) == (0, "已停止 stopped")
    assert run.outcome({"visits": -signal.SIGTERM}, asked=True) == (0, "已停止 stopped")


def test_a_service_that_ends_on_its_own_is_an_error() -> None:
    code, words = run.outcome({"reporting": 1, "notifications": 0}, asked=False)
    assert code == 1
    assert words.startswith("error: service stopped: reporting (exit 1)")
    assert "notifications" not in words


def test_watch_returns_the_services_that_ended() -> None:
    naps: list[float] = []
    procs = {"visits": FakeProc(None, None, 0), "issues": FakeProc(None)}
    assert run.watch(procs, sleep=naps.append) == {"visits": 0}
    assert naps == [1, 1]


def test_ctrl_c_is_heard_even_when_the_shell_ignored_sigint(restored_handlers: None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background job inherits it
    request = run.StopRequest()
    request.install()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
    assert request.asked
