"""In-memory twin of a buyer's own orders."""

from __future__ import annotations

import uuid

from adapters.memory.repository import rows_after
from adapters.memory.store import MemoryStore
from application.ports.my_orders import MyOrderView
from application.ports.ticketing import Key


class MemoryMyOrderQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_my_orders(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyOrderView]:
        mine = [o for o in self._store.table("orders").values() if o.buyer_id == user_id]
        return [
            MyOrderView(
                id=o.id,
                organization_id=o.organization_id,
                event_id=o.event_id,
                status=o.status.value,
                total_cents=o.total_cents,
                currency=o.currency,
                created_at=o.created_at,
                expires_at=o.expires_at,
                paid_at=o.paid_at,
            )
            for o in rows_after(mine, lambda o: (o.created_at, o.id), after)[:limit]
        ]

    async def organization_of_my_order(self, user_id: uuid.UUID, order_id: uuid.UUID) -> uuid.UUID | None:
        order = self._store.table("orders").get(order_id)
        if order is None or order.buyer_id != user_id:
            return None
        return order.organization_id  # type: ignore[no-any-return]
