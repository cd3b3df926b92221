"""In-memory twin of the platform admin's read side."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.admin import OrganizationUsageRow


class MemoryAdminQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def organizations(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[OrganizationUsageRow]:
        organizations = sorted(self._store.organizations.values(), key=lambda o: (o.created_at, o.id))
        if after is not None:
            organizations = [o for o in organizations if (o.created_at, o.id) > after]
        subscriptions = self._store.table("organization_subscriptions")
        rows = []
        for org in organizations[:limit]:
            subscription = subscriptions.get(org.id)
            rows.append(
                OrganizationUsageRow(
                    id=org.id,
                    name=org.name,
                    slug=org.slug,
                    created_at=org.created_at,
                    suspended_at=org.suspended_at,
                    plan_id=subscription.plan_id if subscription else None,
                    subscription_status=subscription.status if subscription else None,
                    stripe_subscription_id=subscription.stripe_subscription_id if subscription else None,
                    member_count=sum(1 for m in self._store.memberships.values() if m.organization_id == org.id),
                )
            )
        return rows
