"""The in-memory unit of work: the same contract as the SQL one, on the store's dicts, for tests without a database."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

from adapters.memory.billing import (
    MemoryBillingCustomerRepository,
    MemoryPlanRepository,
    MemoryStripeEventRepository,
    MemorySubscriptionRepository,
    MemoryUsageRepository,
)
from adapters.memory.chat.repositories import (
    MemoryChannelMemberRepository,
    MemoryChannelRepository,
    MemoryMessageRepository,
    MemoryNotificationRepository,
)
from adapters.memory.community.repositories import (
    MemoryChapterMemberRepository,
    MemoryChapterRepository,
    MemoryTeamMemberRepository,
    MemoryTeamRepository,
)
from adapters.memory.identity.repositories import (
    MemoryAccessTokenRepository,
    MemoryAccountTokenRepository,
    MemoryInvitationRepository,
    MemoryMembershipRepository,
    MemoryOrganizationRepository,
    MemoryTenantDirectory,
    MemoryUserRepository,
)
from adapters.memory.jobs import MemoryProcessedEventRepository
from adapters.memory.reports import MemoryReportRepository
from adapters.memory.store import MemoryStore
from adapters.memory.ticketing.repositories import (
    MemoryEventRepository,
    MemoryOrderRepository,
    MemoryTicketRepository,
    MemoryTicketTypeRepository,
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


class MemoryUnitOfWork:
    """Every capability's repositories on the store. Units of work are serialised with the store's one
    lock; a unit left without commit restores the snapshot taken when it was entered."""

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

    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None, user_id: uuid.UUID | None) -> None:
        self._store = store
        self.organization_id, self.user_id = organization_id, user_id
        self._aggregates: list[Aggregate] = []
        self._events: list[DomainEvent] = []
        self._snapshot: dict[str, Any] | None = None
        self._committed = False

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._snapshot = self._store.snapshot()
        store, org = self._store, self.organization_id
        self.users = MemoryUserRepository(store)
        self.access_tokens = MemoryAccessTokenRepository(store)
        self.organizations = MemoryOrganizationRepository(store, org)
        self.memberships = MemoryMembershipRepository(store, org)
        self.invitations = MemoryInvitationRepository(store, org)
        self.tenants = MemoryTenantDirectory(store)
        self.plans = MemoryPlanRepository(store, org)
        self.subscriptions = MemorySubscriptionRepository(store, org)
        self.billing_customers = MemoryBillingCustomerRepository(store, org)
        self.stripe_events = MemoryStripeEventRepository(store, org)
        self.usage = MemoryUsageRepository(store, org)
        self.chapters = MemoryChapterRepository(store, org)
        self.chapter_members = MemoryChapterMemberRepository(store, org)
        self.teams = MemoryTeamRepository(store, org)
        self.team_members = MemoryTeamMemberRepository(store, org)
        self.events = MemoryEventRepository(store, org)
        self.ticket_types = MemoryTicketTypeRepository(store, org)
        self.orders = MemoryOrderRepository(store, org)
        self.tickets = MemoryTicketRepository(store, org)
        self.channels = MemoryChannelRepository(store, org)
        self.channel_members = MemoryChannelMemberRepository(store, org)
        self.messages = MemoryMessageRepository(store, org)
        self.notifications = MemoryNotificationRepository(store, org)
        self.reports = MemoryReportRepository(store, org)
        self.processed_events = MemoryProcessedEventRepository(store)
        self.account_tokens = MemoryAccountTokenRepository(store)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed and self._snapshot is not None:
                self._store.restore(self._snapshot)
        finally:
            self._store.lock.release()

    def collect(self, *aggregates: Aggregate) -> None:
        self._aggregates.extend(aggregates)

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def write_events(self) -> None:
        # Into the store at once: the snapshot taken at the start restores them if no commit follows.
        events = self._events + [e for a in self._aggregates for e in a.pull_events()]
        self._store.outbox.extend(events)
        self._store.audit_log.extend(e for e in events if e.actor_id and e.organization_id)
        self._events, self._aggregates = [], []

    async def commit(self) -> None:
        await self.write_events()
        self._committed = True


class MemoryUnitOfWorkFactory(
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
    """The factory of every capability's unit-of-work port (the type checker holds it to each of them)."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def __call__(self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self._store, organization_id, user_id)
