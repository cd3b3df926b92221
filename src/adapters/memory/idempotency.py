"""In-memory twin of the idempotency keys (units of work are serialised; a rollback restores the snapshot)."""

from __future__ import annotations

import uuid

from adapters.memory.store import MemoryStore
from application.ports.idempotency import IdempotencyRecord


class MemoryIdempotencyKeyRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def get(self, user_id: uuid.UUID, scope: str, key: str) -> IdempotencyRecord | None:
        found: IdempotencyRecord | None = self._store.table("idempotency_keys").get((self._org, user_id, scope, key))
        return found

    async def claim(
        self, user_id: uuid.UUID, scope: str, key: str, record: IdempotencyRecord
    ) -> IdempotencyRecord | None:
        keys = self._store.table("idempotency_keys")
        held: IdempotencyRecord | None = keys.get((self._org, user_id, scope, key))
        if held is None:
            keys[(self._org, user_id, scope, key)] = record
        return held
