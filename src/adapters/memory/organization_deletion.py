"""The in-memory twin of the organization purge: every stored row that carries the organization's id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from adapters.memory.store import MemoryStore


def _rows_of(organization_id: uuid.UUID, rows: dict[Any, Any]) -> list[Any]:
    # Rows are domain objects with an organization_id, or (billing customers) the organization id itself.
    return [
        key
        for key, row in rows.items()
        if row == organization_id or getattr(row, "organization_id", None) == organization_id
    ]


class MemoryOrganizationPurger:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def due(self, scheduled_before: datetime) -> list[uuid.UUID]:
        organizations = self._store.organizations.values()
        return sorted(o.id for o in organizations if o.deleting_at is not None and o.deleting_at < scheduled_before)

    async def purge_batch(self, organization_id: uuid.UUID, batch_size: int) -> int:
        async with self._store.lock:
            tables: list[dict[Any, Any]] = [
                self._store.memberships,
                self._store.invitations,
                *self._store.tables.values(),
            ]
            for rows in tables:
                keys = _rows_of(organization_id, rows)[:batch_size]
                for key in keys:
                    del rows[key]
                if keys:
                    return len(keys)
            before = len(self._store.audit_log)
            self._store.audit_log = [e for e in self._store.audit_log if e.organization_id != organization_id]
            return before - len(self._store.audit_log)

    async def forget(self, organization_id: uuid.UUID) -> None:
        async with self._store.lock:
            organization = self._store.organizations.get(organization_id)
            if organization is not None and organization.deleting_at is not None:
                del self._store.organizations[organization_id]
