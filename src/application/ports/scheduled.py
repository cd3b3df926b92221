"""Ports of scheduled maintenance: which tenants exist, what reminders are due, expired invitations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ReminderDue:
    organization_id: uuid.UUID
    event_id: uuid.UUID
    event_title: str
    starts_at: datetime
    timezone: str
    user_id: uuid.UUID
    email: str


class MaintenanceQueries(Protocol):
    """Each call is scoped to one organization (RLS), except the directory of organizations."""

    async def organization_ids(self) -> list[uuid.UUID]: ...

    async def reminders_due(
        self, organization_id: uuid.UUID, starts_after: datetime, starts_before: datetime
    ) -> list[ReminderDue]:
        """One row per (published event starting in the window, holder of a valid ticket)."""
        ...

    async def purge_expired_invitations(self, organization_id: uuid.UUID, expired_before: datetime) -> int:
        """Deletes invitations never accepted that expired before the given time; returns how many."""
        ...
