"""Real requests through a real PgBouncer in transaction mode (Debian's 1.18: no prepared statements across
transactions): the app, its read side and its write side connect only through it, with three server
connections for everything (a request may hold three transactions at once: its reads, its unit of work, and
an announcement's audience or a report's lookup), and the cross-tenant matrix holds while both organizations
read their own data."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.settings import APP_ROLE, Settings
from tests.isolation.test_cross_tenant_matrix import database_state, id_routes
from tests.isolation.test_shared_connection_matrix import cross_calls, own_paths, own_reads
from tests.isolation.world import build_tenant
from tests.pgbouncer import log_of, running_pgbouncer, via


@pytest.fixture(scope="module")
def pgbouncer_port(database_url: str) -> Iterator[int]:
    with running_pgbouncer(database_url, users=("postgres", APP_ROLE), server_pool_size=3) as port:
        yield port


@pytest.fixture
async def bounced(settings: Settings, pgbouncer_port: int) -> AsyncIterator[tuple[object, AsyncTestClient]]:
    runtime = via(settings.runtime_database_url, pgbouncer_port)
    app = create_app(dataclasses.replace(settings, app_database_url=runtime, db_transaction_pooler=True))
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def test_tenancy_holds_through_pgbouncer_in_transaction_mode(bounced, settings, pgbouncer_port) -> None:
    app, client = bounced
    mine = await build_tenant(client, "Bounced Mine")  # every kind of object, written through PgBouncer
    theirs = await build_tenant(client, "Bounced Theirs")
    expected = {}
    for tenant in (mine, theirs):
        for path in own_paths(tenant):
            response = await client.get(path, headers=tenant.owner.headers)
            assert response.status_code == 200, response.text
            expected[tenant.org["name"], path] = response.json()
    before = await database_state(settings.database_url)
    stop = asyncio.Event()
    routes = id_routes(app)  # type: ignore[arg-type]

    async def crossing(me, them) -> list[str]:
        try:
            return await cross_calls(client, routes, me, them)
        finally:
            stop.set()

    own_mine, own_theirs, cross_mine, cross_theirs = await asyncio.gather(
        own_reads(client, mine, {p: expected[mine.org["name"], p] for p in own_paths(mine)}, stop),
        own_reads(client, theirs, {p: expected[theirs.org["name"], p] for p in own_paths(theirs)}, stop),
        crossing(mine, theirs),
        crossing(theirs, mine),
    )
    assert own_mine[0] > 3 and own_theirs[0] > 3
    assert cross_mine + cross_theirs + own_mine[1] + own_theirs[1] == []
    assert await database_state(settings.database_url) == before
    assert f"user={APP_ROLE}" in log_of(pgbouncer_port)  # the app's connections really went through PgBouncer
