"""In-memory twin of the scheduled maintenance queries."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.scheduled import ReminderDue


class MemoryMaintenanceQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def organization_ids(self) -> list[uuid.UUID]:
        return [o.id for o in self._store.organizations.values() if o.suspended_at is None]

    async def reminders_due(
        self, organization_id: uuid.UUID, starts_after: datetime, starts_before: datetime
    ) -> list[ReminderDue]:
        due: dict[tuple[uuid.UUID, uuid.UUID], ReminderDue] = {}
        events = self._store.table("events")
        for ticket in self._store.table("tickets").values():
            event = events.get(ticket.event_id)
            if ticket.organization_id != organization_id or ticket.voided_at is not None or event is None:
                continue
            if event.status.value != "published" or not starts_after < event.starts_at <= starts_before:
                continue
            user = self._store.users.get(ticket.holder_id)
            if user is not None:
                due[(event.id, user.id)] = ReminderDue(
                    organization_id, event.id, event.title, event.starts_at, event.timezone, user.id, user.email
                )
        return sorted(due.values(), key=lambda r: (r.starts_at, r.event_id, r.user_id))

    async def purge_expired_invitations(self, organization_id: uuid.UUID, expired_before: datetime) -> int:
        doomed = [
            key
            for key, invitation in self._store.invitations.items()
            if invitation.organization_id == organization_id
            and invitation.accepted_at is None
            and invitation.expires_at < expired_before
        ]
        for key in doomed:
            del self._store.invitations[key]
        return len(doomed)
