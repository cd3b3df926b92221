"""The member list in one round trip: app_members_page() authenticates, sets the scope and reads.

One statement outside any transaction block: the function's SET LOCAL (through app_scope) lasts exactly
as long as that statement's own transaction, so nothing is left on the connection afterwards.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.persistence.connection import RequestConnection
from adapters.persistence.identity.queries import authentication_of
from application.ports.auth import Authentication
from application.ports.queries import MemberView

_PAGE = "SELECT * FROM app_members_page_v2($1, $2, $3, $4, $5)"


class PgMemberPages:
    def __init__(self, connection: RequestConnection) -> None:
        self._connection = connection

    async def members_page(
        self,
        token_hash: bytes,
        organization_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> tuple[Authentication, list[MemberView]]:
        conn = await self._connection.for_single_statement()
        after_at, after_user = after if after else (None, None)
        rows = await conn.fetch(_PAGE, token_hash, organization_id, limit, after_at, after_user)
        first = rows[0] if rows else None
        auth = None if first is None else {
            "user_id": first[0], "platform_admin": first[1], "role": first[2], "suspended": first[3],
            "deleting": first[4],
        }  # fmt: skip
        authentication = authentication_of(auth, organization_id)
        return authentication, [MemberView(r[5], r[6], r[7], r[8], r[9]) for r in rows[1:]]
