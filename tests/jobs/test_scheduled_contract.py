"""Reminders and the invitation purge against the memory twin and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.email import EmailTemplates
from adapters.memory.email import MemoryEmailSender
from adapters.memory.jobs import MemoryProcessedEvents
from adapters.memory.maintenance import MemoryMaintenanceQueries
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.persistence.connection import RequestConnection
from adapters.persistence.jobs.repositories import SqlaProcessedEvents
from adapters.persistence.maintenance import PgMaintenanceQueries
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from adapters.security.tokens import HmacInvitationTokenCodec
from application.invitations import InviteMember, InviteMemberCommand
from application.scheduled import PurgeExpiredInvitations, SendEventReminders
from domain.permissions import Role
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET
from tests.fixtures.doubles import FixedClock
from tests.jobs.test_scheduled_jobs import published_event
from tests.ticketing.conftest import Backend, memory_queries, sql_queries
from tests.ticketing.test_use_cases import place


@dataclass
class World:
    backend: Backend
    queries: Any
    processed: Any
    invitation_exists: Any


@pytest.fixture(params=["memory", "sql"])
async def world(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[World]:
    clock = FixedClock(datetime.now(UTC))
    if request.param == "memory":
        store = MemoryStore()
        backend = Backend(
            "memory",
            MemoryUnitOfWorkFactory(store),
            clock,
            memory_queries(store),
            store=store,
        )

        async def exists_in_memory(organization_id: Any, invitation_id: Any) -> bool:
            return invitation_id in store.invitations

        yield World(backend, MemoryMaintenanceQueries(store), MemoryProcessedEvents(store), exists_in_memory)
        return
    engine = create_engine(settings)
    pool = await create_read_pool(settings)
    connections: list[RequestConnection] = []
    backend = Backend("sql", SqlaUnitOfWorkFactory(engine), clock, sql_queries(pool, connections))

    async def exists_in_sql(organization_id: Any, invitation_id: Any) -> bool:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.organization_id', $1, true)", str(organization_id))
            return bool(await conn.fetchval("SELECT count(*) FROM invitations WHERE id = $1", invitation_id))

    try:
        yield World(backend, PgMaintenanceQueries(pool), SqlaProcessedEvents(engine), exists_in_sql)
    finally:
        for connection in connections:
            await connection.release()
        await pool.close()
        await engine.dispose()


async def test_each_holder_of_a_soon_starting_event_is_reminded_once(world: World) -> None:
    b = world.backend
    _, (admin, holder, later_holder) = await b.organization(Role.OWNER, Role.MEMBER, Role.MEMBER)
    soon, soon_type = await published_event(b, admin, starts_in=timedelta(hours=20))
    later, later_type = await published_event(b, admin, starts_in=timedelta(days=3))
    assert (await place(b, holder, soon.id, (soon_type.id, 2))).status == "paid"
    assert (await place(b, later_holder, later.id, (later_type.id, 1))).status == "paid"
    sender = MemoryEmailSender()
    remind = SendEventReminders(world.queries, world.processed, EmailTemplates(), sender, b.clock)

    await asyncio.gather(remind.execute(), remind.execute())
    await remind.execute()

    async with b.uow() as uow:
        holder_email = (await uow.users.get(holder.user_id)).email
        later_email = (await uow.users.get(later_holder.user_id)).email
    assert [m.to for m in sender.sent].count(holder_email) == 1
    assert later_email not in [m.to for m in sender.sent]


async def test_purge_deletes_only_long_expired_unaccepted_invitations(world: World) -> None:
    b = world.backend
    org_id, (admin,) = await b.organization(Role.OWNER)
    invite = InviteMember(b.uow, HmacInvitationTokenCodec(TEST_SECRET), b.clock)
    b.clock.advance(timedelta(days=-40))
    old = await invite.execute(admin, InviteMemberCommand(email="old@example.com", role=Role.MEMBER))
    b.clock.advance(timedelta(days=40))
    fresh = await invite.execute(admin, InviteMemberCommand(email="fresh@example.com", role=Role.MEMBER))

    await asyncio.gather(
        PurgeExpiredInvitations(world.queries, b.clock).execute(),
        PurgeExpiredInvitations(world.queries, b.clock).execute(),
    )

    assert not await world.invitation_exists(org_id, old.id)
    assert await world.invitation_exists(org_id, fresh.id)
