"""Adapters and application services that do not depend on the backend: clock, hashing, signing, email
templates, event and webhook handlers, and the real-time fan-out (Redis when REDIS_URL is set)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.email import EmailTemplates
from adapters.observability.metrics import PrometheusSocketMetrics
from adapters.realtime.fanout import Fanout, InProcessFanout, redis_fanout
from adapters.realtime.hub import LocalHub
from adapters.realtime.publisher import FanoutRealtimePublisher
from adapters.realtime.watch import TokenWatch
from adapters.realtime.websocket import SocketLimits, SocketMetrics
from adapters.security.clock import SystemClock
from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import HmacAccountTokenCodec, HmacInvitationTokenCodec
from application.accounts import SendAccountEmail
from application.announcements import FanOutAnnouncement
from application.communications import PublicLinks, SendInvitationEmail, SendOrderConfirmation
from application.outbox import EventHandlers
from application.ports.accounts import AccountTokenCodec, CommonPasswords
from application.ports.clock import Clock
from application.ports.email import EmailComposer
from application.ports.payments import PaymentGateway
from application.ports.realtime import NotificationPublisher, RealtimePublisher
from application.ports.security import InvitationTokenCodec, PasswordHasher
from application.reports import GenerateReport
from application.ticket_payments import PAYMENT_EVENT_TYPES, PaymentIntentEventHandler
from application.webhooks import WebhookHandlers, default_webhook_handlers
from entrypoints.settings import Settings


class Services(Provider):
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

    @provide
    def account_token_codec(self, settings: Settings) -> AccountTokenCodec:
        return HmacAccountTokenCodec(settings.secret_key)

    @provide
    def common_passwords(self) -> CommonPasswords:
        return ZxcvbnCommonPasswords()

    @provide
    def composer(self) -> EmailComposer:
        return EmailTemplates()

    @provide
    def links(self, settings: Settings) -> PublicLinks:
        return PublicLinks(settings.public_url)

    @provide
    def webhook_handlers(self, clock: Clock, gateway: PaymentGateway) -> WebhookHandlers:
        # Subscriptions are billing's own handlers; ticket orders are paid through the same endpoint.
        handlers = default_webhook_handlers(clock)
        payment_events = PaymentIntentEventHandler(gateway, clock)
        for event_type in PAYMENT_EVENT_TYPES:
            handlers.register(event_type, payment_events)
        return handlers

    @provide(scope=Scope.REQUEST)
    def event_handlers(
        self,
        invitation_email: SendInvitationEmail,
        order_confirmation: SendOrderConfirmation,
        reports: GenerateReport,
        announcements: FanOutAnnouncement,
        account_email: SendAccountEmail,
    ) -> EventHandlers:
        return EventHandlers([invitation_email, order_confirmation, reports, announcements, account_email])


class Realtime(Provider):
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
