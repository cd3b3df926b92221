"""In-memory twin of the announcements' delivery records."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from application.ports.announcements import DeliveryOutcome


class MemoryDeliveryRecords:
    """Written under the store's lock, so a unit of work rolling back its snapshot cannot undo a record."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def reached(
        self, organization_id: uuid.UUID, announcement_id: uuid.UUID, channel: str, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        records = self._store.table("deliveries")
        return {u for u in user_ids if (organization_id, announcement_id, channel, u) in records}

    async def record(
        self,
        organization_id: uuid.UUID,
        announcement_id: uuid.UUID,
        channel: str,
        user_id: uuid.UUID,
        outcome: DeliveryOutcome,
    ) -> None:
        async with self._store.lock:
            self._store.table("deliveries").setdefault((organization_id, announcement_id, channel, user_id), outcome)
