"""Changes that narrow what a member's open sockets may read: removal, a new role, a suspended organization."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ACCESS_CHANGE_EVENTS = ("member.removed", "member.role_changed", "organization.suspended")


@dataclass(frozen=True)
class AccessChange:
    id: uuid.UUID  # the domain event's id: a change seen twice is the same change
    organization_id: uuid.UUID
    user_id: uuid.UUID | None  # None: everyone in the organization (a suspension)
    occurred_at: datetime


class AccessChanges(Protocol):
    async def since(self, moment: datetime) -> list[AccessChange]:
        """Every access change committed with an occurrence time after ``moment``, across organizations."""
        ...
