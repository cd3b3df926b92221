"""A database out of reach answers 503 with Retry-After (never 500), and start-up refuses pools that would not
fit the server's max_connections (the test builds the condition from the server's own value)."""

from __future__ import annotations

from dataclasses import replace

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from scripts import services
from sqlalchemy import exc as sa_exc

from adapters.http.unavailable import is_database_unavailable
from entrypoints.app import create_app
from entrypoints.database import CONNECTIONS_PER_POOL_SIZE, check_pool_budget, connections_needed
from entrypoints.settings import Settings, SettingsError, asyncpg_url
from tests.fixtures.api import register


async def test_a_database_outage_is_a_503_with_retry_after(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        user = await register(client)  # a token that exists, for the authenticated read below
    dead = f"postgresql://chapterhouse_app@127.0.0.1:{services.free_port()}/nowhere"
    async with AsyncTestClient(app=create_app(replace(settings, app_database_url=dead))) as client:
        read = await client.get("/api/me", headers={"Authorization": f"Bearer {user.token}"})
        write = await client.post(
            "/api/auth/register", json={"email": "down@example.com", "password": "correct horse battery", "name": "N"}
        )
    for answer in (read, write):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["extra"]["code"] == "database_unavailable"


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.TimeoutError("QueuePool limit of size 5 overflow 5 reached"),
        asyncpg.TooManyConnectionsError("remaining connection slots are reserved"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_pool_exhaustion_and_lost_servers_count_as_unavailable(error: Exception) -> None:
    wrapped = sa_exc.DBAPIError("SELECT 1", None, error)  # how SQLAlchemy hands a driver error up
    assert is_database_unavailable(error) and is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("a bug")) and not is_database_unavailable(KeyError("x"))


async def server_limit(settings: Settings) -> int:
    assert settings.database_url
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        return int(await conn.fetchval("SHOW max_connections")) - int(
            await conn.fetchval("SHOW superuser_reserved_connections")
        )
    finally:
        await conn.close()


async def test_start_up_refuses_pools_that_exceed_max_connections(settings: Settings) -> None:
    limit = await server_limit(settings)  # whatever this server allows
    too_many = replace(settings, db_processes=2, db_pool_size=limit // (2 * CONNECTIONS_PER_POOL_SIZE) + 1)
    assert connections_needed(too_many) > limit
    with pytest.raises(SettingsError, match="max_connections"):
        await check_pool_budget(too_many)
    fits = replace(settings, db_processes=1, db_pool_size=1)
    assert await check_pool_budget(fits) >= 0
