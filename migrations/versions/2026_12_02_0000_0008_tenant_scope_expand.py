"""tenant scope per transaction (expand): SET LOCAL functions, a one-statement members page, row-only policies

Everything here is added beside what running code uses, so old and new code work during a rollout:
- app_scope() sets the tenant and the user with SET LOCAL (EXECUTE inside PL/pgSQL, the form Citus
  forwards to its workers; set_config() is a function call Citus never forwards). Nothing outlives the
  transaction, so a pooled connection (PgBouncer in transaction mode too) carries no tenant.
- app_authenticate_scoped() is app_authenticate() with that scope; app_members_page() authenticates and
  returns a page of members in one statement (the hot read, one round trip).
- Policies that test only columns of their own row (Citus refuses subqueries in policies on distributed
  tables): events a user holds tickets for, and channels of the user's organizations, are named in
  transaction-local settings by app_reveal_held_events() / app_reveal_member_organizations().
- Under Citus, the app role gets citus.propagate_set_commands = 'local' (without it SET LOCAL stays on the
  coordinator).
The contract step (0009) drops the subquery policies and the session-level app_authenticate().

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op
from helpers import APP_ROLE

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_USER = "nullif(current_setting('app.user_id', true), '')::uuid"
HELD_EVENTS = "nullif(current_setting('app.held_event_ids', true), '')::uuid[]"
MEMBER_ORGANIZATIONS = "nullif(current_setting('app.member_organization_ids', true), '')::uuid[]"

FUNCTIONS = {
    "app_scope(uuid, uuid)": """
        CREATE FUNCTION app_scope(p_organization_id uuid, p_user_id uuid) RETURNS void
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            EXECUTE format('SET LOCAL app.organization_id = %L', coalesce(p_organization_id::text, ''));
            EXECUTE format('SET LOCAL app.user_id = %L', coalesce(p_user_id::text, ''));
        END $$""",
    "app_authenticate_scoped(bytea, uuid)": """
        CREATE FUNCTION app_authenticate_scoped(p_token_hash bytea, p_organization_id uuid)
        RETURNS TABLE (user_id uuid, platform_admin boolean, role text, suspended boolean)
        LANGUAGE plpgsql VOLATILE AS $$
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
            RETURN QUERY SELECT v_user, v_admin, v_role,
                (SELECT o.suspended_at IS NOT NULL FROM organizations o WHERE o.id = p_organization_id);
        END $$""",
    # The first row is the authentication (member columns null); the members follow, in page order.
    "app_members_page(bytea, uuid, integer, timestamptz, uuid)": """
        CREATE FUNCTION app_members_page(
            p_token_hash bytea, p_organization_id uuid, p_limit integer, p_after_joined timestamptz, p_after_user uuid)
        RETURNS TABLE (a_user uuid, a_admin boolean, a_role text, a_suspended boolean,
                       m_user uuid, m_name text, m_email text, m_role text, m_joined timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            a record;
        BEGIN
            SELECT * INTO a FROM app_authenticate_scoped(p_token_hash, p_organization_id);
            IF a.user_id IS NULL THEN
                RETURN;
            END IF;
            RETURN QUERY SELECT a.user_id, a.platform_admin, a.role, a.suspended,
                NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::timestamptz;
            IF a.role IS NULL OR a.suspended OR p_limit < 1 THEN
                RETURN;
            END IF;
            IF p_after_joined IS NULL THEN
                RETURN QUERY SELECT NULL::uuid, NULL::boolean, NULL::text, NULL::boolean,
                    m.user_id, u.name::text, u.email::text, m.role::text, m.joined_at
                  FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.organization_id = p_organization_id
                 ORDER BY m.joined_at, m.user_id LIMIT p_limit;
            ELSE
                RETURN QUERY SELECT NULL::uuid, NULL::boolean, NULL::text, NULL::boolean,
                    m.user_id, u.name::text, u.email::text, m.role::text, m.joined_at
                  FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.organization_id = p_organization_id
                   AND (m.joined_at, m.user_id) > (p_after_joined, p_after_user)
                 ORDER BY m.joined_at, m.user_id LIMIT p_limit;
            END IF;
        END $$""",
    # Read through the tickets policy (holder = app.user_id): the events of the caller's tickets.
    "app_reveal_held_events()": """
        CREATE FUNCTION app_reveal_held_events() RETURNS void
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_ids uuid[];
        BEGIN
            SELECT array_agg(DISTINCT t.event_id) INTO v_ids FROM tickets t
             WHERE t.holder_id = nullif(current_setting('app.user_id', true), '')::uuid;
            EXECUTE format('SET LOCAL app.held_event_ids = %L', coalesce(v_ids::text, ''));
        END $$""",
    # Read through the memberships policy (own rows of app.user_id): the caller's organizations.
    "app_reveal_member_organizations()": """
        CREATE FUNCTION app_reveal_member_organizations() RETURNS void
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_ids uuid[];
        BEGIN
            SELECT array_agg(m.organization_id) INTO v_ids FROM memberships m
             WHERE m.user_id = nullif(current_setting('app.user_id', true), '')::uuid;
            EXECUTE format('SET LOCAL app.member_organization_ids = %L', coalesce(v_ids::text, ''));
        END $$""",
}

_CITUS_ROLE_SETTING = f"""
    DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET citus.propagate_set_commands = %L',
                           '{APP_ROLE}', current_database(), 'local');
        END IF;
    END $$"""


def upgrade() -> None:
    for signature, sql in FUNCTIONS.items():
        op.execute(sql)
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")
    op.execute(f"CREATE POLICY held_events ON events FOR SELECT USING (id = ANY ({HELD_EVENTS}))")
    op.execute(
        "CREATE POLICY member_organizations ON channels FOR SELECT "
        f"USING (organization_id = ANY ({MEMBER_ORGANIZATIONS}))"
    )
    op.execute(_CITUS_ROLE_SETTING)


def downgrade() -> None:
    op.execute(f"""
        DO $$ BEGIN
            IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
                EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET citus.propagate_set_commands',
                               '{APP_ROLE}', current_database());
            END IF;
        END $$""")
    op.execute("DROP POLICY member_organizations ON channels")
    op.execute("DROP POLICY held_events ON events")
    for signature in reversed(list(FUNCTIONS)):
        op.execute(f"DROP FUNCTION {signature}")
