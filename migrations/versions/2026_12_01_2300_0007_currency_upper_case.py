"""currency codes in ISO 4217 upper case everywhere (the plan catalog was seeded with `eur`)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE plans SET currency = upper(currency) WHERE currency <> upper(currency)")


def downgrade() -> None:
    op.execute("UPDATE plans SET currency = lower(currency) WHERE currency <> lower(currency)")
