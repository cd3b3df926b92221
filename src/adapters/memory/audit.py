"""In-memory twin of the audit-log query port, over the store's audit_log list."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.audit import AuditEntryView


class MemoryAuditQueries:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def list_entries(
        self, organization_id: uuid.UUID, *, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[AuditEntryView]:
        entries = sorted(
            (e for e in self._store.audit_log if e.organization_id == organization_id),
            key=lambda e: (e.occurred_at, e.id),
            reverse=True,
        )
        if before is not None:
            entries = [e for e in entries if (e.occurred_at, e.id) < before]
        return [AuditEntryView(e.id, e.actor_id, e.name, dict(e.payload), e.occurred_at) for e in entries[:limit]]
