"""Access changes read from the outbox (global, written in the change's own transaction; a partial index)."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.persistence.connection import RequestConnection
from application.ports.access_changes import ACCESS_CHANGE_EVENTS, AccessChange

_SINCE = """
SELECT id, organization_id, payload->>'user_id' AS user_id, occurred_at FROM outbox
WHERE name = ANY($1::text[]) AND occurred_at > $2 AND organization_id IS NOT NULL
ORDER BY occurred_at
"""


class PgAccessChanges:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def since(self, moment: datetime) -> list[AccessChange]:
        conn = await self._connection.get()
        rows = await conn.fetch(_SINCE, list(ACCESS_CHANGE_EVENTS), moment)
        return [
            AccessChange(r["id"], r["organization_id"], _uuid(r["user_id"]), r["occurred_at"]) for r in rows
        ]


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
