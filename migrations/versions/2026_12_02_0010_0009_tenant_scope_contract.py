"""tenant scope per transaction (contract): drop the subquery policies and the session-level app_authenticate

Run once no process of the previous release is left (they read through these). Afterwards every policy
tests only columns of its own row, and no database function sets a session-level tenant.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:10:00
"""

from collections.abc import Sequence

from alembic import op
from helpers import APP_ROLE

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_USER = "nullif(current_setting('app.user_id', true), '')::uuid"


def upgrade() -> None:
    op.execute("DROP POLICY own_rows ON events")
    op.execute("DROP POLICY own_rows ON channels")
    # Reviewed: the contract step of 0008; no release since 0008 calls it.
    op.execute("-- squawk-ignore ban-drop-function\nDROP FUNCTION app_authenticate(bytea, uuid)")


def downgrade() -> None:
    # The objects of 0001, 0002 and 0003 as they were.
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
    op.execute(f"GRANT EXECUTE ON FUNCTION app_authenticate(bytea, uuid) TO {APP_ROLE}")
    op.execute(
        "CREATE POLICY own_rows ON channels FOR SELECT USING "
        f"(organization_id IN (SELECT m.organization_id FROM memberships m WHERE m.user_id = {APP_USER}))"
    )
    op.execute(
        "CREATE POLICY own_rows ON events FOR SELECT USING "
        f"(id IN (SELECT t.event_id FROM tickets t WHERE t.holder_id = {APP_USER}))"
    )
