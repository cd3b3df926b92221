"""Imperative mapping of events, ticket types, orders with their items and tickets."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from adapters.persistence.ticketing import tables as t
from domain.ticketing import Event, Order, OrderItem, Ticket, TicketType


def map_ticketing(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Event, t.events)
    mapper_registry.map_imperatively(TicketType, t.ticket_types)
    mapper_registry.map_imperatively(OrderItem, t.order_items)
    mapper_registry.map_imperatively(
        Order,
        t.orders,
        properties={
            # Items belong to the order: loaded with it (one extra SELECT), written and deleted with it.
            "items": relationship(
                OrderItem,
                lazy="selectin",
                cascade="all, delete-orphan",
                order_by=t.order_items.c.ticket_type_id,
            )
        },
    )
    mapper_registry.map_imperatively(Ticket, t.tickets)
