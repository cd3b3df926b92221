"""Tables of background work, all global: the outbox, handler idempotency and dead letters."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from adapters.persistence.schema import GLOBAL, TENANT, metadata, organization_column, tstz

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("handler", sa.String(100), primary_key=True),
    sa.Column("event_id", sa.Uuid, primary_key=True),
    tstz("processed_at", server_default=sa.func.now()),
    info=GLOBAL,  # keyed by outbox event ids, which are global (the outbox is global)
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("task_name", sa.String(200), nullable=False),
    sa.Column("args", JSONB, nullable=False),
    sa.Column("kwargs", JSONB, nullable=False),
    sa.Column("labels", JSONB, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    tstz("failed_at"),
    tstz("replayed_at", nullable=True),
    info=GLOBAL,  # an operator's view of the job system, across tenants
)

# Infrastructure, not tenant data: the relay reads across tenants; nothing here is served to clients.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organization_id", sa.Uuid, nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    tstz("occurred_at"),
    tstz("published_at", nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_outbox_unpublished", "occurred_at", postgresql_where=sa.text("published_at IS NULL")),
    # What the sockets' watch reads every interval (application.ports.access_changes).
    sa.Index(
        "ix_outbox_access_changes",
        "occurred_at",
        postgresql_where=sa.text("name IN ('member.removed', 'member.role_changed', 'organization.suspended')"),
    ),
    info=GLOBAL,
)

# One row per recipient and channel an announcement reached (or was refused by): a redelivered batch job
# skips them, so a crash resends only what was in flight.
deliveries = sa.Table(
    "deliveries",
    metadata,
    organization_column(),
    sa.Column("announcement_id", sa.Uuid, primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    tstz("recorded_at", server_default=sa.func.now()),
    info=TENANT,
)
