"""One way to build a service's FastAPI app, so each ``bootstrap.py`` stays short.

:func:`build_app` owns the lifespan: logging, the :class:`~shared.runtime.Runtime`
(MongoDB, Kafka producer, outbox relay), the token verifier, the service's own start-up
hook, the shared HTTP edge (errors, metrics, health) and the API docs pages, served
without any CDN (:mod:`shared.apidocs`). It also bounds request bodies
(``MAX_JSON_BODY_BYTES``) and believes ``X-Forwarded-For`` only from ``TRUSTED_PROXIES``;
:func:`run` serves the app the same way in every ``services/*/__main__.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import shared.contracts  # noqa: F401  (registers every event contract)
from shared.answers import AsyncApiDocument, Catalogue, Rebuilt
from shared.apidocs import install_docs
from shared.auth import CurrentPrincipal, Principal, Role, TokenVerifier, ensure_role
from shared.catalogue import published_catalogue
from shared.commands import CommandContext
from shared.contracts.asyncapi import published_asyncapi
from shared.envelope import Actor
from shared.events import registry
from shared.http import BodyLimit, install_edge, install_health
from shared.logs import RequestLog, configure_logging
from shared.runtime import Runtime
from shared.settings import ServiceSettings

StartHook = Callable[[Runtime, FastAPI], Awaitable[None]]


def build_app(
    service: str,
    title: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    on_start: StartHook | None = None,
    runtime_factory: Callable[[], Runtime] | None = None,
) -> FastAPI:
    """A service app whose infrastructure starts in its lifespan (never at import)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service, settings.log_level)
        runtime = runtime_factory() if runtime_factory else Runtime(service, settings, registry)
        app.state.runtime = runtime
        app.state.token_verifier = TokenVerifier(
            settings.auth_public_key_file.read_bytes(),
            settings.auth_issuer,
            settings.auth_audience,
        )
        await runtime.start()
        if on_start is not None:
            await on_start(runtime, app)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_docs(app)
    app.state.logging = (service, settings.log_level)
    # inside the edge's middleware (added after it), so the route sees BodyLimit's 413
    app.add_middleware(BodyLimit, default_limit=settings.max_json_body_bytes)
    install_edge(app, service)
    app.add_middleware(RequestLog)  # outside the edge: sees its status and correlation id
    if settings.trusted_proxy_list:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)

    async def readiness() -> dict[str, str]:
        runtime: Runtime = app.state.runtime
        return await runtime.readiness()

    install_health(app, readiness)

    @app.get("/events/catalogue", tags=["events"], response_model=Catalogue)
    async def catalogue() -> dict[str, Any]:
        """The CloudEvents envelope's JSON Schema, and every event type with its payload's."""
        return published_catalogue()

    @app.get("/asyncapi.json", tags=["events"], response_model=AsyncApiDocument)
    async def asyncapi() -> dict[str, Any]:
        """The AsyncAPI 3.0 document of every event topic and type (docs/asyncapi.json)."""
        return published_asyncapi()

    @app.post("/admin/projections/{name}/rebuild", tags=["admin"], response_model=Rebuilt)
    async def rebuild_projection(name: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """Rebuild a read model from offset 0 into a fresh generation, then switch to it."""
        ensure_role(principal, Role.admin, Role.province_office)
        runtime: Runtime = app.state.runtime
        live = runtime.projections.get(name)
        if live is None:
            raise HTTPException(404, f"没有名为 {name} 的读模型 (unknown projection)")
        generation = await live.rebuild()
        return {"projection": name, "active_generation": generation}

    for router in routers:
        app.include_router(router)
    return app


def uvicorn_config(app: FastAPI, port: int, host: str = "127.0.0.1") -> uvicorn.Config:
    """How every service is served: uvicorn's own forwarded-header handling is off (by
    default it believes ``X-Forwarded-For`` from loopback, so any local client could pick
    its address); :func:`build_app` believes it from ``TRUSTED_PROXIES`` only. Its
    access log is off: :class:`~shared.logs.RequestLog` writes the request lines, with
    the correlation id that uvicorn cannot know."""
    return uvicorn.Config(
        app, host=host, port=port, log_config=None, proxy_headers=False, access_log=False
    )


def run(app: FastAPI, port: int) -> None:
    """Serve ``app`` until interrupted (``python -m services.<name>``); logging is
    configured before uvicorn's first line (the lifespan configures it again)."""
    configure_logging(*app.state.logging)
    uvicorn.Server(uvicorn_config(app, port)).run()


def command_context(request: Request, principal: Principal) -> CommandContext:
    """The context a command brings: the caller, the clock's now, the correlation id."""
    runtime: Runtime = request.app.state.runtime
    return CommandContext(
        actor=Actor(user_id=principal.user_id, role=principal.main_role),
        now=runtime.clock(),
        correlation_id=request.state.correlation_id,
    )


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
