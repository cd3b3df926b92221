"""public events: who may see an event (expand only: a column with a constant default, no rewrite), and
buyers reading their own orders across organizations (a read-only policy on orders, keyed on buyer_id)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CURRENT_USER = "nullif(current_setting('app.user_id', true), '')::uuid"


def upgrade() -> None:
    op.add_column("events", sa.Column("visibility", sa.String(32), nullable=False, server_default="members"))
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_buyer_id_created_at_id",
            "orders",
            ["buyer_id", "created_at", "id"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )
    op.execute(f"CREATE POLICY own_rows ON orders FOR SELECT USING (buyer_id = {CURRENT_USER})")


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS own_rows ON orders")
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_buyer_id_created_at_id", "orders", postgresql_concurrently=True, if_exists=True)
    op.drop_column("events", "visibility")
