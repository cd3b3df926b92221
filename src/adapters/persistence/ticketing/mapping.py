"""Imperative mapping of chapters, teams, events and ticketing."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from adapters.persistence import ticketing_tables as t
from domain.community import Chapter, ChapterMember, Team, TeamMember
from domain.ticketing import Event, Order, OrderItem, Ticket, TicketType


def map_ticketing(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Chapter, t.chapters)
    mapper_registry.map_imperatively(ChapterMember, t.chapter_members)
    mapper_registry.map_imperatively(Team, t.teams)
    mapper_registry.map_imperatively(TeamMember, t.team_members)
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
