"""dishka providers of chapters, teams, events, ticketing and the audit log (Postgres and memory)."""

from __future__ import annotations

from typing import cast

from dishka import Provider, Scope, decorate, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory.audit import MemoryAuditQueries
from adapters.memory.persistence import MemoryUnitOfWorkFactory
from adapters.memory.store import MemoryStore
from adapters.memory.ticketing import MemoryCommunityQueries, MemoryTicketingQueries
from adapters.persistence.audit_queries import AsyncpgAuditQueries
from adapters.persistence.community_queries import AsyncpgCommunityQueries
from adapters.persistence.queries import RequestConnection
from adapters.persistence.ticketing_queries import AsyncpgTicketingQueries
from adapters.persistence.ticketing_repositories import sql_repositories
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.audit import ListAuditLog
from application.community import (
    AddChapterMember,
    AddTeamMember,
    CreateChapter,
    CreateTeam,
    DeleteChapter,
    DeleteTeam,
    GetChapter,
    GetTeam,
    ListChapterMembers,
    ListChapters,
    ListTeamMembers,
    ListTeams,
    RemoveTeamMember,
    RenameTeam,
    UpdateChapter,
)
from application.ports.audit import AuditQueries
from application.ports.clock import Clock
from application.ports.community import CommunityQueries, CommunityUnitOfWorkFactory
from application.ports.payments import PaymentGateway
from application.ports.ticketing import TicketingQueries, TicketingUnitOfWorkFactory
from application.ticket_payments import PAYMENT_EVENT_TYPES, OrderPayments, PaymentIntentEventHandler
from application.ticketing import (
    CancelEvent,
    CancelOrder,
    CheckIn,
    CreateEvent,
    CreateTicketType,
    EndFinishedEvents,
    ExpirePendingOrders,
    GetEvent,
    GetOrder,
    ListAttendees,
    ListEvents,
    ListMyTickets,
    ListTicketTypes,
    PlaceOrder,
    PublishEvent,
    RefundOrder,
    UpdateEvent,
)
from application.webhooks import WebhookHandlers
from entrypoints.providers import SQL_REPOSITORIES
from entrypoints.settings import Settings


class TicketingUseCaseProvider(Provider):
    scope = Scope.REQUEST

    create_event = provide(CreateEvent)
    get_event = provide(GetEvent)
    update_event = provide(UpdateEvent)
    publish_event = provide(PublishEvent)
    cancel_event = provide(CancelEvent)
    list_events = provide(ListEvents)
    create_ticket_type = provide(CreateTicketType)
    list_ticket_types = provide(ListTicketTypes)
    order_payments = provide(OrderPayments)
    place_order = provide(PlaceOrder)
    get_order = provide(GetOrder)
    cancel_order = provide(CancelOrder)
    refund_order = provide(RefundOrder)
    expire_pending_orders = provide(ExpirePendingOrders)
    end_finished_events = provide(EndFinishedEvents)
    list_attendees = provide(ListAttendees)
    check_in = provide(CheckIn)
    list_my_tickets = provide(ListMyTickets)
    create_chapter = provide(CreateChapter)
    get_chapter = provide(GetChapter)
    update_chapter = provide(UpdateChapter)
    delete_chapter = provide(DeleteChapter)
    list_chapters = provide(ListChapters)
    add_chapter_member = provide(AddChapterMember)
    list_chapter_members = provide(ListChapterMembers)
    create_team = provide(CreateTeam)
    get_team = provide(GetTeam)
    rename_team = provide(RenameTeam)
    delete_team = provide(DeleteTeam)
    list_teams = provide(ListTeams)
    add_team_member = provide(AddTeamMember)
    remove_team_member = provide(RemoveTeamMember)
    list_team_members = provide(ListTeamMembers)
    list_audit_log = provide(ListAuditLog)


class TicketPaymentsProvider(Provider):
    """Stripe's payment events of ticket orders, on the billing webhook endpoint (see docs/billing.md)."""

    scope = Scope.APP

    @decorate
    def add_order_webhooks(self, handlers: WebhookHandlers, gateway: PaymentGateway, clock: Clock) -> WebhookHandlers:
        payment_events = PaymentIntentEventHandler(gateway, clock)
        for event_type in PAYMENT_EVENT_TYPES:
            handlers.register(event_type, payment_events)
        return handlers


class TicketingPostgresProvider(Provider):
    @provide(scope=Scope.APP)
    def ticketing_unit_of_work(
        self, settings: Settings, engine: AsyncEngine, factory: SqlaUnitOfWorkFactory
    ) -> TicketingUnitOfWorkFactory:
        if settings.ticketing_unsafe_no_locks:
            # The concurrency suite's negative control (Settings refuses it outside APP_ENV=test).
            factory = SqlaUnitOfWorkFactory(
                engine, extra_repositories={**SQL_REPOSITORIES, **sql_repositories(lock=False)}
            )
        return cast(TicketingUnitOfWorkFactory, factory)

    @provide(scope=Scope.APP)
    def community_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> CommunityUnitOfWorkFactory:
        return cast(CommunityUnitOfWorkFactory, factory)

    @provide(scope=Scope.REQUEST)
    def ticketing_queries(self, connection: RequestConnection) -> TicketingQueries:
        return AsyncpgTicketingQueries(connection)

    @provide(scope=Scope.REQUEST)
    def community_queries(self, connection: RequestConnection) -> CommunityQueries:
        return AsyncpgCommunityQueries(connection)

    @provide(scope=Scope.REQUEST)
    def audit_queries(self, connection: RequestConnection) -> AuditQueries:
        return AsyncpgAuditQueries(connection)


class TicketingMemoryProvider(Provider):
    @provide(scope=Scope.APP)
    def ticketing_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> TicketingUnitOfWorkFactory:
        return cast(TicketingUnitOfWorkFactory, factory)

    @provide(scope=Scope.APP)
    def community_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> CommunityUnitOfWorkFactory:
        return cast(CommunityUnitOfWorkFactory, factory)

    @provide(scope=Scope.REQUEST)
    def ticketing_queries(self, store: MemoryStore) -> TicketingQueries:
        return MemoryTicketingQueries(store)

    @provide(scope=Scope.REQUEST)
    def community_queries(self, store: MemoryStore) -> CommunityQueries:
        return MemoryCommunityQueries(store)

    @provide(scope=Scope.REQUEST)
    def audit_queries(self, store: MemoryStore) -> AuditQueries:
        return MemoryAuditQueries(store)


def ticketing_providers(*, memory: bool) -> list[Provider]:
    storage = TicketingMemoryProvider() if memory else TicketingPostgresProvider()
    return [TicketingUseCaseProvider(), TicketPaymentsProvider(), storage]
