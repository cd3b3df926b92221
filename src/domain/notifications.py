"""In-app notifications: stored for one user in one organization, pushed live, marked read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import InvalidInput, NotFound
from domain.identity import check_text
from domain.ids import new_id

MAX_KIND = 64
MAX_TITLE = 200
MAX_BODY = 4000

_last_id = 0


def next_notification_id() -> uuid.UUID:
    """A UUIDv7 strictly greater than the previous one made by this process: notifications made in one
    millisecond keep their order, which is the order a reconnecting socket resumes by."""
    global _last_id
    candidate = new_id().int
    _last_id = candidate if candidate > _last_id else _last_id + 1
    return uuid.UUID(int=_last_id)


@dataclass(eq=False)
class Notification:
    organization_id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    id: uuid.UUID = field(default_factory=next_notification_id)
    read_at: datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        kind: str,
        title: str,
        body: str = "",
        data: dict[str, Any] | None = None,
        now: datetime,
    ) -> Notification:
        for value, what in ((kind, "kind"), (title, "title"), (body, "body")):
            check_text(value, what)
        if not kind or len(kind) > MAX_KIND:
            raise InvalidInput(f"kind must have 1 to {MAX_KIND} characters")
        if not title.strip() or len(title) > MAX_TITLE:
            raise InvalidInput(f"title must have 1 to {MAX_TITLE} characters")
        if len(body) > MAX_BODY:
            raise InvalidInput(f"body must have at most {MAX_BODY} characters")
        return cls(
            organization_id=organization_id,
            user_id=user_id,
            kind=kind,
            title=title.strip(),
            body=body,
            data=dict(data or {}),
            created_at=now,
        )

    def mark_read(self, user_id: uuid.UUID, now: datetime) -> None:
        """Only the recipient reads it; anyone else is told it does not exist. Idempotent."""
        if user_id != self.user_id:
            raise NotFound("notification not found")
        if self.read_at is None:
            self.read_at = now
