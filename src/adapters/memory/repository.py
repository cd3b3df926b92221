"""The base of in-memory tenant repositories: rows of one store table, seen through one organization."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.memory.store import MemoryStore
from application.ports.community import Key


class MemoryTenantRepository:
    """The store's one lock serialises units of work, so *_for_update methods need no lock of their own."""

    table_name = ""

    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    @property
    def _rows(self) -> dict[Any, Any]:
        return self._store.table(self.table_name)

    def _put(self, key: Any, obj: Any) -> None:
        if obj.organization_id != self._org:
            raise PermissionError(f"{self.table_name} row of another organization")  # RLS would refuse it too
        self._rows[key] = obj

    def _get(self, key: Any) -> Any:
        found = self._rows.get(key)
        return found if found is not None and found.organization_id == self._org else None

    def _visible(self) -> list[Any]:
        return [row for row in self._rows.values() if row.organization_id == self._org]


def rows_after(rows: list[Any], key: Any, after: Key | None) -> list[Any]:
    rows = sorted(rows, key=key)
    return rows if after is None else [r for r in rows if key(r) > after]
