"""Backends for use-case and contract tests: the memory twins and the SQL adapters, driven alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.memory.audit import MemoryAuditQueries
from adapters.memory.community.queries import MemoryCommunityQueries
from adapters.memory.payments import MemoryPaymentGateway
from adapters.memory.store import MemoryStore
from adapters.memory.ticketing.queries import MemoryTicketingQueries
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.persistence.audit.queries import PgAuditQueries
from adapters.persistence.community.queries import PgCommunityQueries
from adapters.persistence.connection import RequestConnection
from adapters.persistence.ticketing.queries import PgTicketingQueries
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from domain.identity import User
from domain.organizations import Membership, Organization
from domain.permissions import Actor, Role
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings
from tests.fixtures.doubles import FixedClock


@dataclass
class Queries:
    ticketing: Any
    community: Any
    audit: Any


@dataclass
class Backend:
    name: str
    uow: Any  # a TicketingUnitOfWorkFactory and a CommunityUnitOfWorkFactory
    clock: FixedClock
    # queries(organization_id, user_id): the read ports, scoped like a request of that user in that tenant
    queries: Callable[[uuid.UUID | None, uuid.UUID | None], Awaitable[Queries]]
    store: MemoryStore | None = None
    gateway: MemoryPaymentGateway = field(default_factory=lambda: MemoryPaymentGateway("whsec_ticketing"))
    _cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def organization(self, *roles: Role) -> tuple[uuid.UUID, list[Actor]]:
        """A new organization whose members have the given roles (first one founds it)."""
        now = self.clock.now()
        users = [
            User(email=f"{uuid.uuid4().hex[:12]}@example.com", name=f"User {i}", password_hash="x", created_at=now)
            for i in range(len(roles))
        ]
        org, owner = Organization.found(name="Org", slug=f"o-{uuid.uuid4().hex[:12]}", owner_id=users[0].id, now=now)
        async with self.uow(org.id, users[0].id) as uow:
            for user in users:
                await uow.users.add(user)
            await uow.organizations.add(org)
            owner.role = roles[0]
            await uow.memberships.add(owner)
            for user, role in zip(users[1:], roles[1:], strict=True):
                await uow.memberships.add(Membership(org.id, user.id, role, now))
            await uow.commit()
        return org.id, [Actor(u.id, org.id, r) for u, r in zip(users, roles, strict=True)]


QueriesFactory = Callable[[uuid.UUID | None, uuid.UUID | None], Awaitable[Queries]]


def memory_queries(store: MemoryStore) -> QueriesFactory:
    async def queries(organization_id: uuid.UUID | None, user_id: uuid.UUID | None) -> Queries:
        return Queries(MemoryTicketingQueries(store), MemoryCommunityQueries(store), MemoryAuditQueries(store))

    return queries


def sql_queries(pool: Any, connections: list[RequestConnection]) -> QueriesFactory:
    """Read ports on a fresh request connection scoped to (organization, user); the caller releases them."""

    async def queries(organization_id: uuid.UUID | None, user_id: uuid.UUID | None) -> Queries:
        connection = RequestConnection(pool)
        connections.append(connection)
        conn = await connection.get()
        # What app_authenticate_scoped() does for a request: the tenant and the user, for its transaction.
        await conn.execute("SELECT app_scope($1, $2)", organization_id, user_id)
        return Queries(PgTicketingQueries(connection), PgCommunityQueries(connection), PgAuditQueries(connection))

    return queries


@pytest.fixture
def memory_backend() -> Backend:
    store = MemoryStore()
    uow = MemoryUnitOfWorkFactory(store)
    return Backend(
        "memory", uow, FixedClock(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)), memory_queries(store), store=store
    )


@pytest.fixture
async def sql_backend(settings: Settings) -> AsyncIterator[Backend]:
    engine = create_engine(settings)
    pool = await create_read_pool(settings)
    connections: list[RequestConnection] = []
    queries = sql_queries(pool, connections)
    yield Backend(
        "sql",
        SqlaUnitOfWorkFactory(engine),
        FixedClock(datetime.now(UTC)),
        queries,
    )
    for connection in connections:
        await connection.release()
    await pool.close()
    await engine.dispose()


@pytest.fixture(params=["memory", "sql"])
def backend(request: pytest.FixtureRequest) -> Backend:
    name = "memory_backend" if request.param == "memory" else "sql_backend"
    found: Backend = request.getfixturevalue(name)
    return found


@pytest.fixture(params=["postgres", "memory"])
def api(request: pytest.FixtureRequest) -> Any:
    """The HTTP API on PostgreSQL, then on the memory twins: the same end-to-end cases hold on both."""
    return request.getfixturevalue("client" if request.param == "postgres" else "memory_client")
