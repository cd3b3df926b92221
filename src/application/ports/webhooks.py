"""The unit of work a payment webhook runs in: billing's records and the orders a payment settles."""

from __future__ import annotations

import uuid
from typing import Protocol

from application.ports.billing import BillingUnitOfWork
from application.ports.ticketing import TicketingUnitOfWork


class WebhookUnitOfWork(BillingUnitOfWork, TicketingUnitOfWork, Protocol):
    """A subscription event touches billing's mirror; a payment event settles a ticket order."""


class WebhookUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> WebhookUnitOfWork: ...
