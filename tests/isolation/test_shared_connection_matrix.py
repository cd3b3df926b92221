"""The isolation matrix on connections shared between tenants, the way PgBouncer's transaction mode shares them.

The app runs with pools of three connections (read pool and write engine), and two organizations' requests
interleave, one request of each in turn (the test client serves one request at a time, and asyncpg's pool
hands out the most recently released connection, so the reads all go through one connection): each
cross-tenant call of the matrix (A's owner with B's ids, and B's owner with A's) alternates with the other
organization's legitimate reads of its own data, so nearly every request's statements run on a connection
whose previous transaction was another tenant's. Any scope that survived a transaction would show up as a
200 (or another organization's name) where 404 is due, or as a legitimate read that sees the wrong tenant.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.settings import Settings
from tests.isolation.test_cross_tenant_matrix import ORG_LESS_403, PARAM, database_state, fill, id_routes
from tests.isolation.world import VALID_BODIES, Tenant, build_tenant


@pytest.fixture
async def shared_client(settings: Settings) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    # Three read connections for four concurrent request streams of two organizations (asyncpg's pool hands
    # out the most recently released connection first). Not one: a request that posts an announcement or
    # asks for a report holds its request connection while the audience / report adapter borrows a second.
    app = create_app(dataclasses.replace(settings, db_pool_size=3))
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def cross_calls(client: Any, routes: list[tuple[str, str]], me: Tenant, them: Tenant) -> list[str]:
    failures = []
    for method, path in routes:
        params = PARAM.findall(path)
        variants = [fill(path, them.ids)]
        if "org_id" in params and len(params) > 1:
            variants.append(fill(path, them.ids, {"org_id": me.ids["org_id"]}))
        for url in variants:
            response = await client.request(
                method, url, json=VALID_BODIES.get((method, path)), headers=me.owner.headers
            )
            expected = 403 if ORG_LESS_403.match(path) else 404
            if response.status_code != expected or them.org["name"] in response.text:
                failures.append(f"{me.org['name']}: {method} {url}: {response.status_code} {response.text[:120]}")
    return failures


def own_paths(tenant: Tenant) -> list[str]:
    org = tenant.ids["org_id"]
    return [f"/api/orgs/{org}", f"/api/orgs/{org}/members", f"/api/orgs/{org}/events/{tenant.ids['event_id']}"]


async def own_reads(
    client: Any, tenant: Tenant, expected: dict[str, Any], stop: asyncio.Event
) -> tuple[int, list[str]]:
    """The tenant's own data, read again and again while the matrix runs: always what it was when read alone."""
    reads, failures = 0, []
    while not stop.is_set():
        for path, body in expected.items():
            response = await client.get(path, headers=tenant.owner.headers)
            reads += 1
            if response.status_code != 200 or response.json() != body:
                failures.append(f"{tenant.org['name']} own read {path}: {response.status_code} {response.text[:120]}")
    return reads, failures


async def test_no_scope_survives_a_transaction_on_a_shared_connection(shared_client, settings: Settings) -> None:
    app, client = shared_client
    routes = id_routes(app)
    mine = await build_tenant(client, "Shared Mine")
    theirs = await build_tenant(client, "Shared Theirs")
    assert "event_id" in mine.ids
    expected = {}
    for tenant in (mine, theirs):
        for path in own_paths(tenant):
            response = await client.get(path, headers=tenant.owner.headers)
            assert response.status_code == 200, response.text
            expected[tenant.org["name"], path] = response.json()
    before = await database_state(settings.database_url)
    stop = asyncio.Event()

    async def crossing(me: Tenant, them: Tenant) -> list[str]:
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
    assert own_mine[0] > 3 and own_theirs[0] > 3  # the legitimate reads really interleaved with the matrix
    assert cross_mine + cross_theirs + own_mine[1] + own_theirs[1] == []
    assert await database_state(settings.database_url) == before
