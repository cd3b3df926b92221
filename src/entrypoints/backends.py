"""The two backends of every driven port, chosen in one place (entrypoints.container):

- ``PostgresBackend``: the write side on SQLAlchemy, the read side on asyncpg, Stripe, SMTP, local files;
- ``MemoryBackend``: the in-memory twins of all of them (use-case and HTTP tests, no network).

Each unit-of-work factory implements every capability's unit-of-work port; ``WithParents`` registers it
under each of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote, urlsplit

import asyncpg
from dishka import AnyOf, Provider, Scope, WithParents, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.email import LogEmailSender, SmtpEmailSender
from adapters.files.local import LocalFileStore
from adapters.memory.access_changes import MemoryAccessChanges
from adapters.memory.admin import MemoryAdminQueries
from adapters.memory.announcements import MemoryAudienceQueries
from adapters.memory.audit import MemoryAuditQueries
from adapters.memory.chat.queries import (
    MemoryChannelAccessPolicy,
    MemoryChannelQueries,
    MemoryMessageQueries,
    MemoryNotificationQueries,
    MemoryTokenValidity,
)
from adapters.memory.community.queries import MemoryCommunityQueries
from adapters.memory.deliveries import MemoryDeliveryRecords
from adapters.memory.email import MemoryEmailSender
from adapters.memory.identity.queries import MemoryAuthenticator, MemoryMemberQueries, MemoryUserQueries
from adapters.memory.jobs import MemoryDeadLetters, MemoryOutbox, MemoryProcessedEvents
from adapters.memory.maintenance import MemoryMaintenanceQueries
from adapters.memory.organization_deletion import MemoryOrganizationPurger
from adapters.memory.payments import MemoryPaymentGateway
from adapters.memory.reports import MemoryFileStore, MemoryReportSource
from adapters.memory.store import MemoryStore
from adapters.memory.ticketing.my_orders import MemoryMyOrderQueries
from adapters.memory.ticketing.public_queries import MemoryPublicQueries
from adapters.memory.ticketing.queries import MemoryTicketingQueries
from adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from adapters.payments.stripe_gateway import StripePaymentGateway
from adapters.persistence.admin import PgAdminQueries
from adapters.persistence.announcements import PgAudienceQueries
from adapters.persistence.audit.queries import PgAuditQueries
from adapters.persistence.chat.queries import (
    PgChannelAccessPolicy,
    PgChannelQueries,
    PgMessageQueries,
    PgNotificationQueries,
    PgTokenValidity,
)
from adapters.persistence.community.queries import PgCommunityQueries
from adapters.persistence.connection import FairGate, RequestConnection
from adapters.persistence.identity.member_pages import PgMemberPages
from adapters.persistence.identity.queries import PgAuthenticator, PgMemberQueries, PgUserQueries
from adapters.persistence.jobs.access_changes import PgAccessChanges
from adapters.persistence.jobs.deliveries import SqlaDeliveryRecords
from adapters.persistence.jobs.repositories import SqlaDeadLetters, SqlaOutbox, SqlaProcessedEvents
from adapters.persistence.maintenance import PgMaintenanceQueries
from adapters.persistence.organization_deletion import PgOrganizationPurger
from adapters.persistence.reports.queries import PgReportSource
from adapters.persistence.ticketing.my_orders import PgMyOrderQueries
from adapters.persistence.ticketing.public_queries import PgPublicQueries
from adapters.persistence.ticketing.queries import PgTicketingQueries
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.member_list import SequentialMemberPages
from application.ports.access_changes import AccessChanges
from application.ports.admin import AdminQueries
from application.ports.announcements import AudienceQueries, DeliveryRecords
from application.ports.audit import AuditQueries
from application.ports.auth import Authenticator
from application.ports.chat import ChannelAccessPolicy, ChannelQueries, MessageQueries
from application.ports.community import CommunityQueries
from application.ports.email import EmailSender
from application.ports.jobs import DeadLetters, Outbox, ProcessedEvents
from application.ports.member_pages import MemberPagesByToken
from application.ports.my_orders import MyOrderQueries
from application.ports.notifications import NotificationQueries
from application.ports.organization_deletion import OrganizationPurger
from application.ports.payments import PaymentGateway
from application.ports.public import PublicQueries
from application.ports.queries import MemberQueries, UserQueries
from application.ports.reports import FileStore, ReportSource
from application.ports.scheduled import MaintenanceQueries
from application.ports.sessions import TokenValidity
from application.ports.ticketing import TicketingQueries
from entrypoints.database import create_engine, create_read_pool
from entrypoints.settings import Settings, SettingsError


def smtp_sender(settings: Settings) -> EmailSender:
    """``SMTP_URL`` = smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps:// (implicit TLS)."""
    if not settings.smtp_url:
        return LogEmailSender(directory=settings.data_dir / "mail")
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError("SMTP_URL must look like smtp://host:port or smtps://host:port")
    implicit_tls = parts.scheme == "smtps"
    return SmtpEmailSender(
        parts.hostname,
        parts.port or (465 if implicit_tls else 25),
        settings.email_from,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=implicit_tls,
    )


