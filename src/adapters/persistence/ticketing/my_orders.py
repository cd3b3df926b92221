"""Read side of a buyer's own orders: across organizations through the orders' own_rows policy (buyer_id)."""

from __future__ import annotations

import uuid

from adapters.persistence.connection import RequestConnection
from application.ports.my_orders import MyOrderView
from application.ports.ticketing import Key


class PgMyOrderQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def list_my_orders(self, user_id: uuid.UUID, *, limit: int, after: Key | None) -> list[MyOrderView]:
        conn = await self._connection.get()
        sql = """SELECT id, organization_id, event_id, status, total_cents, currency, created_at, expires_at, paid_at
                 FROM orders WHERE buyer_id = $1 {after} ORDER BY created_at, id LIMIT $2"""
        if after is None:
            rows = await conn.fetch(sql.format(after=""), user_id, limit)
        else:
            rows = await conn.fetch(sql.format(after="AND (created_at, id) > ($3, $4)"), user_id, limit, *after)
        return [MyOrderView(*row) for row in rows]

    async def organization_of_my_order(self, user_id: uuid.UUID, order_id: uuid.UUID) -> uuid.UUID | None:
        conn = await self._connection.get()
        found: uuid.UUID | None = await conn.fetchval(
            "SELECT organization_id FROM orders WHERE buyer_id = $1 AND id = $2", user_id, order_id
        )
        return found
