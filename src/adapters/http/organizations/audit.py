"""Route of the audit log."""

from __future__ import annotations

import uuid

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get
from litestar.params import FromPath

from adapters.http.organizations import Cursor, Limit
from adapters.http.schemas import to_struct
from adapters.http.ticketing_schemas import AuditPage
from application.audit import ListAuditLog, ListAuditLogQuery
from domain.permissions import Actor


class AuditLogController(Controller):
    path = "/api/orgs/{org_id:uuid}/audit-log"
    tags = ["audit"]

    @get("", summary="Who did what, when: newest first (admin+)")
    async def list_entries(
        self,
        org_id: FromPath[uuid.UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[ListAuditLog],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> AuditPage:
        page = await use_case.execute(actor, ListAuditLogQuery(limit=limit, cursor=cursor))
        return to_struct(AuditPage, page)  # type: ignore[return-value]
