"""The infrastructure one service process holds: MongoDB, Kafka, event store, relay.

Each service's ``bootstrap.py`` builds one :class:`Runtime` in its FastAPI lifespan and
adds its own parts; tests build the same runtime against the real local servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

import structlog
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared import topics
from shared.commands import StreamHandler
from shared.consumer import ConsumerConfig, Supervisor
from shared.events import EventPayload, EventRegistry
from shared.eventstore import EventStore
from shared.kafka import make_producer
from shared.outbox import OutboxRelay
from shared.projection import Projection, ProjectionRunner, activate, drop_generation
from shared.reactor import LiveReactor, Reactor, ReactorRunner
from shared.rebuild import flip, next_generation, rebuilding_runner, replay
from shared.settings import ServiceSettings

log = structlog.get_logger(__name__)

STOP_SECONDS = 8.0
"""How long a stopping service lets its loops finish, all together, before cancelling."""
S = TypeVar("S")


def utcnow() -> datetime:
    return datetime.now(UTC)


def mongo_client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(uri, tz_aware=True, uuidRepresentation="standard", appname="duxue")


class Runtime:
    """Clients and background tasks of one service; started and stopped as a unit."""

    def __init__(
        self,
        service: str,
        settings: ServiceSettings,
        registry: EventRegistry,
        clock: Callable[[], datetime] = utcnow,
        new_id: Callable[[], UUID] = uuid4,
    ) -> None:
        self.service = service
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.new_id = new_id
        self.mongo = mongo_client(settings.mongodb_uri)
        self.db: AsyncDatabase[dict[str, Any]] = self.mongo[settings.mongodb_database]
        self.store = EventStore(self.db)
        self.producer: AIOKafkaProducer = make_producer(
            settings.kafka_bootstrap_servers, client_id=f"duxue-{service}"
        )
        self.relay = OutboxRelay(
            self.store,
            self.producer,
            registry,
            clock,
            service,
            topic_prefix=settings.kafka_topic_prefix,
        )
        self.projections: dict[str, LiveProjection] = {}
        """The service's live read models by name (the admin rebuild endpoint uses it)."""
        self._tasks: list[asyncio.Task[None]] = []
        self._stoppers: list[Callable[[], Awaitable[None]]] = []

    async def start(self) -> None:
        await self.db.command("ping")
        await self.store.create_indexes()
        await topics.ensure_topics(self.settings.kafka_bootstrap_servers, self.topic_specs())
        await self.producer.start()
        self.spawn(self.relay.run(), "outbox-relay", self.relay.stop)

    def topic_specs(self) -> list[topics.TopicSpec]:
        return [
            topics.event_topic_spec(
                self.settings.kafka_topic_prefix + name,
                self.settings.kafka_partitions,
                self.settings.kafka_replication_factor,
            )
            for name in topics.EVENT_TOPICS
        ]

    def spawn(
        self,
        coro: Coroutine[Any, Any, None],
        name: str,
        stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Run a background loop for the life of the service; a crash is logged loudly.

        ``stop`` asks the loop to finish its current unit of work; :meth:`stop` calls it
        and waits a few seconds before cancelling.
        """
        task = asyncio.create_task(coro, name=name)
        if stop is not None:
            self._stoppers.append(stop)
        task.add_done_callback(self._report_crash)
        self._tasks.append(task)

    @staticmethod
    def _report_crash(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background_task_crashed", task=task.get_name(), error=repr(task.exception()))

    async def stop(self) -> None:
        """Ask every loop to finish its unit of work, all at once, then cancel what is
        still running after :data:`STOP_SECONDS` in all (a service with a dozen
        projections stopped them one after another, which on a loaded machine outlasted
        the supervisor's patience; a cancelled flush is safe: positions are stored with
        their effects)."""
        stopping = [asyncio.ensure_future(stopper()) for stopper in reversed(self._stoppers)]
        running = [*stopping, *self._tasks]
        if running:
            _, pending = await asyncio.wait(running, timeout=STOP_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for done in stopping:
            if not done.cancelled() and done.exception() is not None:
                log.error("stop_failed", error=repr(done.exception()))
        await self.producer.stop()
        await self.mongo.close()

    async def readiness(self) -> dict[str, str]:
        """``ok`` or the reason, for MongoDB, Kafka and the projections (ready once each
        has loaded its positions and working set after a start or a restart)."""
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(self.db.command("ping"), timeout=3)
            checks["mongodb"] = "ok"
        except Exception as exc:
            checks["mongodb"] = f"unreachable: {exc.__class__.__name__}"
        try:
            ok = await asyncio.wait_for(self.producer.client.force_metadata_update(), timeout=3)
            checks["kafka"] = (
                "ok" if ok and self.producer.client.cluster.brokers() else "no brokers"
            )
        except Exception as exc:
            checks["kafka"] = f"unreachable: {exc.__class__.__name__}"
        loading = sorted(
            name
            for name, live in self.projections.items()
            if live.runner is None or not live.runner.recovered
        )
        checks["projections"] = "ok" if not loading else "loading: " + ", ".join(loading)
        return checks

    def stream_handler(
        self, source: str, initial: S, evolve: Callable[[S, EventPayload], S]
    ) -> StreamHandler[S]:
        """A handler of one aggregate's streams on this runtime's event store, its registry
        and its relay (``source``: the CloudEvents source of the service's events)."""
        return StreamHandler[S](
            self.store,
            self.registry,
            source=source,
            initial=initial,
            evolve=evolve,
            new_id=self.new_id,
            on_append=self.relay.notify,
            service=self.service,
        )

    @property
    def consumer_config(self) -> ConsumerConfig:
        """How every consumer of this service reads Kafka (one place)."""
        return ConsumerConfig.from_settings(self.settings)

    async def run_reactor(self, reactor: Reactor) -> LiveReactor:
        """Feed ``reactor`` its events for the life of the service (see :mod:`shared.reactor`)."""

        def make_runner() -> ReactorRunner:
            return ReactorRunner(
                reactor, self.db, self.registry, self.consumer_config, self.producer
            )

        live = LiveReactor(f"reactor-{reactor.name}", make_runner)
        live.start()
        self._stoppers.append(live.stop)
        return live

    async def run_projection(self, projection: Projection) -> LiveProjection:
        """Keep ``projection``'s active generation up to date for the life of the service."""
        live = LiveProjection(self, projection)
        await live.start()
        self._stoppers.append(live.stop)
        self.projections[projection.name] = live
        return live


class LiveProjection:
    """A projection's live runner, which a rebuild switches to a fresh generation."""

    def __init__(self, runtime: Runtime, projection: Projection) -> None:
        self._runtime = runtime
        self.projection = projection
        self.supervisor: Supervisor[ProjectionRunner] | None = None
        self._lock = asyncio.Lock()
        self.rebuilding = asyncio.Lock()
        """Held by whoever rebuilds this projection (one rebuild at a time)."""

    @property
    def runner(self) -> ProjectionRunner | None:
        return self.supervisor.runner if self.supervisor else None

    async def start(self) -> None:
        rt = self._runtime
        generation = await activate(rt.db, self.projection.name)

        def make_runner() -> ProjectionRunner:
            return ProjectionRunner(
                self.projection, rt.db, rt.registry, rt.consumer_config, rt.producer, generation
            )

        self.supervisor = Supervisor(f"proj-{self.projection.name}", make_runner)
        self.supervisor.start()

    async def stop(self) -> None:
        if self.supervisor is not None:
            await self.supervisor.stop()

    async def switch(self, prepared: ProjectionRunner) -> None:
        """Make the prepared runner's generation the active one (see :mod:`shared.rebuild`):
        stop the live runner, let ``prepared`` fold what arrived meanwhile, flip the
        pointer (one write), run live on the new generation from its stored positions."""
        async with self._lock:
            await self.stop()
            try:
                await prepared.run(until_end=True)
                await flip(self._runtime.db, self.projection.name, prepared.generation)
            finally:  # on the new generation, or (the switch failed) on the old one
                await self.start()

    async def rebuild(self) -> int:
        """Build a new generation from offset 0 while this one keeps serving, switch to
        it; the previous generation is kept for comparison, the one before it dropped."""
        rt = self._runtime
        async with self.rebuilding:
            current, new = await next_generation(rt.db, self.projection)
            runner = rebuilding_runner(
                self.projection, rt.db, rt.registry, rt.consumer_config, rt.producer, new
            )
            await replay(runner)
            await self.switch(runner)
            if current > 1:
                await drop_generation(rt.db, self.projection, current - 1)
            return new
