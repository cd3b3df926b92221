"""Tables of events and ticketing: events, ticket types, orders with their items, tickets."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.schema import TENANT, StrEnumType, metadata, organization_column, tenant_fk, tstz
from domain.ticketing import EventStatus, EventVisibility, OrderStatus

events = sa.Table(
    "events",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("status", StrEnumType(EventStatus), nullable=False),
    tstz("starts_at"),
    tstz("ends_at"),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("venue", sa.String(300), nullable=True),
    sa.Column("online_url", sa.String(2000), nullable=True),
    sa.Column("chapter_id", sa.Uuid, nullable=True),
    sa.Column("capacity", sa.Integer, nullable=True),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=False),
    tstz("created_at"),
    # Existing events stay members-only: the public side shows only what an organizer opened.
    sa.Column("visibility", StrEnumType(EventVisibility), nullable=False, server_default="members"),
    # A chapter with events is not deleted: the events carry orders and money.
    tenant_fk(["chapter_id"], "chapters", ["id"], ondelete="RESTRICT"),
    # Backstops for the row-locked counters: never negative, never above the capacity.
    sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    sa.CheckConstraint("reserved >= 0 AND (capacity IS NULL OR reserved <= capacity)", name="reserved_within_capacity"),
    sa.Index("ix_events_organization_id_starts_at_id", "organization_id", "starts_at", "id"),
    sa.Index("ix_events_organization_id_chapter_id_starts_at", "organization_id", "chapter_id", "starts_at"),
    info=TENANT,
)

ticket_types = sa.Table(
    "ticket_types",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False),
    tstz("sales_start", nullable=True),
    tstz("sales_end", nullable=True),
    sa.Column("max_per_order", sa.Integer, nullable=False),
    tstz("created_at"),
    tenant_fk(["event_id"], "events", ["id"], ondelete="CASCADE"),
    sa.CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_within_quantity"),
    sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
    sa.Index("ix_ticket_types_organization_id_event_id_id", "organization_id", "event_id", "id"),
    info=TENANT,
)

orders = sa.Table(
    "orders",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("buyer_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total_cents", sa.Integer, nullable=False),
    sa.Column("status", StrEnumType(OrderStatus), nullable=False),
    tstz("created_at"),
    tstz("expires_at", nullable=True),
    tstz("paid_at", nullable=True),
    tstz("closed_at", nullable=True),
    # The Stripe PaymentIntent of a paid order; webhooks must name this one to pay the order.
    sa.Column("payment_intent_id", sa.String(255), nullable=True),
    tenant_fk(["event_id"], "events", ["id"]),
    sa.Index("ix_orders_organization_id_event_id_status", "organization_id", "event_id", "status"),
    sa.Index(
        "ix_orders_organization_id_expires_at",
        "organization_id",
        "expires_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_orders_organization_id_buyer_id", "organization_id", "buyer_id"),
    # "My orders" crosses tenants by design, like "my tickets"; the own_rows policy shows buyers their orders.
    sa.Index("ix_orders_buyer_id_created_at_id", "buyer_id", "created_at", "id", info={"cross_tenant": True}),
    info=TENANT,
)

order_items = sa.Table(
    "order_items",
    metadata,
    sa.Column("organization_id", sa.Uuid, primary_key=True),
    sa.Column("order_id", sa.Uuid, primary_key=True),
    sa.Column("ticket_type_id", sa.Uuid, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price_cents", sa.Integer, nullable=False),
    tenant_fk(["order_id"], "orders", ["id"], ondelete="CASCADE"),
    tenant_fk(["ticket_type_id"], "ticket_types", ["id"]),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.Index("ix_order_items_organization_id_ticket_type_id", "organization_id", "ticket_type_id"),
    info=TENANT,
)

tickets = sa.Table(
    "tickets",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("order_id", sa.Uuid, nullable=False),
    sa.Column("ticket_type_id", sa.Uuid, nullable=False),
    sa.Column("holder_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    tstz("issued_at"),
    tstz("checked_in_at", nullable=True),
    sa.Column("checked_in_by", sa.Uuid, nullable=True),
    tstz("voided_at", nullable=True),
    tenant_fk(["event_id"], "events", ["id"]),
    tenant_fk(["order_id"], "orders", ["id"], ondelete="CASCADE"),
    tenant_fk(["ticket_type_id"], "ticket_types", ["id"]),
    sa.UniqueConstraint("organization_id", "code"),
    sa.Index("ix_tickets_organization_id_event_id_issued_at_id", "organization_id", "event_id", "issued_at", "id"),
    sa.Index("ix_tickets_organization_id_order_id", "organization_id", "order_id"),
    sa.Index("ix_tickets_organization_id_ticket_type_id", "organization_id", "ticket_type_id"),
    # "My tickets" crosses tenants by design; the own_rows policy shows holders their tickets.
    sa.Index("ix_tickets_holder_id_issued_at_id", "holder_id", "issued_at", "id", info={"cross_tenant": True}),
    info=TENANT,
)
