"""The schema as SQLAlchemy metadata: what migrations must produce (the drift test compares them).

Tenant tables carry organization_id first in the primary key, in every unique constraint and in every
foreign key between tenant tables, and lead every index with it, so each can be distributed by
organization (Citus) without a schema change. tests/persistence/test_tenancy_rules.py checks this.
Global tables (users, access_tokens, organizations, outbox) are marked with info={"tenant": False}.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA, JSONB

from domain.permissions import Role

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

GLOBAL = {"tenant": False}
TENANT = {"tenant": True}


class StrEnumType(sa.types.TypeDecorator[Any]):
    """A StrEnum stored as text, so adding a role or a status needs no ALTER TYPE."""

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self._enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self._enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self._enum(value)


def tstz(name: str, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **kw)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("platform_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    tstz("created_at"),
    info=GLOBAL,
)

access_tokens = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("token_hash", BYTEA, nullable=False, unique=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    tstz("created_at"),
    tstz("expires_at"),
    tstz("revoked_at", nullable=True),
    info=GLOBAL,
)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(63), nullable=False, unique=True),
    tstz("created_at"),
    tstz("suspended_at", nullable=True),
    info=GLOBAL,  # the tenant registry itself: a reference table under Citus
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", StrEnumType(Role), nullable=False),
    tstz("joined_at"),
    sa.Index("ix_memberships_organization_id_joined_at_user_id", "organization_id", "joined_at", "user_id"),
    # "My organizations" crosses tenants by design; its own RLS policy lets users see their own rows.
    sa.Index("ix_memberships_user_id", "user_id", info={"cross_tenant": True}),
    info=TENANT,
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("role", StrEnumType(Role), nullable=False),
    sa.Column("invited_by", sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    tstz("created_at"),
    tstz("expires_at"),
    tstz("accepted_at", nullable=True),
    sa.Column("accepted_by", sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Index("ix_invitations_organization_id_email", "organization_id", "email"),
    sa.Index("ix_invitations_organization_id_expires_at", "organization_id", "expires_at"),
    info=TENANT,
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("details", JSONB, nullable=False),
    tstz("occurred_at"),
    sa.Index("ix_audit_log_organization_id_occurred_at_id", "organization_id", "occurred_at", "id"),
    info=TENANT,
)

# Infrastructure, not tenant data: the relay reads across tenants; nothing here is served to clients.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organization_id", sa.Uuid, nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("actor_id", sa.Uuid, nullable=True),
    tstz("occurred_at"),
    tstz("published_at", nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_outbox_unpublished", "occurred_at", postgresql_where=sa.text("published_at IS NULL")),
    info=GLOBAL,
)

# Capabilities' tables live in their own modules on the same metadata; imported here so every user of the
# metadata (alembic, the tenancy rules test) sees them.
from adapters.persistence import billing_tables, chat_tables, jobs_tables, ticketing_tables  # noqa: E402, F401


def tenant_tables() -> list[sa.Table]:
    """Computed on call: a module-level list would miss the tables of a capability module that was
    being imported (circularly) when this module first ran."""
    return [t for t in metadata.sorted_tables if t.info.get("tenant")]
