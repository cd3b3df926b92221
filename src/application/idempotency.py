"""Idempotency keys for any creating use case (order placement today; any other order route alike).

A client sends a key of its choosing with a creating request; the use case stores the key with a digest of
the request and the id of what it created, in the creation's own transaction. A repeat of the key finds the
record and answers with the resource it names instead of creating another one, even when the first answer
never reached the client (a 500, a timeout). The same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from application.ports.idempotency import IdempotencyKeyRepository, IdempotencyRecord
from domain.errors import IdempotencyKeyReused, InvalidInput

MAX_KEY_LENGTH = 255


def checked_key(raw: str) -> str:
    """Printable ASCII, 1 to 255 characters (what the header and the stored column allow)."""
    if not 1 <= len(raw) <= MAX_KEY_LENGTH or not all(" " < c <= "~" for c in raw):
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    return raw


def fingerprint(request: Any) -> str:
    """A digest of the request's meaning (JSON-able values; ids and numbers rendered as text)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def resource_of(record: IdempotencyRecord | None, digest: str) -> uuid.UUID | None:
    """The resource a held key created (None when the key is free); a different request under it is refused."""
    if record is None:
        return None
    if record.fingerprint != digest:
        raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request")
    return record.resource_id


async def held(
    keys: IdempotencyKeyRepository, user_id: uuid.UUID, scope: str, key: str, digest: str
) -> uuid.UUID | None:
    return resource_of(await keys.get(user_id, scope, key), digest)


async def claim(
    keys: IdempotencyKeyRepository,
    user_id: uuid.UUID,
    scope: str,
    key: str,
    digest: str,
    resource_id: uuid.UUID,
) -> uuid.UUID | None:
    """Take the key for ``resource_id`` in the current transaction: None when taken, else the resource a
    concurrent request with the same key created first (the caller rolls back and answers with that one)."""
    return resource_of(await keys.claim(user_id, scope, key, IdempotencyRecord(digest, resource_id)), digest)
