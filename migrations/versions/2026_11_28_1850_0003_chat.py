"""chat: channels, explicit channel members, messages, notifications; RLS

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import disable_tenant_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql as pg

revision: str = "0003"
down_revision: str | None = "0002"  # after billing (0004) and ticketing (0002), which reached main first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
APP_USER = "nullif(current_setting('app.user_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("target_id", sa.Uuid, nullable=True),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_message_id", sa.Uuid, nullable=True),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_channels"),
        sa.UniqueConstraint("organization_id", "name", name="uq_channels_organization_id_name"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_channels_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_channels_created_by_users", ondelete="SET NULL"),
    )
    op.create_index("ix_channels_organization_id_created_at_id", "channels", ["organization_id", "created_at", "id"])
    op.create_table(
        "channel_members",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("channel_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("added_by", sa.Uuid, nullable=True),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "channel_id", "user_id", name="pk_channel_members"),
        sa.ForeignKeyConstraint(
            ["organization_id", "channel_id"],
            ["channels.organization_id", "channels.id"],
            name="fk_channel_members_organization_id_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id", "user_id"],
            ["memberships.organization_id", "memberships.user_id"],
            name="fk_channel_members_organization_id_user_id_memberships",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.id"], name="fk_channel_members_added_by_users", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_channel_members_organization_id_user_id", "channel_members", ["organization_id", "user_id"])
    op.create_table(
        "messages",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("channel_id", sa.Uuid, nullable=False),
        sa.Column("author_id", sa.Uuid, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["organization_id", "channel_id"],
            ["channels.organization_id", "channels.id"],
            name="fk_messages_organization_id_channel_id_channels",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_messages_author_id_users", ondelete="SET NULL"),
    )
    op.create_index("ix_messages_organization_id_channel_id_id", "messages", ["organization_id", "channel_id", "id"])
    op.create_table(
        "notifications",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("data", pg.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_notifications_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notifications_user_id_users", ondelete="CASCADE"),
    )
    op.create_index(
        "ix_notifications_organization_id_user_id_id", "notifications", ["organization_id", "user_id", "id"]
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])

    # A socket names a channel by id alone: a user may see the channel rows (not the messages) of the
    # organizations they belong to, to find which tenant to enter; membership is checked again there.
    enable_tenant_rls(
        "channels",
        extra_using=f"organization_id IN (SELECT m.organization_id FROM memberships m WHERE m.user_id = {APP_USER})",
    )
    enable_tenant_rls("channel_members")
    enable_tenant_rls("messages")
    # "My notifications" reads one user's rows across organizations; writes stay in the tenant.
    enable_tenant_rls("notifications", extra_using=f"user_id = {APP_USER}")


def downgrade() -> None:
    for table in ("notifications", "messages", "channel_members", "channels"):
        disable_tenant_rls(table)
    op.drop_table("notifications")
    op.drop_table("messages")
    op.drop_table("channel_members")
    op.drop_table("channels")
