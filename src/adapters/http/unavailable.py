"""A database that cannot serve the request (down, restarting, out of connection slots, pool exhausted) is a
503 with Retry-After, not a 500: the client may retry, and a load balancer sees an overloaded backend."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = "5"

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.TimeoutError,  # the engine's pool had no connection within DB_POOL_TIMEOUT_SECONDS
    asyncpg.TooManyConnectionsError,  # 53300: max_connections or "remaining slots are reserved"
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or was lost
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,  # e.g. "connection is closed" after the server went away
    ConnectionError,  # refused or reset (OSError subclasses)
    asyncio.TimeoutError,
)


def is_database_unavailable(error: BaseException) -> bool:
    """Whether the error, or one it was raised from (SQLAlchemy wraps the driver's), says the database is gone."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, OSError) and current.errno is not None:
            return True  # a socket error talking to the server (host unreachable, no route)
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return False
