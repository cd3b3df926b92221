"""Read side of the audit log (written by the unit of work from domain events with an actor)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class AuditEntryView:
    id: uuid.UUID
    actor_id: uuid.UUID | None
    action: str
    target: dict[str, Any]
    occurred_at: datetime


class AuditQueries(Protocol):
    async def list_entries(
        self, organization_id: uuid.UUID, *, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[AuditEntryView]:
        """Newest first: ordered by (occurred_at, id) descending, strictly before the key."""
        ...
