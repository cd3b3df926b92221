"""billing: plan catalog (seeded), organization subscriptions (RLS), Stripe customer routing, Stripe events

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 18:20:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import disable_tenant_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql as pg

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# The catalog at the time of this migration. A new plan is a new row (a later migration or an operator's
# INSERT), never code. null = unlimited; a missing entitlement is not granted.
SEED_PLANS = [
    {
        "id": "free",
        "name": "Free",
        "price_cents": 0,
        "currency": "eur",
        "interval": "month",
        "stripe_price_id": None,
        "entitlements": {"max_chapters": 1, "max_members": 10, "paid_ticketing": False, "max_events_per_month": 5},
        "sort_order": 0,
        "active": True,
    },
    {
        "id": "team",
        "name": "Team",
        "price_cents": 2900,
        "currency": "eur",
        "interval": "month",
        "stripe_price_id": "chapterhouse-team-monthly",
        "entitlements": {"max_chapters": 5, "max_members": 100, "paid_ticketing": True, "max_events_per_month": 50},
        "sort_order": 10,
        "active": True,
    },
    {
        "id": "network",
        "name": "Network",
        "price_cents": 9900,
        "currency": "eur",
        "interval": "month",
        "stripe_price_id": "chapterhouse-network-monthly",
        "entitlements": {
            "max_chapters": None,
            "max_members": 1000,
            "paid_ticketing": True,
            "max_events_per_month": None,
        },
        "sort_order": 20,
        "active": True,
    },
]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interval", sa.String(8), nullable=False),
        sa.Column("stripe_price_id", sa.String(100), nullable=True),
        sa.Column("entitlements", pg.JSONB, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.UniqueConstraint("stripe_price_id", name="uq_plans_stripe_price_id"),
    )
    for plan in SEED_PLANS:
        _insert_plan(plan)

    op.create_table(
        "organization_subscriptions",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("stripe_customer_id", sa.String(100), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(100), nullable=True),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("current_period_end", TS, nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("state_as_of", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_organization_subscriptions"),
        sa.UniqueConstraint("organization_id", name="uq_organization_subscriptions_organization_id"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_organization_subscriptions_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_organization_subscriptions_plan_id_plans"),
    )
    enable_tenant_rls("organization_subscriptions")

    op.create_table(
        "billing_customers",
        sa.Column("stripe_customer_id", sa.String(100), nullable=False),
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("stripe_customer_id", name="pk_billing_customers"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_billing_customers_organization_id_organizations",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_billing_customers_organization_id", "billing_customers", ["organization_id"])

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("organization_id", sa.Uuid, nullable=True),
        sa.Column("outcome", sa.String(200), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_events"),
    )


def _insert_plan(plan: dict[str, object]) -> None:
    # Literal SQL (values are this file's constants), so the offline `--sql` script renders it too.
    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, dict):
            return "'" + json.dumps(value, sort_keys=True).replace("'", "''") + "'::jsonb"
        return "'" + str(value).replace("'", "''") + "'"

    columns = ", ".join(plan)
    values = ", ".join(literal(value) for value in plan.values())
    op.execute(f"INSERT INTO plans ({columns}) VALUES ({values})")


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_index("ix_billing_customers_organization_id", table_name="billing_customers")
    op.drop_table("billing_customers")
    disable_tenant_rls("organization_subscriptions")
    op.drop_table("organization_subscriptions")
    op.drop_table("plans")
