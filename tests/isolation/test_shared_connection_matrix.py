"""The isolation matrix on connections shared between tenants, the way PgBouncer's transaction mode shares them.

The app runs with pools of three connections (read pool and write engine), and two organizations' requests
alternate, one request of each in turn (asyncpg's pool hands out the most recently released connection, so
the reads all go through one connection): each cross-tenant call of the matrix (A's owner with B's ids, and
B's owner with A's) is followed by one of the other organization's legitimate reads of its own data, so
nearly every request's statements run on a connection whose previous transaction was another tenant's. Any
scope that survived a transaction would show up as a 200 (or another organization's name) where 404 is due,
or as a legitimate read that sees the wrong tenant.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.settings import Settings
from tests.isolation.tenants import VALID_BODIES, Tenant, build_tenant
from tests.isolation.test_cross_tenant_matrix import ORG_LESS_403, PARAM, PUBLIC, database_state, fill, id_routes


@pytest.fixture
async def shared_client(settings: Settings) -> AsyncIterator[tuple[Litestar, AsyncTestClient[Litestar]]]:
    # Three read connections for four concurrent request streams of two organizations (asyncpg's pool hands
    # out the most recently released connection first). Not one: a request that posts an announcement or
    # asks for a report holds its request connection while the audience / report adapter borrows a second.
    app = create_app(dataclasses.replace(settings, db_pool_size=3))
    async with AsyncTestClient(app=app) as client:
        yield app, client


def cross_urls(routes: list[tuple[str, str]], me: Tenant, them: Tenant) -> list[tuple[str, str, str]]:
    """(method, url, route) of every id route: their ids under their organization, and under mine."""
    calls = []
    for method, path in routes:
        params = PARAM.findall(path)
        if PUBLIC.match(path):  # their public part is anyone's: their ids under my slug must be 404
            if len(params) > 1:
                calls.append((method, fill(path, them.ids, {"slug": me.ids["slug"]}), path))
            continue
        calls.append((method, fill(path, them.ids), path))
        if "org_id" in params and len(params) > 1:
            calls.append((method, fill(path, them.ids, {"org_id": me.ids["org_id"]}), path))
    return calls


def own_paths(tenant: Tenant) -> list[str]:
    org = tenant.ids["org_id"]
    return [f"/api/orgs/{org}", f"/api/orgs/{org}/members", f"/api/orgs/{org}/events/{tenant.ids['event_id']}"]


async def test_no_scope_survives_a_transaction_on_a_shared_connection(shared_client, settings: Settings) -> None:
    app, client = shared_client
    routes = id_routes(app)
    mine = await build_tenant(client, "Shared Mine")
    theirs = await build_tenant(client, "Shared Theirs")
    expected: dict[tuple[str, str], Any] = {}
    for tenant in (mine, theirs):
        for path in own_paths(tenant):
            response = await client.get(path, headers=tenant.owner.headers)
            assert response.status_code == 200, response.text
            expected[tenant.org["name"], path] = response.json()
    before = await database_state(settings.database_url)
    failures, own_reads = [], 0
    # One request of each organization in turn: every cross-tenant call of one is followed by a legitimate
    # read of the other, so the two alternate on the same few connections.
    for me, them in ((mine, theirs), (theirs, mine)):
        paths = own_paths(them)
        for n, (method, url, route) in enumerate(cross_urls(routes, me, them)):
            response = await client.request(
                method, url, json=VALID_BODIES.get((method, route)), headers=me.owner.headers
            )
            status = 403 if ORG_LESS_403.match(route) else 404
            if response.status_code != status or them.org["name"] in response.text:
                failures.append(f"{me.org['name']}: {method} {url}: {response.status_code} {response.text[:120]}")
            path = paths[n % len(paths)]
            own = await client.get(path, headers=them.owner.headers)
            own_reads += 1
            if own.status_code != 200 or own.json() != expected[them.org["name"], path]:
                failures.append(f"{them.org['name']} own read {path}: {own.status_code} {own.text[:120]}")
    assert own_reads > 3  # the legitimate reads really alternated with the matrix
    assert failures == []
    assert await database_state(settings.database_url) == before
