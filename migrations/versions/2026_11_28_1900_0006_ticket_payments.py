"""ticket payments: the PaymentIntent of a paid order (expand only: a nullable column)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("payment_intent_id", sa.String(255), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "payment_intent_id")
