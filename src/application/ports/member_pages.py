"""The hot authenticated read as one port call: who is asking and the page they asked for, together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from application.ports.auth import Authentication
from application.ports.queries import MemberView


class MemberPagesByToken(Protocol):
    async def members_page(
        self,
        token_hash: bytes,
        organization_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> tuple[Authentication, list[MemberView]]:
        """Authenticate as Authenticator.authenticate does (same errors) and, when the caller is a member,
        return up to `limit` members ordered by (joined_at, user_id) strictly after `after` (else none)."""
        ...
