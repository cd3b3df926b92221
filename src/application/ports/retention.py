"""Ports of the retention purge: batched deletes of what has outlived its use, and a report of what went."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class RetentionStore(Protocol):
    """Each delete removes at most ``limit`` rows and returns how many it removed (the caller loops)."""

    async def delete_published_outbox(self, published_before: datetime, limit: int) -> int: ...

    async def delete_processed_events(self, processed_before: datetime, limit: int) -> int: ...

    async def delete_stripe_events(self, received_before: datetime, limit: int) -> int: ...

    async def delete_expired_tokens(self, expired_before: datetime, limit: int) -> int:
        """Tokens that expired (or were revoked) before the time: they can never authenticate again."""
        ...

    async def organization_ids(self) -> list[uuid.UUID]:
        """Every organization, suspended ones included (their data ages like everyone's)."""
        ...

    async def delete_expired_invitations(self, organization_id: uuid.UUID, expired_before: datetime, limit: int) -> int:
        """Invitations never accepted that expired before the time."""
        ...

    async def finished_reports(
        self, organization_id: uuid.UUID, completed_before: datetime, limit: int
    ) -> list[tuple[uuid.UUID, str | None]]:
        """(id, file key) of reports completed (ready or failed) before the time."""
        ...

    async def delete_reports(self, organization_id: uuid.UUID, report_ids: list[uuid.UUID]) -> int: ...


class RetentionMetrics(Protocol):
    def removed(self, kind: str, count: int) -> None: ...
