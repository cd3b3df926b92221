"""dishka providers of background work: outbox, idempotency, dead letters, email, the broker, use cases."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import asyncpg
from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from adapters.email import EmailTemplates, LogEmailSender, SmtpEmailSender
from adapters.files.local import LocalFileStore
from adapters.memory.announcements import MemoryAudienceQueries
from adapters.memory.email import MemoryEmailSender
from adapters.memory.jobs import MemoryDeadLetters, MemoryOutbox, MemoryProcessedEvents
from adapters.memory.maintenance import MemoryMaintenanceQueries
from adapters.memory.persistence import MemoryUnitOfWorkFactory
from adapters.memory.reports import MemoryFileStore, MemoryReportSource
from adapters.memory.store import MemoryStore
from adapters.persistence.announcements import AsyncpgAudienceQueries
from adapters.persistence.jobs import SqlDeadLetters, SqlOutbox, SqlProcessedEvents
from adapters.persistence.maintenance import AsyncpgMaintenanceQueries
from adapters.persistence.reports import AsyncpgReportSource
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from adapters.queue.tasks import TaskiqAnnouncementQueue, TaskiqEventPublisher, TaskiqJobQueue
from application.announcements import DeliverAnnouncementBatch, FanOutAnnouncement, PostAnnouncement
from application.communications import PublicLinks, SendInvitationEmail, SendOrderConfirmation
from application.outbox import (
    DispatchEvent,
    EventHandlers,
    ListDeadLetters,
    MeasureOutboxLag,
    RelayOutbox,
    ReplayDeadLetter,
)
from application.ports.announcements import AnnouncementQueue, AnnouncementUnitOfWorkFactory, AudienceQueries
from application.ports.email import EmailComposer, EmailSender
from application.ports.jobs import DeadLetters, EventPublisher, JobQueue, Outbox, ProcessedEvents
from application.ports.reports import FileStore, ReportSource, ReportsUnitOfWorkFactory
from application.ports.scheduled import MaintenanceQueries
from application.reports import DownloadReport, GenerateReport, GetReport, RequestReport
from application.scheduled import PurgeExpiredInvitations, SendEventReminders
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


class JobsUseCaseProvider(Provider):
    """Use cases, handlers and the adapters shared by both storage variants."""

    scope = Scope.REQUEST

    relay_outbox = provide(RelayOutbox)
    measure_outbox_lag = provide(MeasureOutboxLag)
    dispatch_event = provide(DispatchEvent)
    list_dead_letters = provide(ListDeadLetters)
    replay_dead_letter = provide(ReplayDeadLetter)
    send_invitation_email = provide(SendInvitationEmail)
    send_order_confirmation = provide(SendOrderConfirmation)
    request_report = provide(RequestReport)
    get_report = provide(GetReport)
    download_report = provide(DownloadReport)
    generate_report = provide(GenerateReport)
    send_event_reminders = provide(SendEventReminders)
    post_announcement = provide(PostAnnouncement)
    fan_out_announcement = provide(FanOutAnnouncement)
    deliver_announcement_batch = provide(DeliverAnnouncementBatch)
    purge_expired_invitations = provide(PurgeExpiredInvitations)

    @provide
    def event_handlers(
        self,
        invitation_email: SendInvitationEmail,
        order_confirmation: SendOrderConfirmation,
        reports: GenerateReport,
        announcements: FanOutAnnouncement,
    ) -> EventHandlers:
        return EventHandlers([invitation_email, order_confirmation, reports, announcements])

    @provide(scope=Scope.APP)
    def composer(self) -> EmailComposer:
        return EmailTemplates()

    @provide(scope=Scope.APP)
    def links(self, settings: Settings) -> PublicLinks:
        return PublicLinks(settings.public_url)


class BrokerProvider(Provider):
    """The broker the process kicks jobs into. Worker and dev runner pass theirs (wired with the tasks)."""

    def __init__(self, broker: AsyncBroker | None = None) -> None:
        super().__init__()
        self._broker = broker

    @provide(scope=Scope.APP)
    def broker(self, settings: Settings) -> AsyncBroker:
        if self._broker is not None:
            return self._broker
        from entrypoints.jobs import build_broker

        return build_broker(settings)

    @provide(scope=Scope.APP)
    def job_queue(self, broker: AsyncBroker) -> TaskiqJobQueue:
        return TaskiqJobQueue(broker)

    @provide(scope=Scope.APP)
    def job_queue_port(self, queue: TaskiqJobQueue) -> JobQueue:
        return queue

    @provide(scope=Scope.APP)
    def event_publisher(self, queue: TaskiqJobQueue) -> EventPublisher:
        return TaskiqEventPublisher(queue)

    @provide(scope=Scope.APP)
    def announcement_queue(self, queue: TaskiqJobQueue) -> AnnouncementQueue:
        return TaskiqAnnouncementQueue(queue)


class PostgresJobsProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self, engine: AsyncEngine) -> Outbox:
        return SqlOutbox(engine)

    @provide
    def processed_events(self, engine: AsyncEngine) -> ProcessedEvents:
        return SqlProcessedEvents(engine)

    @provide
    def dead_letters(self, engine: AsyncEngine) -> DeadLetters:
        return SqlDeadLetters(engine)

    @provide
    def email_sender(self, settings: Settings) -> EmailSender:
        return smtp_sender(settings)

    @provide
    def reports_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> ReportsUnitOfWorkFactory:
        return factory  # type: ignore[return-value]  # the reports repository is added by name

    @provide
    def report_source(self, pool: asyncpg.Pool) -> ReportSource:
        return AsyncpgReportSource(pool)

    @provide
    def maintenance_queries(self, pool: asyncpg.Pool) -> MaintenanceQueries:
        return AsyncpgMaintenanceQueries(pool)

    @provide
    def audience_queries(self, pool: asyncpg.Pool) -> AudienceQueries:
        return AsyncpgAudienceQueries(pool)

    @provide
    def announcement_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> AnnouncementUnitOfWorkFactory:
        return factory  # type: ignore[return-value]  # notifications and processed_events are added by name

    @provide
    def file_store(self, settings: Settings) -> FileStore:
        return LocalFileStore(settings.data_dir / "files")


class MemoryJobsProvider(Provider):
    scope = Scope.APP

    @provide
    def outbox(self, store: MemoryStore) -> Outbox:
        return MemoryOutbox(store)

    @provide
    def processed_events(self, store: MemoryStore) -> ProcessedEvents:
        return MemoryProcessedEvents(store)

    @provide
    def dead_letters(self, store: MemoryStore) -> DeadLetters:
        return MemoryDeadLetters(store)

    @provide
    def memory_email_sender(self) -> MemoryEmailSender:
        return MemoryEmailSender()

    @provide
    def email_sender(self, sender: MemoryEmailSender) -> EmailSender:
        return sender

    @provide
    def reports_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> ReportsUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide
    def report_source(self, store: MemoryStore) -> ReportSource:
        return MemoryReportSource(store)

    @provide
    def maintenance_queries(self, store: MemoryStore) -> MaintenanceQueries:
        return MemoryMaintenanceQueries(store)

    @provide
    def audience_queries(self, store: MemoryStore) -> AudienceQueries:
        return MemoryAudienceQueries(store)

    @provide
    def announcement_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> AnnouncementUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide
    def memory_file_store(self) -> MemoryFileStore:
        return MemoryFileStore()

    @provide
    def file_store(self, files: MemoryFileStore) -> FileStore:
        return files
