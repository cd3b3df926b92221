"""The Litestar application factory: the HTTP and WebSocket app over the container (entrypoints.container)."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

import asyncpg
from dishka import AsyncContainer, Provider
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar, Router
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Middleware, Receive, Scope, Send

from adapters.http.body_limits import body_limits
from adapters.http.errors import EXCEPTION_HANDLERS
from adapters.http.metrics_access import metrics_guard
from adapters.http.middleware import request_context_middleware
from adapters.http.operations.controllers import operations_handlers
from adapters.http.rate_limit_store import rate_limit_store
from adapters.http.routes import RATE_LIMITED_ROUTE_HANDLERS, ROUTE_HANDLERS
from adapters.http.security_headers import add_security_headers
from adapters.memory.store import MemoryStore
from adapters.observability.metrics import metrics_handler, watch_gc_pauses
from adapters.persistence.connection import RequestConnection
from adapters.realtime.log_redaction import redact_socket_tokens
from adapters.realtime.websocket import realtime_socket
from adapters.realtime.wire import expose_raw_send
from entrypoints.container import build_container
from entrypoints.docs_site import docs_render_plugins, docs_routes
from entrypoints.http_conventions import UtcJsonResponse, cors_config
from entrypoints.jobs import measure_outbox_lag
from entrypoints.settings import Environment, Settings

# Every route handler behind the API router, in one place.
API_CONTROLLERS: list[Any] = [*ROUTE_HANDLERS, realtime_socket]


class DatabaseCheck:
    name = "database"

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container

    async def __call__(self) -> None:
        pool = await self._container.get(asyncpg.Pool)
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")


class RedisCheck:
    name = "redis"

    def __init__(self, url: str) -> None:
        self._url = url

    async def __call__(self) -> None:
        from redis.asyncio import Redis

        client = Redis.from_url(self._url, socket_timeout=2)
        try:
            await client.ping()
        finally:
            await client.aclose()


def return_read_connection_early(app: ASGIApp) -> ASGIApp:
    """Give the request's read connection back to the pool once the response is ready to go out.

    dishka closes the request scope only after the body has been written to the socket; holding a pooled
    connection through the network write made requests queue for connections under load (the p99).
    A later read in the same request borrows again and starts with no tenant (fail-closed).
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_and_release(message: Message) -> None:
            if message["type"] == "http.response.start":
                container = scope.get("state", {}).get("dishka_container")
                if container is not None:
                    connection = await container.get(RequestConnection)
                    await connection.release()
            await send(message)

        await app(scope, receive, send_and_release)

    return middleware


def create_app(
    settings: Settings, *, memory_store: MemoryStore | None = None, extra_providers: Sequence[Provider] = ()
) -> Litestar:
    redact_socket_tokens()  # the socket's token travels in its URL, which uvicorn logs
    container = build_container(settings, memory_store=memory_store, extra_providers=extra_providers)
    checks: list[Any] = [] if memory_store is not None else [DatabaseCheck(container)]
    if settings.redis_url:
        checks.append(RedisCheck(settings.redis_url))

    # Only sign-up and log-in are throttled (per client address), so the hot paths pay nothing.
    auth_rate_limit = RateLimitConfig(rate_limit=("minute", settings.auth_rate_limit_per_minute), store="rate_limit")
    auth_router = DishkaRouter(
        path="/", route_handlers=RATE_LIMITED_ROUTE_HANDLERS, middleware=[auth_rate_limit.middleware]
    )
    api_router = DishkaRouter(path="/", route_handlers=API_CONTROLLERS)
    rate_store = rate_limit_store(settings.redis_url, cluster=settings.redis_cluster)

    async def close_container() -> None:
        await container.close()

    def settle_heap() -> None:
        # Objects alive after start-up live for the whole process: keep them out of every GC pass,
        # and collect less often, so full collections stop pausing requests (70-120 ms pauses under load).
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)
        watch_gc_pauses()

    # Request count and latency by route template (not raw path: ids would explode the label set).
    # /ws is left out: a socket's "latency" is its lifetime, and the wrapper would run on every frame sent.
    prometheus = PrometheusConfig(
        app_name="chapterhouse", prefix="chapterhouse", group_path=True, exclude=["^/metrics", "^/health", "^/ws"]
    )

    async def before_scrape() -> None:
        await measure_outbox_lag(container)  # one indexed query per scrape: the API shows the lag too

    middleware: list[Middleware] = [request_context_middleware, prometheus.middleware]
    if memory_store is None:
        middleware.append(return_read_connection_early)
    middleware.append(body_limits(max_bytes=settings.http_max_body_bytes, max_depth=settings.http_max_json_depth))
    app = Litestar(
        route_handlers=[
            metrics_handler(
                before_scrape, [metrics_guard(settings.metrics_token, loopback_only=settings.env == Environment.PROD)]
            ),
            auth_router,
            api_router,
            Router(path="/", route_handlers=operations_handlers(checks)),
            *docs_routes("0.1.0"),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        response_class=UtcJsonResponse,  # one timestamp form (UTC `Z`) in every body
        cors_config=cors_config(settings),
        # The root logger is configure_logging's (JSON lines with request and job ids): Litestar keeps to its own.
        logging_config=LoggingConfig(configure_root_logger=False),
        stores={"rate_limit": rate_store},
        middleware=middleware,
        before_send=[add_security_headers],
        on_startup=[settle_heap],
        on_shutdown=[close_container],
        openapi_config=OpenAPIConfig(
            title="Chapterhouse API",
            version="0.1.0",
            path="/schema",
            render_plugins=docs_render_plugins(),  # assets served by the app (no CDN)
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer"),
                }
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
    )
    setup_dishka(container, app)
    app.asgi_handler = expose_raw_send(app.asgi_handler)  # outside Litestar's own send wrappers
    return app
