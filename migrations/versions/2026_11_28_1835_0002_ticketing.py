"""ticketing: chapters, teams and their members, events, ticket types, orders, tickets; RLS

Revision ID: 0002
Revises: 0004
Create Date: 2026-11-28 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import enable_tenant_rls

revision: str = "0002"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CURRENT_USER = "nullif(current_setting('app.user_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "chapters",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_chapters_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_chapters")),
        sa.UniqueConstraint("organization_id", "slug", name=op.f("uq_chapters_organization_id_slug")),
    )
    op.create_index(
        "ix_chapters_organization_id_created_at_id", "chapters", ["organization_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "chapter_members",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("chapter_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "chapter_id"],
            ["chapters.organization_id", "chapters.id"],
            name=op.f("fk_chapter_members_organization_id_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["memberships.organization_id", "memberships.user_id"],
            name=op.f("fk_chapter_members_organization_id_user_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "chapter_id", "user_id", name=op.f("pk_chapter_members")),
    )
    op.create_index(
        "ix_chapter_members_organization_id_chapter_id_joined_at_user_id",
        "chapter_members",
        ["organization_id", "chapter_id", "joined_at", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_chapter_members_organization_id_user_id", "chapter_members", ["organization_id", "user_id"], unique=False
    )
    op.create_table(
        "events",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=True),
        sa.Column("online_url", sa.String(length=2000), nullable=True),
        sa.Column("chapter_id", sa.Uuid(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_events_ends_after_start")),
        sa.CheckConstraint(
            "reserved >= 0 AND (capacity IS NULL OR reserved <= capacity)",
            name=op.f("ck_events_reserved_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "chapter_id"],
            ["chapters.organization_id", "chapters.id"],
            name=op.f("fk_events_organization_id_chapter_id_chapters"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_events")),
    )
    op.create_index(
        "ix_events_organization_id_chapter_id_starts_at",
        "events",
        ["organization_id", "chapter_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_events_organization_id_starts_at_id", "events", ["organization_id", "starts_at", "id"], unique=False
    )
    op.create_table(
        "teams",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("chapter_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "chapter_id"],
            ["chapters.organization_id", "chapters.id"],
            name=op.f("fk_teams_organization_id_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_teams_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_teams")),
    )
    op.create_index("ix_teams_organization_id_chapter_id", "teams", ["organization_id", "chapter_id"], unique=False)
    op.create_index(
        "ix_teams_organization_id_created_at_id", "teams", ["organization_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "orders",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_orders_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["organization_id", "event_id"],
            ["events.organization_id", "events.id"],
            name=op.f("fk_orders_organization_id_event_id_events"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_orders_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_orders")),
    )
    op.create_index("ix_orders_organization_id_buyer_id", "orders", ["organization_id", "buyer_id"], unique=False)
    op.create_index(
        "ix_orders_organization_id_event_id_status", "orders", ["organization_id", "event_id", "status"], unique=False
    )
    op.create_index(
        "ix_orders_organization_id_expires_at",
        "orders",
        ["organization_id", "expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "team_members",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id", "team_id"],
            ["teams.organization_id", "teams.id"],
            name=op.f("fk_team_members_organization_id_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["memberships.organization_id", "memberships.user_id"],
            name=op.f("fk_team_members_organization_id_user_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(
        "ix_team_members_organization_id_team_id_joined_at_user_id",
        "team_members",
        ["organization_id", "team_id", "joined_at", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_team_members_organization_id_user_id", "team_members", ["organization_id", "user_id"], unique=False
    )
    op.create_table(
        "ticket_types",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("sales_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sales_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_per_order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_ticket_types_price_not_negative")),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= quantity", name=op.f("ck_ticket_types_reserved_within_quantity")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "event_id"],
            ["events.organization_id", "events.id"],
            name=op.f("fk_ticket_types_organization_id_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_ticket_types_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_ticket_types")),
    )
    op.create_index(
        "ix_ticket_types_organization_id_event_id_id",
        "ticket_types",
        ["organization_id", "event_id", "id"],
        unique=False,
    )
    op.create_table(
        "order_items",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_type_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id", "order_id"],
            ["orders.organization_id", "orders.id"],
            name=op.f("fk_order_items_organization_id_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "ticket_type_id"],
            ["ticket_types.organization_id", "ticket_types.id"],
            name=op.f("fk_order_items_organization_id_ticket_type_id_ticket_types"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "order_id", "ticket_type_id", name=op.f("pk_order_items")),
    )
    op.create_index(
        "ix_order_items_organization_id_ticket_type_id",
        "order_items",
        ["organization_id", "ticket_type_id"],
        unique=False,
    )
    op.create_table(
        "tickets",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_type_id", sa.Uuid(), nullable=False),
        sa.Column("holder_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Uuid(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"], name=op.f("fk_tickets_holder_id_users")),
        sa.ForeignKeyConstraint(
            ["organization_id", "event_id"],
            ["events.organization_id", "events.id"],
            name=op.f("fk_tickets_organization_id_event_id_events"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "order_id"],
            ["orders.organization_id", "orders.id"],
            name=op.f("fk_tickets_organization_id_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "ticket_type_id"],
            ["ticket_types.organization_id", "ticket_types.id"],
            name=op.f("fk_tickets_organization_id_ticket_type_id_ticket_types"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tickets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("organization_id", "code", name=op.f("uq_tickets_organization_id_code")),
    )
    op.create_index("ix_tickets_holder_id_issued_at_id", "tickets", ["holder_id", "issued_at", "id"], unique=False)
    op.create_index(
        "ix_tickets_organization_id_event_id_issued_at_id",
        "tickets",
        ["organization_id", "event_id", "issued_at", "id"],
        unique=False,
    )
    op.create_index("ix_tickets_organization_id_order_id", "tickets", ["organization_id", "order_id"], unique=False)
    op.create_index(
        "ix_tickets_organization_id_ticket_type_id", "tickets", ["organization_id", "ticket_type_id"], unique=False
    )

    for table in ("chapters", "chapter_members", "teams", "team_members", "ticket_types", "orders", "order_items"):
        enable_tenant_rls(table)
    # "My tickets" crosses organizations: a holder reads their own tickets, and the events they hold
    # tickets for, wherever they are (reads only; writes still need the tenant).
    enable_tenant_rls("tickets", extra_using=f"holder_id = {CURRENT_USER}")
    enable_tenant_rls(
        "events", extra_using=f"id IN (SELECT t.event_id FROM tickets t WHERE t.holder_id = {CURRENT_USER})"
    )


def downgrade() -> None:
    # This policy reads tickets: it goes first, or tickets cannot be dropped.
    op.execute("DROP POLICY IF EXISTS own_rows ON events")
    op.drop_index("ix_tickets_organization_id_ticket_type_id", table_name="tickets")
    op.drop_index("ix_tickets_organization_id_order_id", table_name="tickets")
    op.drop_index("ix_tickets_organization_id_event_id_issued_at_id", table_name="tickets")
    op.drop_index("ix_tickets_holder_id_issued_at_id", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_order_items_organization_id_ticket_type_id", table_name="order_items")
    op.drop_table("order_items")
    op.drop_index("ix_ticket_types_organization_id_event_id_id", table_name="ticket_types")
    op.drop_table("ticket_types")
    op.drop_index("ix_team_members_organization_id_user_id", table_name="team_members")
    op.drop_index("ix_team_members_organization_id_team_id_joined_at_user_id", table_name="team_members")
    op.drop_table("team_members")
    op.drop_index(
        "ix_orders_organization_id_expires_at", table_name="orders", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_index("ix_orders_organization_id_event_id_status", table_name="orders")
    op.drop_index("ix_orders_organization_id_buyer_id", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_teams_organization_id_created_at_id", table_name="teams")
    op.drop_index("ix_teams_organization_id_chapter_id", table_name="teams")
    op.drop_table("teams")
    op.drop_index("ix_events_organization_id_starts_at_id", table_name="events")
    op.drop_index("ix_events_organization_id_chapter_id_starts_at", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_chapter_members_organization_id_user_id", table_name="chapter_members")
    op.drop_index("ix_chapter_members_organization_id_chapter_id_joined_at_user_id", table_name="chapter_members")
    op.drop_table("chapter_members")
    op.drop_index("ix_chapters_organization_id_created_at_id", table_name="chapters")
    op.drop_table("chapters")
