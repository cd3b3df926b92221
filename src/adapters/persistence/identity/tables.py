"""Tables of identity and organizations: users and their tokens, organizations (the tenant registry),
memberships and invitations."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA

from adapters.persistence.schema import GLOBAL, TENANT, StrEnumType, metadata, tstz
from domain.account_tokens import TokenPurpose
from domain.permissions import Role

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("platform_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    tstz("created_at"),
    tstz("email_verified_at", nullable=True),
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

# Password reset and email verification links: only a hash of the token, marked used once redeemed.
account_tokens = sa.Table(
    "account_tokens",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("purpose", StrEnumType(TokenPurpose), nullable=False),
    sa.Column("token_hash", BYTEA, nullable=False, unique=True),
    tstz("created_at"),
    tstz("expires_at"),
    tstz("used_at", nullable=True),
    sa.Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),
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
    tstz("deleting_at", nullable=True),
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
