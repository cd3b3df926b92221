"""Tables of chat and notifications.

Tenant tables: organization_id leads every key, unique constraint, index and tenant-to-tenant foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from adapters.persistence.schema import TENANT, StrEnumType, metadata, tstz
from domain.chat import ChannelScope

channels = sa.Table(
    "channels",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("scope", StrEnumType(ChannelScope), nullable=False),
    sa.Column("target_id", sa.Uuid, nullable=True),
    sa.Column("created_by", sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    tstz("created_at"),
    # The last message's id: posts lock the channel row and continue after it (ids follow commit order).
    sa.Column("last_message_id", sa.Uuid, nullable=True),
    sa.UniqueConstraint("organization_id", "name"),
    sa.Index("ix_channels_organization_id_created_at_id", "organization_id", "created_at", "id"),
    info=TENANT,
)

channel_members = sa.Table(
    "channel_members",
    metadata,
    sa.Column("organization_id", sa.Uuid, primary_key=True),
    sa.Column("channel_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("added_by", sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    tstz("added_at"),
    sa.ForeignKeyConstraint(
        ["organization_id", "channel_id"], ["channels.organization_id", "channels.id"], ondelete="CASCADE"
    ),
    # Leaving the organization ends every explicit channel grant with it.
    sa.ForeignKeyConstraint(
        ["organization_id", "user_id"], ["memberships.organization_id", "memberships.user_id"], ondelete="CASCADE"
    ),
    sa.Index("ix_channel_members_organization_id_user_id", "organization_id", "user_id"),
    info=TENANT,
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("organization_id", sa.Uuid, primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("channel_id", sa.Uuid, nullable=False),
    sa.Column("author_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    tstz("created_at"),
    sa.ForeignKeyConstraint(
        ["organization_id", "channel_id"], ["channels.organization_id", "channels.id"], ondelete="CASCADE"
    ),
    # History and resume both walk one channel by id.
    sa.Index("ix_messages_organization_id_channel_id_id", "organization_id", "channel_id", "id"),
    info=TENANT,
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    tstz("created_at"),
    tstz("read_at", nullable=True),
    sa.Index("ix_notifications_organization_id_user_id_id", "organization_id", "user_id", "id"),
    # "My notifications" crosses tenants by design; its own RLS policy shows users their own rows.
    sa.Index("ix_notifications_user_id_id", "user_id", "id", info={"cross_tenant": True}),
    info=TENANT,
)
