"""Tickets: one per seat of a paid order, checked in once, void when their order closes."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Conflict
from domain.events import Aggregate, DomainEvent
from domain.ids import new_id
from domain.permissions import Actor, ChapterRole, Permission

_TICKET_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)


def is_ticket_code(raw: str) -> bool:
    """Could this be one of our codes (base64url)? Anything else cannot match a ticket."""
    return bool(_TICKET_CODE.match(raw))


@dataclass(eq=False)
class Ticket(Aggregate):
    organization_id: uuid.UUID
    event_id: uuid.UUID
    order_id: uuid.UUID
    ticket_type_id: uuid.UUID
    holder_id: uuid.UUID
    code: str
    issued_at: datetime
    checked_in_at: datetime | None = None
    checked_in_by: uuid.UUID | None = None
    voided_at: datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def check_in(self, actor: Actor, *, chapter_role: ChapterRole | None, now: datetime) -> None:
        actor.require_in_chapter(Permission.TICKETS_CHECK_IN, chapter_role)
        if self.voided_at is not None:
            raise Conflict("this ticket is void (its order was cancelled or refunded)")
        if self.checked_in_at is not None:
            raise Conflict(f"already checked in at {self.checked_in_at.isoformat()}")
        self.checked_in_at, self.checked_in_by = now, actor.user_id
        self.record(
            DomainEvent.of(
                "ticket.checked_in",
                self.organization_id,
                {"ticket_id": str(self.id), "event_id": str(self.event_id)},
                actor.user_id,
            )
        )

    def void(self, now: datetime) -> None:
        if self.voided_at is None:
            self.voided_at = now
