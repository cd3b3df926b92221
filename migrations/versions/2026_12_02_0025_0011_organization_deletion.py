"""organization deletion: organizations.deleting_at (a nullable column), and app_authenticate_v2(), which
also tells whether the organization of the path is scheduled for deletion (same single round trip).

Expand/contract: app_authenticate_scoped() stays for API processes of the previous release; a later migration
drops it once none calls it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import APP_ROLE

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app_authenticate_scoped() (transaction-local scope through app_scope()) with the deletion state beside it.
_BODY = """
    DECLARE
        v_user uuid;
        v_admin boolean;
        v_role text;
    BEGIN
        SELECT t.user_id, u.platform_admin INTO v_user, v_admin
          FROM access_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL AND t.expires_at > now();
        PERFORM app_scope(NULL, v_user);
        IF v_user IS NULL THEN
            RETURN;
        END IF;
        IF p_organization_id IS NOT NULL THEN
            SELECT m.role INTO v_role FROM memberships m
             WHERE m.organization_id = p_organization_id AND m.user_id = v_user;
            IF v_role IS NOT NULL THEN
                PERFORM app_scope(p_organization_id, v_user);
            END IF;
        END IF;
        RETURN QUERY SELECT v_user, v_admin, v_role%s;
    END"""


_STATE = """,
            (SELECT o.suspended_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id),
            (SELECT o.deleting_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id)"""


# app_members_page() with the deletion state in its first (authentication) row: still one statement.
_MEMBERS_PAGE_V2 = """
    CREATE FUNCTION app_members_page_v2(
        p_token_hash bytea, p_organization_id uuid, p_limit integer, p_after_joined timestamptz, p_after_user uuid)
    RETURNS TABLE (a_user uuid, a_admin boolean, a_role text, a_suspended boolean, a_deleting boolean,
                   m_user uuid, m_name text, m_email text, m_role text, m_joined timestamptz)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
        v_deleting boolean;
    BEGIN
        SELECT o.deleting_at IS NOT NULL INTO v_deleting FROM organizations o WHERE o.id = p_organization_id;
        RETURN QUERY SELECT p.a_user, p.a_admin, p.a_role, p.a_suspended,
            CASE WHEN p.m_user IS NULL THEN v_deleting END,
            p.m_user, p.m_name, p.m_email, p.m_role, p.m_joined
          FROM app_members_page(p_token_hash, p_organization_id, p_limit, p_after_joined, p_after_user) p;
    END $$"""


def upgrade() -> None:
    op.add_column("organizations", sa.Column("deleting_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "CREATE FUNCTION app_authenticate_v2(p_token_hash bytea, p_organization_id uuid) RETURNS TABLE "
        "(user_id uuid, platform_admin boolean, role text, suspended boolean, deleting boolean) "
        "LANGUAGE plpgsql VOLATILE AS $$" + _BODY % _STATE + " $$"
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION app_authenticate_v2(bytea, uuid) TO {APP_ROLE}")
    op.execute(_MEMBERS_PAGE_V2)
    op.execute(f"GRANT EXECUTE ON FUNCTION app_members_page_v2(bytea, uuid, integer, timestamptz, uuid) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION app_members_page_v2(bytea, uuid, integer, timestamptz, uuid)")
    op.execute("DROP FUNCTION app_authenticate_v2(bytea, uuid)")
    op.drop_column("organizations", "deleting_at")
