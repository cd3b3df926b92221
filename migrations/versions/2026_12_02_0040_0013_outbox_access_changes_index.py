"""outbox: a partial index on the access-change events the sockets' watch reads every interval

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "name IN ('member.removed', 'member.role_changed', 'organization.suspended')"


def upgrade() -> None:
    with op.get_context().autocommit_block():  # CONCURRENTLY: the outbox takes writes all the time
        op.create_index(
            "ix_outbox_access_changes",
            "outbox",
            ["occurred_at"],
            postgresql_where=sa.text(WHERE),
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_outbox_access_changes", "outbox", postgresql_concurrently=True, if_exists=True)
