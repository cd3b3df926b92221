"""organization deletion: organizations.deleting_at (a nullable column), and app_authenticate_v2(), which
also tells whether the organization of the path is scheduled for deletion (same single round trip).

Expand/contract: app_authenticate() stays for API processes of the previous release; a later migration
drops it once none calls it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from helpers import APP_ROLE

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BODY = """
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
        RETURN QUERY SELECT v_user, v_admin, v_role%s;
    END"""


_STATE = """,
            (SELECT o.suspended_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id),
            (SELECT o.deleting_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id)"""


def upgrade() -> None:
    op.add_column("organizations", sa.Column("deleting_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "CREATE FUNCTION app_authenticate_v2(p_token_hash bytea, p_organization_id uuid) RETURNS TABLE "
        "(user_id uuid, platform_admin boolean, role text, suspended boolean, deleting boolean) "
        "LANGUAGE plpgsql VOLATILE AS $$" + _BODY % _STATE + " $$"
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION app_authenticate_v2(bytea, uuid) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION app_authenticate_v2(bytea, uuid)")
    op.drop_column("organizations", "deleting_at")
