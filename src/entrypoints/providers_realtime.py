"""dishka providers of chat, notifications and real time: repositories, queries, the access policy,
the fan-out (Redis when REDIS_URL is set, in process otherwise) and the use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.memory.chat import (
    MemoryChannelAccessPolicy,
    MemoryChannelMemberRepository,
    MemoryChannelQueries,
    MemoryChannelRepository,
    MemoryMessageQueries,
    MemoryMessageRepository,
    MemoryNotificationQueries,
    MemoryNotificationRepository,
    MemoryTokenValidity,
)
from adapters.memory.persistence import MemoryUnitOfWorkFactory
from adapters.memory.store import MemoryStore
from adapters.observability.metrics import PrometheusSocketMetrics
from adapters.persistence.chat_queries import (
    AsyncpgChannelAccessPolicy,
    AsyncpgChannelQueries,
    AsyncpgMessageQueries,
    AsyncpgNotificationQueries,
    AsyncpgTokenValidity,
)
from adapters.persistence.chat_repositories import (
    SqlaChannelMemberRepository,
    SqlaChannelRepository,
    SqlaMessageRepository,
    SqlaNotificationRepository,
)
from adapters.persistence.queries import RequestConnection
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from adapters.realtime.fanout import Fanout, InProcessFanout, redis_fanout
from adapters.realtime.hub import LocalHub
from adapters.realtime.log_redaction import redact_socket_tokens
from adapters.realtime.publisher import FanoutRealtimePublisher
from adapters.realtime.watch import TokenWatch
from adapters.realtime.websocket import SocketLimits, SocketMetrics
from application.chat import (
    AddChannelMember,
    ChannelGate,
    CheckChannelAccess,
    CreateChannel,
    FindInvalidTokens,
    GetChannel,
    ListChannels,
    ListMessages,
    PostMessage,
    SubscribeToChannel,
)
from application.notifications import (
    DeliverNotifications,
    ListMyNotifications,
    MarkNotificationRead,
    ResumeNotifications,
)
from application.ports.chat import ChannelAccessPolicy, ChannelQueries, ChatUnitOfWorkFactory, MessageQueries
from application.ports.clock import Clock
from application.ports.notifications import NotificationQueries, NotificationsUnitOfWorkFactory
from application.ports.realtime import NotificationPublisher, RealtimePublisher
from application.ports.sessions import TokenValidity
from entrypoints.providers import MEMORY_REPOSITORIES, SQL_REPOSITORIES
from entrypoints.settings import Settings

# The unit of work gains these repositories (attribute name -> factory), on both storages.
SQL_REPOSITORIES.update(
    channels=SqlaChannelRepository,
    channel_members=SqlaChannelMemberRepository,
    messages=SqlaMessageRepository,
    notifications=SqlaNotificationRepository,
)
MEMORY_REPOSITORIES.update(
    channels=MemoryChannelRepository,
    channel_members=MemoryChannelMemberRepository,
    messages=MemoryMessageRepository,
    notifications=MemoryNotificationRepository,
)


class RealtimeProvider(Provider):
    scope = Scope.APP

    @provide
    def hub(self, metrics: SocketMetrics) -> LocalHub:
        return LocalHub(counter=metrics)

    @provide
    async def fanout(self, settings: Settings, hub: LocalHub) -> AsyncIterator[Fanout]:
        fanout: Fanout = (
            redis_fanout(settings.redis_url, hub, cluster=settings.redis_cluster)
            if settings.redis_url
            else InProcessFanout(hub)
        )
        await fanout.start()
        yield fanout
        await fanout.close()

    @provide
    def publisher(self, fanout: Fanout) -> RealtimePublisher:
        return FanoutRealtimePublisher(fanout)

    @provide
    def notification_publisher(self, publisher: RealtimePublisher) -> NotificationPublisher:
        return publisher

    @provide
    async def token_watch(self, settings: Settings) -> AsyncIterator[TokenWatch]:
        watch = TokenWatch(settings.ws_access_recheck_seconds)
        yield watch
        await watch.close()

    @provide
    def socket_metrics(self) -> SocketMetrics:
        return PrometheusSocketMetrics()

    @provide
    def socket_limits(self, settings: Settings) -> SocketLimits:
        return SocketLimits(
            rate_per_second=settings.ws_rate_per_second,
            queue_size=settings.ws_queue_size,
            idle_timeout_seconds=settings.ws_idle_timeout_seconds,
            channel_recheck_seconds=settings.ws_channel_recheck_seconds,
        )


class ChatUseCaseProvider(Provider):
    scope = Scope.REQUEST

    create_channel = provide(CreateChannel)
    list_channels = provide(ListChannels)
    get_channel = provide(GetChannel)
    add_channel_member = provide(AddChannelMember)
    post_message = provide(PostMessage)
    list_messages = provide(ListMessages)
    channel_gate = provide(ChannelGate)
    find_invalid_tokens = provide(FindInvalidTokens)
    subscribe_to_channel = provide(SubscribeToChannel)
    check_channel_access = provide(CheckChannelAccess)
    deliver_notifications = provide(DeliverNotifications)
    list_my_notifications = provide(ListMyNotifications)
    mark_notification_read = provide(MarkNotificationRead)
    resume_notifications = provide(ResumeNotifications)


class ChatPostgresProvider(Provider):
    @provide(scope=Scope.APP)
    def chat_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> ChatUnitOfWorkFactory:
        return factory  # type: ignore[return-value]  # its units carry the repositories registered above

    @provide(scope=Scope.APP)
    def notifications_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> NotificationsUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide(scope=Scope.REQUEST)
    def channel_queries(self, connection: RequestConnection) -> ChannelQueries:
        return AsyncpgChannelQueries(connection)

    @provide(scope=Scope.REQUEST)
    def message_queries(self, connection: RequestConnection) -> MessageQueries:
        return AsyncpgMessageQueries(connection)

    @provide(scope=Scope.REQUEST)
    def notification_queries(self, connection: RequestConnection) -> NotificationQueries:
        return AsyncpgNotificationQueries(connection)

    @provide(scope=Scope.REQUEST)
    def channel_access_policy(self, connection: RequestConnection) -> ChannelAccessPolicy:
        return AsyncpgChannelAccessPolicy(connection)

    @provide(scope=Scope.REQUEST)
    def token_validity(self, connection: RequestConnection) -> TokenValidity:
        return AsyncpgTokenValidity(connection)


class ChatMemoryProvider(Provider):
    @provide(scope=Scope.APP)
    def chat_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> ChatUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide(scope=Scope.APP)
    def notifications_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> NotificationsUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide(scope=Scope.REQUEST)
    def channel_queries(self, store: MemoryStore) -> ChannelQueries:
        return MemoryChannelQueries(store)

    @provide(scope=Scope.REQUEST)
    def message_queries(self, store: MemoryStore) -> MessageQueries:
        return MemoryMessageQueries(store)

    @provide(scope=Scope.REQUEST)
    def notification_queries(self, store: MemoryStore) -> NotificationQueries:
        return MemoryNotificationQueries(store)

    @provide(scope=Scope.REQUEST)
    def channel_access_policy(self, store: MemoryStore) -> ChannelAccessPolicy:
        return MemoryChannelAccessPolicy(store)

    @provide(scope=Scope.REQUEST)
    def token_validity(self, store: MemoryStore, clock: Clock) -> TokenValidity:
        return MemoryTokenValidity(store, clock)


def realtime_providers(*, memory: bool) -> list[Provider]:
    redact_socket_tokens()  # the socket's token travels in its URL, which uvicorn logs
    storage = ChatMemoryProvider() if memory else ChatPostgresProvider()
    return [RealtimeProvider(), ChatUseCaseProvider(), storage]
