"""The base of tenant repositories: every key lookup names the unit of work's organization."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.errors import flush

# FOR NO KEY UPDATE, not FOR UPDATE: no writer here changes a key, and this strength does not conflict with
# the FOR KEY SHARE that foreign-key checks take. So an order being written (its INSERT checks the event and
# ticket types) never waits on a lock holder, nor makes one wait: the only waits are on the lock order.
_NO_KEY_UPDATE = {"key_share": True}


class TenantRepository:
    """Scoped to the unit of work's organization; `lock=False` only for the concurrency suite's negative control."""

    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None, lock: bool = True) -> None:
        self._session, self._org, self._lock = session, organization_id, lock

    async def _add(self, *objects: object) -> None:
        self._session.add_all(objects)
        await flush(self._session)

    async def _get(self, entity: type[Any], key: uuid.UUID, *, for_update: bool = False) -> Any:
        if self._org is None:
            return None
        locking = _NO_KEY_UPDATE if for_update and self._lock else None
        return await self._session.get(entity, (self._org, key), with_for_update=locking)

    def _locked(self, statement: sa.Select[Any]) -> sa.Select[Any]:
        return statement.with_for_update(key_share=True) if self._lock else statement
