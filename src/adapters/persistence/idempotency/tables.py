"""The idempotency key table: per (organization, user, scope, key), what was asked and what it created."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.schema import TENANT, metadata, organization_column, tstz

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    organization_column(),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("scope", sa.String(50), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("resource_id", sa.Uuid, nullable=False),
    tstz("created_at", server_default=sa.func.now()),
    info=TENANT,
)
