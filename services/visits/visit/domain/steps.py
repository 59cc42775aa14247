"""The registry of the visit's steps: one decide function per command type, one evolve
function per event type, each registered beside the step it belongs to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from services.visits.visit.domain.state import Visit
from shared.events import EventPayload

C = TypeVar("C")
E = TypeVar("E", bound=EventPayload)

Decide = Callable[[Visit, Any], list[EventPayload]]
Evolve = Callable[[Visit, Any], Visit]

DECIDERS: dict[type, Decide] = {}
EVOLVERS: dict[type, Evolve] = {}


def decides(
    command: type[C],
) -> Callable[[Callable[[Visit, C], list[EventPayload]]], Callable[[Visit, C], list[EventPayload]]]:
    def register(
        fn: Callable[[Visit, C], list[EventPayload]],
    ) -> Callable[[Visit, C], list[EventPayload]]:
        DECIDERS[command] = fn
        return fn

    return register


def evolves(event: type[E]) -> Callable[[Callable[[Visit, E], Visit]], Callable[[Visit, E], Visit]]:
    def register(fn: Callable[[Visit, E], Visit]) -> Callable[[Visit, E], Visit]:
        EVOLVERS[event] = fn
        return fn

    return register
