"""In-memory twin of the access changes: read from the store's outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.access_changes import ACCESS_CHANGE_EVENTS, AccessChange


class MemoryAccessChanges:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def since(self, moment: datetime) -> list[AccessChange]:
        events = [
            e
            for e in self._store.outbox
            if e.name in ACCESS_CHANGE_EVENTS and e.occurred_at > moment and e.organization_id is not None
        ]
        return [
            AccessChange(e.id, e.organization_id, _uuid(e.payload.get("user_id")), e.occurred_at)
            for e in sorted(events, key=lambda e: e.occurred_at)
            if e.organization_id is not None
        ]


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
