"""The audit log: one row per event with an actor inside an organization, written by the unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from adapters.persistence.schema import TENANT, metadata, tstz

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("details", JSONB, nullable=False),
    tstz("occurred_at"),
    sa.Index("ix_audit_log_organization_id_occurred_at_id", "organization_id", "occurred_at", "id"),
    info=TENANT,
)
