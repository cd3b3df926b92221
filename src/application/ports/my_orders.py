"""The buyer's own orders across organizations: a read port keyed on the user, never on a membership."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.ticketing import Key


@dataclass(frozen=True)
class MyOrderView:
    id: uuid.UUID
    organization_id: uuid.UUID
    event_id: uuid.UUID
    status: str
    total_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None


class MyOrderQueries(Protocol):
    async def list_my_orders(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyOrderView]:
        """The user's orders in every organization, ordered by (created_at, id), strictly after the key."""
        ...

    async def organization_of_my_order(self, user_id: uuid.UUID, order_id: uuid.UUID) -> uuid.UUID | None:
        """The organization of that order if the user bought it; None for anyone else's or an unknown id."""
        ...
