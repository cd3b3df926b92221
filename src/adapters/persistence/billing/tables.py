"""Billing tables: the plan catalog (global), each organization's subscription mirror (tenant), the routing
of Stripe customers to organizations and the record of processed Stripe events (global)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from adapters.persistence.schema import GLOBAL, TENANT, metadata, tstz

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("price_cents", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("interval", sa.String(8), nullable=False),
    sa.Column("stripe_price_id", sa.String(100), nullable=True, unique=True),
    # {"max_members": 10, "paid_ticketing": false, "max_chapters": null (unlimited), ...}
    sa.Column("entitlements", JSONB, nullable=False),
    sa.Column("sort_order", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    info=GLOBAL,  # the catalog: a reference table under Citus
)

organization_subscriptions = sa.Table(
    "organization_subscriptions",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("plan_id", sa.String(40), sa.ForeignKey("plans.id"), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("stripe_customer_id", sa.String(100), nullable=True),
    sa.Column("stripe_subscription_id", sa.String(100), nullable=True),
    sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    tstz("current_period_end", nullable=True),
    sa.Column("cancel_at_period_end", sa.Boolean, nullable=False, server_default=sa.false()),
    # Unix seconds at which the mirrored state was true at Stripe (event `created`, or our own call).
    sa.Column("state_as_of", sa.BigInteger, nullable=False, server_default="0"),
    tstz("updated_at"),
    sa.UniqueConstraint("organization_id"),  # one subscription row per organization
    info=TENANT,
)

billing_customers = sa.Table(
    "billing_customers",
    metadata,
    sa.Column("stripe_customer_id", sa.String(100), primary_key=True),
    sa.Column(
        "organization_id",
        sa.Uuid,
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    tstz("created_at", server_default=sa.func.now()),
    info=GLOBAL,  # routing of tenant-less webhooks: which organization a customer belongs to, nothing more
)

stripe_events = sa.Table(
    "stripe_events",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("created", sa.BigInteger, nullable=False),
    sa.Column("organization_id", sa.Uuid, nullable=True),  # no FK: the record outlives a deleted org
    sa.Column("outcome", sa.String(200), nullable=False),
    tstz("received_at"),
    info=GLOBAL,  # provider event ids are global; processed once whatever tenant they touch
)
