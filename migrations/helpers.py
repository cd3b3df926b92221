"""SQL shared by migrations. Kept tiny and stable: a migration's meaning must never change later."""

from __future__ import annotations

from alembic import op

APP_ROLE = "chapterhouse_app"

TENANT_PREDICATE = "organization_id = nullif(current_setting('app.organization_id', true), '')::uuid"


def enable_tenant_rls(table: str, *, extra_using: str | None = None) -> None:
    """FORCE row-level security scoped to app.organization_id (the owner obeys it too)."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})")
    if extra_using:
        # A second, read-only policy (policies are OR-ed for SELECT; writes still need the tenant).
        op.execute(f"CREATE POLICY own_rows ON {table} FOR SELECT USING ({extra_using})")


def disable_tenant_rls(table: str) -> None:
    op.execute(f"DROP POLICY IF EXISTS own_rows ON {table}")
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
