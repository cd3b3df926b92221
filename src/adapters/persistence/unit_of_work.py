"""The SQL unit of work: one transaction, the tenant set in it, domain events into the outbox."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.persistence.audit.tables import audit_log
from adapters.persistence.billing.repositories import (
    SqlaBillingCustomerRepository,
    SqlaPlanRepository,
    SqlaStripeEventRepository,
    SqlaSubscriptionRepository,
    SqlaUsageRepository,
)
from adapters.persistence.chat.repositories import (
    SqlaChannelMemberRepository,
    SqlaChannelRepository,
    SqlaMessageRepository,
    SqlaNotificationRepository,
)
from adapters.persistence.community.repositories import (
    SqlaChapterMemberRepository,
    SqlaChapterRepository,
    SqlaTeamMemberRepository,
    SqlaTeamRepository,
)
from adapters.persistence.errors import domain_errors
from adapters.persistence.identity.repositories import (
    SqlaAccessTokenRepository,
    SqlaAccountTokenRepository,
    SqlaInvitationRepository,
    SqlaMembershipRepository,
    SqlaOrganizationRepository,
    SqlaTenantDirectory,
    SqlaUserRepository,
)
from adapters.persistence.jobs.repositories import SqlaProcessedEventRepository
from adapters.persistence.jobs.tables import outbox
from adapters.persistence.mapping import map_domain
from adapters.persistence.reports.repositories import SqlaReportRepository
from adapters.persistence.scope import SET_SCOPE_SQLA
from adapters.persistence.ticketing.repositories import (
    SqlaEventRepository,
    SqlaOrderRepository,
    SqlaTicketRepository,
    SqlaTicketTypeRepository,
)
from application.ports.accounts import AccountsUnitOfWorkFactory, AccountTokenRepository
from application.ports.announcements import AnnouncementUnitOfWorkFactory
from application.ports.billing import (
    BillingCustomerRepository,
    BillingUnitOfWorkFactory,
    PlanRepository,
    StripeEventRepository,
    SubscriptionRepository,
    UsageRepository,
    UsageUnitOfWorkFactory,
)
from application.ports.chat import (
    ChannelMemberRepository,
    ChannelRepository,
    ChatUnitOfWorkFactory,
    MessageRepository,
)
from application.ports.community import (
    ChapterMemberRepository,
    ChapterRepository,
    CommunityUnitOfWorkFactory,
    TeamMemberRepository,
    TeamRepository,
)
from application.ports.jobs import ProcessedEventRepository
from application.ports.notifications import NotificationRepository, NotificationsUnitOfWorkFactory
from application.ports.persistence import (
    AccessTokenRepository,
    InvitationRepository,
    MembershipRepository,
    OrganizationRepository,
    UnitOfWorkFactory,
    UserRepository,
)
from application.ports.reports import ReportRepository, ReportsUnitOfWorkFactory
from application.ports.ticketing import (
    EventRepository,
    OrderRepository,
    TenantDirectory,
    TicketingUnitOfWorkFactory,
    TicketRepository,
    TicketTypeRepository,
)
from application.ports.webhooks import WebhookUnitOfWorkFactory
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


class SqlaUnitOfWork:
    """Every repository of every capability, on one session: it satisfies each capability's unit-of-work port
    (TicketingUnitOfWork, BillingUnitOfWork, ChatUnitOfWork, ...). Repositories are plain objects over the
    session, built when the unit of work is entered (no query runs until a repository is used)."""

    users: UserRepository
    access_tokens: AccessTokenRepository
    organizations: OrganizationRepository
    memberships: MembershipRepository
    invitations: InvitationRepository
    tenants: TenantDirectory
    plans: PlanRepository
    subscriptions: SubscriptionRepository
    billing_customers: BillingCustomerRepository
    stripe_events: StripeEventRepository
    usage: UsageRepository
    chapters: ChapterRepository
    chapter_members: ChapterMemberRepository
    teams: TeamRepository
    team_members: TeamMemberRepository
    events: EventRepository
    ticket_types: TicketTypeRepository
    orders: OrderRepository
    tickets: TicketRepository
    channels: ChannelRepository
    channel_members: ChannelMemberRepository
    messages: MessageRepository
    notifications: NotificationRepository
    reports: ReportRepository
    processed_events: ProcessedEventRepository
    account_tokens: AccountTokenRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        organization_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        *,
        lock: bool = True,
    ) -> None:
        self._sessions, self._lock = sessions, lock
        self.organization_id, self.user_id = organization_id, user_id
        self._aggregates: list[Aggregate] = []
        self._events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        self.session = session = self._sessions()
        await session.execute(SET_TENANT, {"org": self.organization_id, "uid": self.user_id})
        org, lock = self.organization_id, self._lock
        self.users = SqlaUserRepository(session)
        self.access_tokens = SqlaAccessTokenRepository(session)
        self.organizations = SqlaOrganizationRepository(session, org)
        self.memberships = SqlaMembershipRepository(session, org)
        self.invitations = SqlaInvitationRepository(session, org)
        self.tenants = SqlaTenantDirectory(session)
        self.plans = SqlaPlanRepository(session, org)
        self.subscriptions = SqlaSubscriptionRepository(session, org)
        self.billing_customers = SqlaBillingCustomerRepository(session, org)
        self.stripe_events = SqlaStripeEventRepository(session, org)
        self.usage = SqlaUsageRepository(session, org)
        self.chapters = SqlaChapterRepository(session, org)
        self.chapter_members = SqlaChapterMemberRepository(session, org)
        self.teams = SqlaTeamRepository(session, org)
        self.team_members = SqlaTeamMemberRepository(session, org)
        self.events = SqlaEventRepository(session, org, lock)
        self.ticket_types = SqlaTicketTypeRepository(session, org, lock)
        self.orders = SqlaOrderRepository(session, org, lock)
        self.tickets = SqlaTicketRepository(session, org, lock)
        self.channels = SqlaChannelRepository(session, org)
        self.channel_members = SqlaChannelMemberRepository(session, org)
        self.messages = SqlaMessageRepository(session, org)
        self.notifications = SqlaNotificationRepository(session, org)
        self.reports = SqlaReportRepository(session, org)
        self.processed_events = SqlaProcessedEventRepository(session)
        self.account_tokens = SqlaAccountTokenRepository(session)
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
        async with domain_errors():
            await self._write_events()

    async def _write_events(self) -> None:
        events = self._events + [e for a in self._aggregates for e in a.pull_events()]
        self._events, self._aggregates = [], []
        if events:
            await self.session.execute(sa.insert(outbox), outbox_rows(events))
            audit = audit_rows(events)
            if audit:
                await self.session.execute(sa.insert(audit_log), audit)

    async def commit(self) -> None:
        async with domain_errors():
            await self.session.flush()
            await self._write_events()
            await self.session.commit()


class SqlaUnitOfWorkFactory(
    UnitOfWorkFactory,
    UsageUnitOfWorkFactory,
    BillingUnitOfWorkFactory,
    CommunityUnitOfWorkFactory,
    TicketingUnitOfWorkFactory,
    ChatUnitOfWorkFactory,
    NotificationsUnitOfWorkFactory,
    ReportsUnitOfWorkFactory,
    AnnouncementUnitOfWorkFactory,
    AccountsUnitOfWorkFactory,
    WebhookUnitOfWorkFactory,
):
    """The factory of every capability's unit-of-work port (the type checker holds it to each of them).

    `lock=False` only for the concurrency suite's negative control (TICKETING_UNSAFE_NO_LOCKS, APP_ENV=test).
    """

    def __init__(self, engine: AsyncEngine, *, lock: bool = True) -> None:
        map_domain()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._lock = lock

    def __call__(self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None) -> SqlaUnitOfWork:
        return SqlaUnitOfWork(self._sessions, organization_id, user_id, lock=self._lock)
