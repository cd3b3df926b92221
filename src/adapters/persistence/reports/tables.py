"""The reports table: one row per requested export, its state and where its file lives."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.schema import TENANT, StrEnumType, metadata, tstz
from domain.reports import ReportKind, ReportStatus

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
