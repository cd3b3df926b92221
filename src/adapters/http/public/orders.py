"""Routes of buyers who are not members: order on the public side, then their own orders (bearer token)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK
from msgspec import Struct

from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from adapters.http.ticketing.schemas import OrderOut, PlaceOrderBody
from application.ticketing import OrderLine, PlaceOrderCommand
from application.ticketing.public_orders import (
    CancelMyOrder,
    GetMyOrder,
    ListMyOrders,
    ListMyOrdersQuery,
    PlacePublicOrder,
)
from domain.permissions import Principal

OrgSlug = Annotated[str, Parameter(max_length=63)]


class MyOrderOut(Struct):
    id: uuid.UUID
    organization_id: uuid.UUID
    event_id: uuid.UUID
    status: str
    total_cents: int
    currency: str
    created_at: datetime
    expires_at: datetime | None
    paid_at: datetime | None


class MyOrderPage(Struct):
    items: list[MyOrderOut]
    next_cursor: str | None


class PublicOrderController(Controller):
    path = "/api/public/orgs/{slug:str}/events/{event_id:uuid}/orders"
    tags = ["public"]

    @post(
        "",
        summary="Order tickets of a public event as any registered user; same body and answer as a member's order",
    )
    async def place(
        self,
        slug: OrgSlug,
        event_id: Id,
        data: JSONBody[PlaceOrderBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[PlacePublicOrder],
    ) -> OrderOut:
        lines = tuple(OrderLine(item.ticket_type_id, item.quantity) for item in data.items)
        result = await use_case.execute(principal, slug, PlaceOrderCommand(event_id=event_id, items=lines))
        return to_struct(result, OrderOut)


class MyOrdersController(Controller):
    path = "/api/me/orders"
    tags = ["events"]

    @get("", summary="My orders in every organization, oldest first")
    async def mine(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListMyOrders],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> MyOrderPage:
        return to_struct(await use_case.execute(principal, ListMyOrdersQuery(limit=limit, cursor=cursor)), MyOrderPage)

    @get("/{order_id:uuid}", summary="One of my orders with its tickets (and its payment while pending)")
    async def read(self, order_id: Id, principal: FromDishka[Principal], use_case: FromDishka[GetMyOrder]) -> OrderOut:
        return to_struct(await use_case.execute(principal, order_id), OrderOut)

    @post("/{order_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel one of my pending (or free) orders")
    async def cancel(
        self, order_id: Id, principal: FromDishka[Principal], use_case: FromDishka[CancelMyOrder]
    ) -> OrderOut:
        return to_struct(await use_case.execute(principal, order_id), OrderOut)
