"""Real requests through a real PgBouncer in transaction mode (Debian's 1.18: no prepared statements across
transactions), with three server connections for everything: two organizations read their members, events and
orders concurrently while one of them places orders, so nearly every transaction runs on a server connection
whose previous transaction was the other tenant's. Any scope that outlived a transaction would show up as a
wrong page or as a cross-tenant read that is not 404.

Three server connections: a write request holds its read-side transaction (authentication) while its unit of
work runs, so it needs two at once, beside the other organization's read; with two, under load, the write
waited past the pool timeout (503).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.settings import APP_ROLE, Settings
from tests.fixtures.api import ApiUser, register
from tests.fixtures.ticketing import create_event, create_ticket_type, order
from tests.pgbouncer import log_of, running_pgbouncer, via

ROUNDS = 6


@pytest.fixture(scope="module")
def pgbouncer_port(database_url: str) -> Iterator[int]:
    with running_pgbouncer(database_url, users=("postgres", APP_ROLE), server_pool_size=3) as port:
        yield port


@pytest.fixture
async def bounced(settings: Settings, pgbouncer_port: int) -> AsyncIterator[AsyncTestClient[Any]]:
    runtime = via(settings.runtime_database_url, pgbouncer_port)
    app = create_app(dataclasses.replace(settings, app_database_url=runtime, db_transaction_pooler=True))
    async with AsyncTestClient(app=app) as client:
        yield client


async def _tenant(client: AsyncTestClient[Any], name: str) -> dict[str, Any]:
    owner = await register(client, f"{name} Owner")
    org = await owner.create_org(name)
    event = await create_event(owner, org["id"])
    ticket_type = await create_ticket_type(owner, org["id"], event["id"])
    placed = await order(owner, org["id"], event["id"], (ticket_type["id"], 1))
    assert placed.status_code == 201, placed.text
    return {"owner": owner, "org": org, "event": event, "ticket_type": ticket_type, "order": placed.json()}


def _paths(tenant: dict[str, Any]) -> list[str]:
    org = tenant["org"]["id"]
    return [
        f"/api/orgs/{org}/members",
        f"/api/orgs/{org}/events",
        f"/api/orgs/{org}/events/{tenant['event']['id']}",
        f"/api/orgs/{org}/orders/{tenant['order']['id']}",
    ]


async def _reads(client: AsyncTestClient[Any], me: dict[str, Any], them: dict[str, Any]) -> list[str]:
    owner: ApiUser = me["owner"]
    expected = {}
    for path in _paths(me):
        response = await client.get(path, headers=owner.headers)
        assert response.status_code == 200, response.text
        expected[path] = response.json()
    failures = []
    for _ in range(ROUNDS):
        for path, body in expected.items():
            response = await client.get(path, headers=owner.headers)
            if response.status_code != 200 or response.json() != body:
                failures.append(f"{me['org']['name']} own {path}: {response.status_code} {response.text[:120]}")
        for path in _paths(them):  # their organization's routes, and their ids under my organization
            mine_too = path.replace(them["org"]["id"], me["org"]["id"])
            for url in (path, mine_too) if mine_too not in expected else (path,):
                response = await client.get(url, headers=owner.headers)
                if response.status_code != 404 or them["org"]["name"] in response.text:
                    failures.append(f"{me['org']['name']} cross {url}: {response.status_code} {response.text[:120]}")
    return failures


async def _writes(tenant: dict[str, Any]) -> list[str]:
    failures = []
    for _ in range(ROUNDS):
        placed = await order(
            tenant["owner"], tenant["org"]["id"], tenant["event"]["id"], (tenant["ticket_type"]["id"], 1)
        )
        if placed.status_code != 201 or placed.json()["event_id"] != tenant["event"]["id"]:
            failures.append(f"{tenant['org']['name']} order: {placed.status_code} {placed.text[:120]}")
    return failures


async def test_tenancy_holds_through_pgbouncer_in_transaction_mode(bounced, pgbouncer_port: int) -> None:
    mine = await _tenant(bounced, "Bounced Mine")
    theirs = await _tenant(bounced, "Bounced Theirs")
    results = await asyncio.wait_for(
        asyncio.gather(_reads(bounced, mine, theirs), _reads(bounced, theirs, mine), _writes(mine)), timeout=45
    )
    assert [failure for result in results for failure in result] == []
    assert f"user={APP_ROLE}" in log_of(pgbouncer_port)  # the app's connections really went through PgBouncer
