"""Read side of the audit log on the request's asyncpg connection."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from adapters.persistence.connection import RequestConnection
from application.ports.audit import AuditEntryView

_NEWEST = """SELECT id, actor_id, action, details, occurred_at FROM audit_log
              WHERE organization_id = $1 {before} ORDER BY occurred_at DESC, id DESC LIMIT $2"""


class PgAuditQueries:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def list_entries(
        self, organization_id: uuid.UUID, *, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[AuditEntryView]:
        conn = await self._connection.get()
        if before is None:
            rows = await conn.fetch(_NEWEST.format(before=""), organization_id, limit)
        else:
            rows = await conn.fetch(
                _NEWEST.format(before="AND (occurred_at, id) < ($3, $4)"), organization_id, limit, *before
            )
        return [
            AuditEntryView(r["id"], r["actor_id"], r["action"], _json(r["details"]), r["occurred_at"]) for r in rows
        ]


def _json(value: Any) -> dict[str, Any]:
    # asyncpg hands jsonb over as text unless a codec is registered on the pool; accept both.
    decoded: dict[str, Any] = json.loads(value) if isinstance(value, str) else dict(value)
    return decoded