class PostgresBackend(Provider):
    scope = Scope.APP

    @provide
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings)
        yield engine
        await engine.dispose()

    @provide
    async def read_pool(self, settings: Settings) -> AsyncIterator[asyncpg.Pool]:
        pool = await create_read_pool(settings)
        yield pool
        await pool.close()

    @provide(provides=WithParents[SqlaUnitOfWorkFactory])
    def units_of_work(self, settings: Settings, engine: AsyncEngine) -> SqlaUnitOfWorkFactory:
        # Without locks only as the concurrency suite's negative control (Settings refuses it outside tests).
        return SqlaUnitOfWorkFactory(engine, lock=not settings.ticketing_unsafe_no_locks)

    @provide
    def read_gate(self, settings: Settings) -> FairGate:
        return FairGate(settings.db_pool_size)

    @provide(scope=Scope.REQUEST)
    async def request_connection(
        self, pool: asyncpg.Pool, gate: FairGate, settings: Settings
    ) -> AsyncIterator[RequestConnection]:
        connection = RequestConnection(pool, gate, single_statements=not settings.db_transaction_pooler)
        yield connection
        await connection.release()

    # The read side: one request connection each.
    authenticator = provide(PgAuthenticator, provides=Authenticator, scope=Scope.REQUEST)
    member_queries = provide(PgMemberQueries, provides=MemberQueries, scope=Scope.REQUEST)
    member_pages = provide(PgMemberPages, provides=MemberPagesByToken, scope=Scope.REQUEST)
    user_queries = provide(PgUserQueries, provides=UserQueries, scope=Scope.REQUEST)
    admin_queries = provide(PgAdminQueries, provides=AdminQueries, scope=Scope.REQUEST)
    audit_queries = provide(PgAuditQueries, provides=AuditQueries, scope=Scope.REQUEST)
    community_queries = provide(PgCommunityQueries, provides=CommunityQueries, scope=Scope.REQUEST)
    ticketing_queries = provide(PgTicketingQueries, provides=TicketingQueries, scope=Scope.REQUEST)
    public_queries = provide(PgPublicQueries, provides=PublicQueries, scope=Scope.REQUEST)
    my_order_queries = provide(PgMyOrderQueries, provides=MyOrderQueries, scope=Scope.REQUEST)
    channel_queries = provide(PgChannelQueries, provides=ChannelQueries, scope=Scope.REQUEST)
    message_queries = provide(PgMessageQueries, provides=MessageQueries, scope=Scope.REQUEST)
    notification_queries = provide(PgNotificationQueries, provides=NotificationQueries, scope=Scope.REQUEST)
    channel_access_policy = provide(PgChannelAccessPolicy, provides=ChannelAccessPolicy, scope=Scope.REQUEST)
    token_validity = provide(PgTokenValidity, provides=TokenValidity, scope=Scope.REQUEST)
    access_changes = provide(PgAccessChanges, provides=AccessChanges, scope=Scope.REQUEST)

    # Background work: own connections from the engine or the pool.
    outbox = provide(SqlaOutbox, provides=Outbox)
    processed_events = provide(SqlaProcessedEvents, provides=ProcessedEvents)
    dead_letters = provide(SqlaDeadLetters, provides=DeadLetters)
    report_source = provide(PgReportSource, provides=ReportSource)
    maintenance_queries = provide(PgMaintenanceQueries, provides=MaintenanceQueries)
    audience_queries = provide(PgAudienceQueries, provides=AudienceQueries)
    organization_purger = provide(PgOrganizationPurger, provides=OrganizationPurger)
    delivery_records = provide(SqlaDeliveryRecords, provides=DeliveryRecords)

    @provide
    def email_sender(self, settings: Settings) -> EmailSender:
        return smtp_sender(settings)

    @provide
    def file_store(self, settings: Settings) -> FileStore:
        return LocalFileStore(settings.data_dir / "files")

    @provide
    async def payment_gateway(self, settings: Settings) -> AsyncIterator[PaymentGateway]:
        gateway = StripePaymentGateway(
            settings.stripe_api_key, settings.stripe_webhook_secret, api_base=settings.stripe_api_base
        )
        yield gateway
        await gateway.close()


