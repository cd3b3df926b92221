"""Domain events: facts an aggregate records; the unit of work stores them in the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.ids import new_id


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: str
    organization_id: uuid.UUID | None
    payload: dict[str, Any]
    # Who caused it; events with an actor inside an organization also become audit-log entries.
    actor_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(
        cls, name: str, organization_id: uuid.UUID | None, payload: dict[str, Any], actor_id: uuid.UUID | None = None
    ) -> DomainEvent:
        """The usual event in one line: what happened, where, with what, and who did it (None: the system)."""
        return cls(name=name, organization_id=organization_id, payload=payload, actor_id=actor_id)


class Aggregate:
    """Mixin: collects events until the unit of work takes them.

    Objects loaded by an ORM skip __init__, so the list is created on first use.
    """

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)

    def pull_events(self) -> list[DomainEvent]:
        events: list[DomainEvent] = self.__dict__.pop("_pending_events", [])
        return events
