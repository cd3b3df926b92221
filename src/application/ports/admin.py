"""Read side of the platform admin: every organization, across tenants (see docs/decisions/platform-admin.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OrganizationUsageRow:
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    suspended_at: datetime | None
    # The subscription row's fields; None when the organization never chose a plan.
    plan_id: str | None
    subscription_status: str | None
    stripe_subscription_id: str | None
    member_count: int


class AdminQueries(Protocol):
    async def organizations(
        self, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[OrganizationUsageRow]:
        """Every organization ordered by (created_at, id), strictly after the given key, with its counts."""
        ...