class MemoryBackend(Provider):
    scope = Scope.APP

    def __init__(self, store: MemoryStore | None = None) -> None:
        super().__init__()
        self._store = store or MemoryStore()

    @provide
    def store(self) -> MemoryStore:
        return self._store

    units_of_work = provide(MemoryUnitOfWorkFactory, provides=WithParents[MemoryUnitOfWorkFactory])

    authenticator = provide(MemoryAuthenticator, provides=Authenticator, scope=Scope.REQUEST)
    member_queries = provide(MemoryMemberQueries, provides=MemberQueries, scope=Scope.REQUEST)
    member_pages = provide(SequentialMemberPages, provides=MemberPagesByToken, scope=Scope.REQUEST)
    user_queries = provide(MemoryUserQueries, provides=UserQueries, scope=Scope.REQUEST)
    admin_queries = provide(MemoryAdminQueries, provides=AdminQueries, scope=Scope.REQUEST)
    audit_queries = provide(MemoryAuditQueries, provides=AuditQueries, scope=Scope.REQUEST)
    community_queries = provide(MemoryCommunityQueries, provides=CommunityQueries, scope=Scope.REQUEST)
    ticketing_queries = provide(MemoryTicketingQueries, provides=TicketingQueries, scope=Scope.REQUEST)
    public_queries = provide(MemoryPublicQueries, provides=PublicQueries, scope=Scope.REQUEST)
    my_order_queries = provide(MemoryMyOrderQueries, provides=MyOrderQueries, scope=Scope.REQUEST)
    channel_queries = provide(MemoryChannelQueries, provides=ChannelQueries, scope=Scope.REQUEST)
    message_queries = provide(MemoryMessageQueries, provides=MessageQueries, scope=Scope.REQUEST)
    notification_queries = provide(MemoryNotificationQueries, provides=NotificationQueries, scope=Scope.REQUEST)
    channel_access_policy = provide(MemoryChannelAccessPolicy, provides=ChannelAccessPolicy, scope=Scope.REQUEST)
    token_validity = provide(MemoryTokenValidity, provides=TokenValidity, scope=Scope.REQUEST)
    access_changes = provide(MemoryAccessChanges, provides=AccessChanges, scope=Scope.REQUEST)

    outbox = provide(MemoryOutbox, provides=Outbox)
    processed_events = provide(MemoryProcessedEvents, provides=ProcessedEvents)
    dead_letters = provide(MemoryDeadLetters, provides=DeadLetters)
    report_source = provide(MemoryReportSource, provides=ReportSource)
    maintenance_queries = provide(MemoryMaintenanceQueries, provides=MaintenanceQueries)
    audience_queries = provide(MemoryAudienceQueries, provides=AudienceQueries)
    organization_purger = provide(MemoryOrganizationPurger, provides=OrganizationPurger)
    delivery_records = provide(MemoryDeliveryRecords, provides=DeliveryRecords)

    # Tests read what was sent and stored through the concrete twins.
    email_sender = provide(MemoryEmailSender, provides=AnyOf[MemoryEmailSender, EmailSender])
    file_store = provide(MemoryFileStore, provides=AnyOf[MemoryFileStore, FileStore])

    @provide
    def payment_gateway(self, settings: Settings) -> PaymentGateway:
        return MemoryPaymentGateway(settings.stripe_webhook_secret)
