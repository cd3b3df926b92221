"""foundation: users, tokens, organizations, memberships, invitations, audit log, outbox; RLS

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import APP_ROLE, disable_tenant_rls, enable_tenant_rls
from sqlalchemy.dialects import postgresql as pg

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # The runtime role: may log in, is neither superuser nor BYPASSRLS, so RLS binds it.
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END $$""")

    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("platform_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("token_hash", pg.BYTEA, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_access_tokens_token_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_access_tokens_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_access_tokens_user_id", "access_tokens", ["user_id"])
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(63), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("suspended_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
        sa.UniqueConstraint("slug", name="uq_organizations_slug"),
    )
    op.create_table(
        "memberships",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("joined_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "user_id", name="pk_memberships"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_memberships_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_memberships_user_id_users", ondelete="CASCADE"),
    )
    op.create_index(
        "ix_memberships_organization_id_joined_at_user_id",
        "memberships",
        ["organization_id", "joined_at", "user_id"],
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "invitations",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("invited_by", sa.Uuid, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("accepted_by", sa.Uuid, nullable=True),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_invitations"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_invitations_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["users.id"], name="fk_invitations_invited_by_users", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name="fk_invitations_accepted_by_users", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_invitations_organization_id_email", "invitations", ["organization_id", "email"])
    op.create_index("ix_invitations_organization_id_expires_at", "invitations", ["organization_id", "expires_at"])
    op.create_table(
        "audit_log",
        sa.Column("organization_id", sa.Uuid, nullable=False),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("actor_id", sa.Uuid, nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("details", pg.JSONB, nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_audit_log_organization_id_organizations",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_audit_log_organization_id_occurred_at_id", "audit_log", ["organization_id", "occurred_at", "id"]
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organization_id", sa.Uuid, nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("payload", pg.JSONB, nullable=False),
        sa.Column("actor_id", sa.Uuid, nullable=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["occurred_at"], postgresql_where=sa.text("published_at IS NULL")
    )

    enable_tenant_rls("memberships", extra_using="user_id = nullif(current_setting('app.user_id', true), '')::uuid")
    enable_tenant_rls("invitations")
    enable_tenant_rls("audit_log")

    # One round trip per request: check the token, set the user, and set the tenant only when the
    # user is a member of it. Invoker's rights: the memberships lookup itself goes through RLS.
    op.execute("""
        CREATE FUNCTION app_authenticate(p_token_hash bytea, p_organization_id uuid)
        RETURNS TABLE (user_id uuid, platform_admin boolean, role text, suspended boolean)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_user uuid;
            v_admin boolean;
            v_role text;
        BEGIN
            PERFORM set_config('app.organization_id', '', false), set_config('app.user_id', '', false);
            SELECT t.user_id, u.platform_admin INTO v_user, v_admin
              FROM access_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL AND t.expires_at > now();
            IF v_user IS NULL THEN
                RETURN;
            END IF;
            PERFORM set_config('app.user_id', v_user::text, false);
            IF p_organization_id IS NOT NULL THEN
                SELECT m.role INTO v_role FROM memberships m
                 WHERE m.organization_id = p_organization_id AND m.user_id = v_user;
                IF v_role IS NOT NULL THEN
                    PERFORM set_config('app.organization_id', p_organization_id::text, false);
                END IF;
            END IF;
            RETURN QUERY SELECT v_user, v_admin, v_role,
                (SELECT o.suspended_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id);
        END $$""")

    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_authenticate(bytea, uuid) TO {APP_ROLE}")
    # Tables of later migrations (made by the same owner) are granted without anyone remembering to.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    op.execute("DROP FUNCTION app_authenticate(bytea, uuid)")
    for table in ("audit_log", "invitations", "memberships"):
        disable_tenant_rls(table)
    op.drop_table("outbox")
    op.drop_table("audit_log")
    op.drop_table("invitations")
    op.drop_table("memberships")
    op.drop_table("organizations")
    op.drop_table("access_tokens")
    op.drop_table("users")
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {APP_ROLE}")
    # The role is cluster-wide and may serve other databases: it is left in place.
