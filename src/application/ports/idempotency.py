"""Idempotency keys of creating requests: which resource a (user, scope, key) created, and from what request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str  # a digest of the request the key first came with
    resource_id: uuid.UUID  # what that request created


class IdempotencyKeyRepository(Protocol):
    """In a unit of work, scoped to its organization: the key commits with the resource it created."""

    async def get(self, user_id: uuid.UUID, scope: str, key: str) -> IdempotencyRecord | None: ...

    async def claim(
        self, user_id: uuid.UUID, scope: str, key: str, record: IdempotencyRecord
    ) -> IdempotencyRecord | None:
        """Store ``record`` under the key in this transaction and return None; when the key is taken already,
        return the record holding it. A concurrent transaction holding the same key is waited for: committed,
        its record is returned; rolled back, this claim takes the key."""
        ...
