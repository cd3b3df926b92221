"""jobs: handler idempotency (processed_events), dead letters, reports (RLS)

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import disable_tenant_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql as pg

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("handler", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id", name="pk_processed_events"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_name", sa.String(200), nullable=False),
        sa.Column("args", pg.JSONB(), nullable=False),
        sa.Column("kwargs", pg.JSONB(), nullable=False),
        sa.Column("labels", pg.JSONB(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", TS, nullable=False),
        sa.Column("replayed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )

    op.create_table(
        "reports",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.Column("file_key", sa.String(300), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_reports_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_reports"),
    )
    enable_tenant_rls("reports")


def downgrade() -> None:
    disable_tenant_rls("reports")
    op.drop_table("reports")
    op.drop_table("dead_letters")
    op.drop_table("processed_events")
