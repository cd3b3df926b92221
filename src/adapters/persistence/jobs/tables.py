"""Tables of background work: handler idempotency, dead letters (global) and reports (tenant)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from adapters.persistence.tables import GLOBAL, TENANT, StrEnumType, metadata, tstz
from domain.reports import ReportKind, ReportStatus

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

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", StrEnumType(ReportKind), nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=True),
    sa.Column("status", StrEnumType(ReportStatus), nullable=False),
    sa.Column("requested_by", sa.Uuid, nullable=False),
    tstz("requested_at"),
    tstz("completed_at", nullable=True),
    sa.Column("file_key", sa.String(300), nullable=True),
    sa.Column("row_count", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    info=TENANT,
)
