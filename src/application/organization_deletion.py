"""An organization's end: an owner schedules the deletion, the organization answers 403 for a grace period
(restore still works), then a scheduled job deletes every row of it and cancels its Stripe subscription."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports.billing import BillingUnitOfWorkFactory
from application.ports.clock import Clock
from application.ports.organization_deletion import OrganizationPurger
from application.ports.payments import PaymentGateway
from application.ports.persistence import UnitOfWorkFactory
from domain.errors import NotFound
from domain.permissions import Actor

logger = logging.getLogger(__name__)

GRACE_PERIOD = timedelta(days=30)
PURGE_BATCH = 500


@dataclass(frozen=True)
class DeletionState:
    id: str
    deleting: bool
    deleting_at: datetime | None
    purge_after: datetime | None


def _state(organization_id: object, deleting_at: datetime | None) -> DeletionState:
    purge_after = deleting_at + GRACE_PERIOD if deleting_at is not None else None
    return DeletionState(str(organization_id), deleting_at is not None, deleting_at, purge_after)


class DeleteOrganization:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, actor: Actor) -> DeletionState:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            organization = await uow.organizations.get(actor.organization_id)
            if organization is None:
                raise NotFound("organization not found")
            organization.schedule_deletion(actor, self._clock.now())
            uow.collect(organization)
            await uow.commit()
        return _state(organization.id, organization.deleting_at)


class RestoreOrganization:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor) -> DeletionState:
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            organization = await uow.organizations.get(actor.organization_id)
            if organization is None:
                raise NotFound("organization not found")
            organization.restore(actor)
            uow.collect(organization)
            await uow.commit()
        return _state(organization.id, organization.deleting_at)


class PurgeDeletedOrganizations:
    """Idempotent: a purge cut short resumes at the next tick, since the rows left are still the organization's."""

    def __init__(
        self, purger: OrganizationPurger, billing: BillingUnitOfWorkFactory, gateway: PaymentGateway, clock: Clock
    ) -> None:
        self._purger, self._billing, self._gateway, self._clock = purger, billing, gateway, clock

    async def execute(self, batch_size: int = PURGE_BATCH) -> int:
        purged = 0
        for organization_id in await self._purger.due(self._clock.now() - GRACE_PERIOD):
            async with self._billing(organization_id) as uow:
                subscription = await uow.subscriptions.get()
            if subscription is not None and subscription.stripe_subscription_id and subscription.status != "canceled":
                await self._gateway.cancel_subscription(subscription.stripe_subscription_id)
            while await self._purger.purge_batch(organization_id, batch_size):
                pass
            await self._purger.forget(organization_id)
            logger.info("organization %s purged after its grace period", organization_id)
            purged += 1
        return purged
