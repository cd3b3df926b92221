"""delivery records of announcements, idempotency keys of order placement (expand only: two new tables)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import disable_tenant_rls, enable_tenant_rls

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("announcement_id", sa.Uuid, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("recorded_at", TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "announcement_id", "channel", "user_id", name="pk_deliveries"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_deliveries_organization_id_organizations",
            ondelete="CASCADE",
        ),
    )
    enable_tenant_rls("deliveries")
    op.create_table(
        "idempotency_keys",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("scope", sa.String(50), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("resource_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "user_id", "scope", "key", name="pk_idempotency_keys"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_idempotency_keys_organization_id_organizations",
            ondelete="CASCADE",
        ),
    )
    enable_tenant_rls("idempotency_keys")


def downgrade() -> None:
    disable_tenant_rls("idempotency_keys")
    op.drop_table("idempotency_keys")
    disable_tenant_rls("deliveries")
    op.drop_table("deliveries")
