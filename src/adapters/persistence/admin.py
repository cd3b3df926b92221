"""The platform admin's cross-tenant listing, without any RLS bypass.

Organizations are a global table: one query pages them. Their counts live in tenant tables, which RLS shows
only for the tenant set in `app.organization_id`; so, inside one read-only transaction, the tenant is set to
each organization of the page in turn (transaction-local, gone at COMMIT) and its counts are read under the
ordinary policies. One round trip per organization on a page of at most 100: an operator's page, not a hot path.
See docs/decisions/platform-admin.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.persistence.connection import RequestConnection
from adapters.persistence.scope import SET_TENANT
from application.ports.admin import OrganizationUsageRow

_ORGANIZATIONS_FIRST = """
SELECT id, name, slug, created_at, suspended_at FROM organizations
ORDER BY created_at, id LIMIT $1
"""
_ORGANIZATIONS_AFTER = """
SELECT id, name, slug, created_at, suspended_at FROM organizations
WHERE (created_at, id) > ($2, $3)
ORDER BY created_at, id LIMIT $1
"""
_SET_TENANT = SET_TENANT
# The subscription row and the member count of the tenant just set; the WHERE clauses repeat the tenant so
# the query is right on its own, and RLS stands behind them.
_TENANT_USAGE = """
SELECT s.plan_id, s.status, s.stripe_subscription_id,
       (SELECT count(*) FROM memberships m WHERE m.organization_id = $1) AS member_count
FROM (SELECT 1) AS one
LEFT JOIN organization_subscriptions s ON s.organization_id = $1
"""


class PgAdminQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def organizations(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[OrganizationUsageRow]:
        conn = await self._connection.get()
        rows: list[OrganizationUsageRow] = []
        async with conn.transaction(readonly=True):
            if after is None:
                organizations = await conn.fetch(_ORGANIZATIONS_FIRST, limit)
            else:
                organizations = await conn.fetch(_ORGANIZATIONS_AFTER, limit, after[0], after[1])
            for org in organizations:
                await conn.execute(_SET_TENANT, org["id"])
                usage = await conn.fetchrow(_TENANT_USAGE, org["id"])
                rows.append(
                    OrganizationUsageRow(
                        id=org["id"],
                        name=org["name"],
                        slug=org["slug"],
                        created_at=org["created_at"],
                        suspended_at=org["suspended_at"],
                        plan_id=usage["plan_id"],
                        subscription_status=usage["status"],
                        stripe_subscription_id=usage["stripe_subscription_id"],
                        member_count=int(usage["member_count"]),
                    )
                )
        return rows
