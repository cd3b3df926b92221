"""The access-change reader on the memory twin and PostgreSQL alike: removals, role changes and suspensions
committed after a moment, across organizations, and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory.access_changes import MemoryAccessChanges
from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.persistence.connection import RequestConnection
from adapters.persistence.jobs.access_changes import PgAccessChanges
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.ports.access_changes import AccessChanges
from domain.events import DomainEvent
from domain.permissions import Role
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings
from tests.fixtures.doubles import FixedClock
from tests.ticketing.conftest import Backend, memory_queries


@dataclass
class World:
    backend: Backend
    changes: AccessChanges


@pytest.fixture(params=["memory", "sql"])
async def world(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[World]:
    clock = FixedClock(datetime.now(UTC))
    if request.param == "memory":
        store = MemoryStore()
        backend = Backend("memory", MemoryUnitOfWorkFactory(store), clock, memory_queries(store), store=store)
        yield World(backend, MemoryAccessChanges(store))
        return
    engine, pool = create_engine(settings), await create_read_pool(settings)
    connection = RequestConnection(pool)
    try:
        backend = Backend("sql", SqlaUnitOfWorkFactory(engine), clock, None)  # type: ignore[arg-type]
        yield World(backend, PgAccessChanges(connection))
    finally:
        await connection.release()
        await pool.close()
        await engine.dispose()


async def test_removals_role_changes_and_suspensions_since_a_moment(world: World) -> None:
    b = world.backend
    before = datetime.now(UTC) - timedelta(seconds=1)
    org, (owner, member) = await b.organization(Role.OWNER, Role.MEMBER)
    other_org, (other_owner,) = await b.organization(Role.OWNER)
    events = [
        DomainEvent.of("member.removed", org, {"user_id": str(member.user_id)}, owner.user_id),
        DomainEvent.of(
            "member.role_changed", org, {"user_id": str(owner.user_id), "from": "owner", "to": "admin"}, owner.user_id
        ),
        DomainEvent.of("organization.suspended", other_org, {"reason": None}, other_owner.user_id),
        DomainEvent.of("chapter.created", org, {"user_id": str(member.user_id)}, owner.user_id),  # not one
    ]
    for organization, actor in ((org, owner), (other_org, other_owner)):
        async with b.uow(organization, actor.user_id) as uow:
            for event in events:
                if event.organization_id == organization:
                    uow.record(event)
            await uow.commit()

    found = {c.id: c for c in await world.changes.since(before)}
    mine = {events[0].id, events[1].id, events[2].id}
    assert mine <= set(found)
    assert events[3].id not in found
    assert (found[events[0].id].organization_id, found[events[0].id].user_id) == (org, member.user_id)
    assert found[events[1].id].user_id == owner.user_id
    assert (found[events[2].id].organization_id, found[events[2].id].user_id) == (other_org, None)
    assert not mine & {c.id for c in await world.changes.since(datetime.now(UTC) + timedelta(seconds=1))}
