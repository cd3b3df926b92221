"""dishka providers of billing and of the platform admin: unit of work, payment gateway, queries, use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.memory.admin import MemoryAdminQueries
from adapters.memory.payments import MemoryPaymentGateway
from adapters.memory.persistence import MemoryUnitOfWorkFactory
from adapters.memory.store import MemoryStore
from adapters.payments.stripe_gateway import StripePaymentGateway
from adapters.persistence.admin_queries import PgAdminQueries
from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.billing import ChangeSubscription, Entitlements, GetSubscription, ListPlans
from application.platform_admin import (
    ListOrganizationsForAdmin,
    ReactivateOrganization,
    SetPlatformAdmin,
    SuspendOrganization,
)
from application.ports.admin import AdminQueries
from application.ports.billing import BillingUnitOfWorkFactory, UsageUnitOfWorkFactory
from application.ports.clock import Clock
from application.ports.payments import PaymentGateway
from application.webhooks import ProcessStripeWebhook, WebhookHandlers, default_webhook_handlers
from entrypoints.settings import Settings


class BillingUseCaseProvider(Provider):
    scope = Scope.REQUEST

    entitlements = provide(Entitlements)
    list_plans = provide(ListPlans)
    get_subscription = provide(GetSubscription)
    change_subscription = provide(ChangeSubscription)
    process_stripe_webhook = provide(ProcessStripeWebhook)
    set_platform_admin = provide(SetPlatformAdmin)
    list_organizations_for_admin = provide(ListOrganizationsForAdmin)
    suspend_organization = provide(SuspendOrganization)
    reactivate_organization = provide(ReactivateOrganization)

    @provide(scope=Scope.APP)
    def webhook_handlers(self, clock: Clock) -> WebhookHandlers:
        # Other capabilities add theirs with `@decorate` on WebhookHandlers (see application.webhooks).
        return default_webhook_handlers(clock)


class PostgresBillingProvider(Provider):
    """The billing unit of work is the core SQL one (its repositories are registered by name)."""

    @provide(scope=Scope.APP)
    def billing_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> BillingUnitOfWorkFactory:
        return factory  # type: ignore[return-value]  # the billing repositories are added by name

    @provide(scope=Scope.APP)
    def usage_unit_of_work(self, factory: SqlaUnitOfWorkFactory) -> UsageUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    admin_queries = provide(PgAdminQueries, scope=Scope.REQUEST, provides=AdminQueries)

    @provide(scope=Scope.APP)
    async def payment_gateway(self, settings: Settings) -> AsyncIterator[PaymentGateway]:
        gateway = StripePaymentGateway(
            settings.stripe_api_key, settings.stripe_webhook_secret, api_base=settings.stripe_api_base
        )
        yield gateway
        await gateway.close()


class MemoryBillingProvider(Provider):
    """Billing on the in-memory twins, the gateway included (no network)."""

    @provide(scope=Scope.APP)
    def billing_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> BillingUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide(scope=Scope.APP)
    def usage_unit_of_work(self, factory: MemoryUnitOfWorkFactory) -> UsageUnitOfWorkFactory:
        return factory  # type: ignore[return-value]

    @provide(scope=Scope.APP)
    def payment_gateway(self, settings: Settings) -> PaymentGateway:
        return MemoryPaymentGateway(settings.stripe_webhook_secret)

    @provide(scope=Scope.REQUEST)
    def admin_queries(self, store: MemoryStore) -> AdminQueries:
        return MemoryAdminQueries(store)
