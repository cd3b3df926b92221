"""The SQL unit of work: one transaction, the tenant set in it, domain events into the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.persistence import tables as t
from adapters.persistence.errors import translate_integrity_error
from adapters.persistence.mapping import map_domain
from adapters.persistence.repositories import (
    SqlaAccessTokenRepository,
    SqlaInvitationRepository,
    SqlaMembershipRepository,
    SqlaOrganizationRepository,
    SqlaUserRepository,
)
from adapters.persistence.scope import SET_SCOPE_SQLA
from domain.errors import Conflict
from domain.events import Aggregate, DomainEvent

# Both settings in one statement, transaction-local (SET LOCAL, see scope.py): they vanish at COMMIT/ROLLBACK,
# so a pooled connection never carries a tenant into the next transaction.
SET_TENANT = SET_SCOPE_SQLA


def outbox_rows(events: list[DomainEvent]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "organization_id": e.organization_id,
            "name": e.name,
            "payload": e.payload,
            "actor_id": e.actor_id,
            "occurred_at": e.occurred_at,
        }
        for e in events
    ]


def audit_rows(events: list[DomainEvent]) -> list[dict[str, Any]]:
    return [
        {
            "organization_id": e.organization_id,
            "id": e.id,
            "actor_id": e.actor_id,
            "action": e.name,
            "details": e.payload,
            "occurred_at": e.occurred_at,
        }
        for e in events
        if e.organization_id is not None and e.actor_id is not None
    ]


# A capability adds its repositories as (attribute name -> factory(session, organization_id)).
RepositoryFactories = Mapping[str, Callable[[AsyncSession, uuid.UUID | None], Any]]


class SqlaUnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        organization_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        extra_repositories: RepositoryFactories | None = None,
    ) -> None:
        self._extra_repositories = extra_repositories or {}
        self._sessions = sessions
        self.organization_id, self.user_id = organization_id, user_id
        self._aggregates: list[Aggregate] = []
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        self.session = session = self._sessions()
        await session.execute(SET_TENANT, {"org": self.organization_id, "uid": self.user_id})
        org = self.organization_id
        self.users = SqlaUserRepository(session)
        self.access_tokens = SqlaAccessTokenRepository(session)
        self.organizations = SqlaOrganizationRepository(session, org)
        self.memberships = SqlaMembershipRepository(session, org)
        self.invitations = SqlaInvitationRepository(session, org)
        for name, factory in self._extra_repositories.items():
            setattr(self, name, factory(session, org))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.close()  # rolls back whatever was not committed

    def collect(self, *aggregates: Aggregate) -> None:
        self._aggregates.extend(aggregates)

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def write_events(self) -> None:
        try:
            await self._write_events()
        except IntegrityError as exc:
            raise translate_integrity_error(exc) from None

    async def _write_events(self) -> None:
        events = self._events + [e for a in self._aggregates for e in a.pull_events()]
        self._events, self._aggregates = [], []
        if events:
            await self.session.execute(sa.insert(t.outbox), outbox_rows(events))
            audit = audit_rows(events)
            if audit:
                await self.session.execute(sa.insert(t.audit_log), audit)

    async def commit(self) -> None:
        try:
            await self.session.flush()
            await self._write_events()
            await self.session.commit()
        except IntegrityError as exc:
            raise translate_integrity_error(exc) from None
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):
                raise Conflict("a concurrent change got there first; try again") from None
            raise


class SqlaUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, extra_repositories: RepositoryFactories | None = None) -> None:
        map_domain()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._extra_repositories = dict(extra_repositories or {})

    def __call__(self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None) -> SqlaUnitOfWork:
        return SqlaUnitOfWork(self._sessions, organization_id, user_id, self._extra_repositories)
