"""Buyers who are not members: ordering on the public side, then their own orders in every organization.

The order itself goes through PlaceOrder (and GetOrder, CancelOrder) with a buyer actor: one path, so
capacity, sales windows, max per order, payments and expiry hold exactly as for members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.my_orders import MyOrderQueries, MyOrderView
from application.ports.public import PublicQueries
from application.ports.queries import Page
from application.public_events import public_organization
from application.ticketing.orders import CancelOrder, GetOrder, OrderResult, PlaceOrder, PlaceOrderCommand
from domain.errors import NotFound
from domain.permissions import Actor, Principal


class PlacePublicOrder:
    def __init__(self, queries: PublicQueries, place: PlaceOrder) -> None:
        self._queries, self._place = queries, place

    async def execute(self, principal: Principal, slug: str, command: PlaceOrderCommand) -> OrderResult:
        org = await public_organization(self._queries, slug)
        # Before any seat hint: a members-only or draft event must look unknown, never "sold out".
        if await self._queries.event(org.id, command.event_id) is None:
            raise NotFound("event not found")
        return await self._place.execute(Actor.buyer(principal.user_id, org.id), command)


@dataclass(frozen=True, kw_only=True)
class ListMyOrdersQuery(PageQuery):
    pass


class ListMyOrders:
    def __init__(self, queries: MyOrderQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal, query: ListMyOrdersQuery) -> Page[MyOrderView]:
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_my_orders(principal.user_id, limit=limit + 1, after=decode_cursor(query.cursor))
        return page_of(rows, limit, lambda r: (r.created_at, r.id))


async def _buyer_of(queries: MyOrderQueries, principal: Principal, order_id: uuid.UUID) -> Actor:
    organization_id = await queries.organization_of_my_order(principal.user_id, order_id)
    if organization_id is None:
        raise NotFound("order not found")
    return Actor.buyer(principal.user_id, organization_id)


class GetMyOrder:
    def __init__(self, queries: MyOrderQueries, get: GetOrder) -> None:
        self._queries, self._get = queries, get

    async def execute(self, principal: Principal, order_id: uuid.UUID) -> OrderResult:
        return await self._get.execute(await _buyer_of(self._queries, principal, order_id), order_id)


class CancelMyOrder:
    def __init__(self, queries: MyOrderQueries, cancel: CancelOrder) -> None:
        self._queries, self._cancel = queries, cancel

    async def execute(self, principal: Principal, order_id: uuid.UUID) -> OrderResult:
        return await self._cancel.execute(await _buyer_of(self._queries, principal, order_id), order_id)
