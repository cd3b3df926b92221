"""dishka providers: the one place that picks an adapter for each port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from adapters.memory.billing import MEMORY_BILLING_REPOSITORIES
from adapters.memory.jobs import MEMORY_JOBS_REPOSITORIES
from adapters.memory.persistence import MemoryUnitOfWorkFactory
from adapters.memory.queries import MemoryAuthenticator, MemoryMemberQueries, MemoryUserQueries
from adapters.memory.reports import MEMORY_REPORT_REPOSITORIES
from adapters.memory.store import MemoryStore
from adapters.memory.ticketing import MEMORY_TICKETING_REPOSITORIES
from adapters.persistence.billing_repositories import SQL_BILLING_REPOSITORIES
from adapters.persistence.jobs import SQL_JOBS_REPOSITORIES
from adapters.persistence.member_pages import AsyncpgMemberPages
from adapters.persistence.queries import (
    AsyncpgAuthenticator,
    AsyncpgMemberQueries,
    AsyncpgUserQueries,
    FairGate,
    RequestConnection,
)
from adapters.persistence.reports import SQL_REPORT_REPOSITORIES
from adapters.persistence.ticketing_repositories import sql_repositories as sql_ticketing_repositories
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from adapters.security.clock import SystemClock
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import HmacInvitationTokenCodec
from application.identity import GetMe, LogIn, LogOut, RegisterUser
from application.invitations import AcceptInvitation, InviteMember
from application.member_list import ListMembersByToken, SequentialMemberPages
from application.organizations import (
    ChangeMemberRole,
    CreateOrganization,
    GetOrganization,
    ListMembers,
    ListMyOrganizations,
    RemoveMember,
    RenameOrganization,
)
from application.ports.auth import Authenticator
from application.ports.clock import Clock
from application.ports.member_pages import MemberPagesByToken
from application.ports.persistence import UnitOfWorkFactory
from application.ports.queries import MemberQueries, UserQueries
from application.ports.security import InvitationTokenCodec, PasswordHasher
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings

# Repositories that capabilities add to the unit of work: attribute name -> factory.
SQL_REPOSITORIES: dict[str, Callable[[AsyncSession, uuid.UUID | None], Any]] = {}
MEMORY_REPOSITORIES: dict[str, Callable[[MemoryStore, uuid.UUID | None], Any]] = {}
SQL_REPOSITORIES.update(SQL_BILLING_REPOSITORIES)
MEMORY_REPOSITORIES.update(MEMORY_BILLING_REPOSITORIES)
SQL_REPOSITORIES.update(SQL_JOBS_REPOSITORIES | SQL_REPORT_REPOSITORIES)
MEMORY_REPOSITORIES.update(MEMORY_JOBS_REPOSITORIES | MEMORY_REPORT_REPOSITORIES)
SQL_REPOSITORIES.update(sql_ticketing_repositories())
MEMORY_REPOSITORIES.update(MEMORY_TICKETING_REPOSITORIES)


class CoreProvider(Provider):
    """Adapters that need no database: clock, hashing, signing."""

    scope = Scope.APP

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide
    def invitation_codec(self, settings: Settings) -> InvitationTokenCodec:
        return HmacInvitationTokenCodec(settings.secret_key)


class UseCaseProvider(Provider):
    scope = Scope.REQUEST

    register_user = provide(RegisterUser)
    log_in = provide(LogIn)
    log_out = provide(LogOut)
    get_me = provide(GetMe)
    create_organization = provide(CreateOrganization)
    get_organization = provide(GetOrganization)
    rename_organization = provide(RenameOrganization)
    list_my_organizations = provide(ListMyOrganizations)
    list_members = provide(ListMembers)
    list_members_by_token = provide(ListMembersByToken)
    change_member_role = provide(ChangeMemberRole)
    remove_member = provide(RemoveMember)
    invite_member = provide(InviteMember)
    accept_invitation = provide(AcceptInvitation)


class PostgresProvider(Provider):
    """The write side on SQLAlchemy, the read side (and authentication) on asyncpg."""

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    async def read_pool(self, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
        pool = await create_read_pool(settings)
        yield pool
        await pool.close()

    @provide(scope=Scope.APP)
    def sqla_unit_of_work(self, engine: AsyncEngine) -> SqlaUnitOfWorkFactory:
        # Capabilities register their repositories here, and provide their own factory protocol
        # (e.g. TicketingUnitOfWorkFactory) from this same instance.
        return SqlaUnitOfWorkFactory(engine, extra_repositories=SQL_REPOSITORIES)

    @provide(scope=Scope.APP)
    def unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

    @provide(scope=Scope.APP)
    def read_gate(self, settings: Settings) -> FairGate:
        return FairGate(settings.db_pool_size)

    @provide(scope=Scope.REQUEST)
    async def request_connection(
        self, pool: asyncpg.Pool, gate: FairGate, settings: Settings
    ) -> AsyncIterator[RequestConnection]:
        connection = RequestConnection(pool, gate, single_statements=not settings.db_transaction_pooler)
        yield connection
        await connection.release()

    authenticator = provide(AsyncpgAuthenticator, scope=Scope.REQUEST, provides=Authenticator)
    member_queries = provide(AsyncpgMemberQueries, scope=Scope.REQUEST, provides=MemberQueries)
    user_queries = provide(AsyncpgUserQueries, scope=Scope.REQUEST, provides=UserQueries)
    member_pages = provide(AsyncpgMemberPages, scope=Scope.REQUEST, provides=MemberPagesByToken)


class MemoryProvider(Provider):
    """Every driven port on the in-memory twins (use-case and HTTP tests without a database)."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        super().__init__()
        self._store = store or MemoryStore()

    @provide(scope=Scope.APP)
    def store(self) -> MemoryStore:
        return self._store

    @provide(scope=Scope.APP)
    def memory_unit_of_work(self, store: MemoryStore) -> MemoryUnitOfWorkFactory:
        return MemoryUnitOfWorkFactory(store, extra_repositories=MEMORY_REPOSITORIES)

    @provide(scope=Scope.APP)
    def unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

    @provide(scope=Scope.REQUEST)
    def authenticator(self, store: MemoryStore, clock: Clock) -> Authenticator:
        return MemoryAuthenticator(store, clock)

    @provide(scope=Scope.REQUEST)
    def member_queries(self, store: MemoryStore) -> MemberQueries:
        return MemoryMemberQueries(store)

    @provide(scope=Scope.REQUEST)
    def user_queries(self, store: MemoryStore) -> UserQueries:
        return MemoryUserQueries(store)

    @provide(scope=Scope.REQUEST)
    def member_pages(self, authenticator: Authenticator, queries: MemberQueries) -> MemberPagesByToken:
        return SequentialMemberPages(authenticator, queries)
