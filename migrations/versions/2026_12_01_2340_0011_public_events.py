"""public events: who may see an event (expand only: a column with a constant default, no rewrite)

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("visibility", sa.String(32), nullable=False, server_default="members"))


def downgrade() -> None:
    op.drop_column("events", "visibility")
