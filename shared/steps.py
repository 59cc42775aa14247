"""A registry of an aggregate's steps: one ``decide`` function per command type and one
``evolve`` function per event type, each registered beside the step it belongs to (the
shape of ``services/visits/visit/domain/steps.py``, for any state type).

An aggregate's package makes one ``Steps`` for its state, each step module decorates its
functions with ``@steps.decides(Command)`` / ``@steps.evolves(Event)``, and the package's
``decide`` / ``evolve`` / ``replay`` look them up by type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from shared.events import EventPayload

S = TypeVar("S")
C = TypeVar("C")
E = TypeVar("E", bound=EventPayload)


class Steps(Generic[S]):
    def __init__(self, initial: Callable[[], S], name: str) -> None:
        self._initial = initial
        self._name = name
        self.deciders: dict[type, Callable[[S, Any], list[EventPayload]]] = {}
        self.evolvers: dict[type, Callable[[S, Any], S]] = {}

    def decides(
        self, command: type[C]
    ) -> Callable[[Callable[[S, C], list[EventPayload]]], Callable[[S, C], list[EventPayload]]]:
        def register(
            fn: Callable[[S, C], list[EventPayload]],
        ) -> Callable[[S, C], list[EventPayload]]:
            self.deciders[command] = fn
            return fn

        return register

    def evolves(self, event: type[E]) -> Callable[[Callable[[S, E], S]], Callable[[S, E], S]]:
        def register(fn: Callable[[S, E], S]) -> Callable[[S, E], S]:
            self.evolvers[event] = fn
            return fn

        return register

    def decide(self, state: S, cmd: object) -> list[EventPayload]:
        """The events a command leads to, by the step registered for its type."""
        step = self.deciders.get(type(cmd))
        if step is None:
            raise TypeError(f"unknown command {cmd!r}")
        return step(state, cmd)

    def evolve(self, state: S, event: EventPayload) -> S:
        step = self.evolvers.get(type(event))
        if step is None:
            raise ValueError(f"{self._name} stream cannot hold {event.event_type}")
        return step(state, event)

    def replay(self, events: Sequence[EventPayload]) -> S:
        state = self._initial()
        for event in events:
            state = self.evolve(state, event)
        return state
