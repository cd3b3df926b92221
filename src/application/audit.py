"""Use case of the audit log: who did what, when, in an organization (admin+)."""

from __future__ import annotations

from application.pagination import PageQuery, clamp_limit, decode_cursor, page_of
from application.ports.audit import AuditEntryView, AuditQueries
from application.ports.queries import Page
from domain.permissions import Actor, Permission

ListAuditLogQuery = PageQuery


class ListAuditLog:
    def __init__(self, queries: AuditQueries) -> None:
        self._queries = queries

    async def execute(self, actor: Actor, query: ListAuditLogQuery) -> Page[AuditEntryView]:
        actor.require(Permission.AUDIT_READ)
        limit = clamp_limit(query.limit)
        rows = await self._queries.list_entries(
            actor.organization_id, limit=limit + 1, before=decode_cursor(query.cursor)
        )
        return page_of(rows, limit, lambda e: (e.occurred_at, e.id))
