"""In-memory twins of the report ports: repository, row source, file store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator

from adapters.memory.store import MemoryStore
from application.ports.reports import REPORT_HEADERS, CsvRow
from domain.errors import NotFound
from domain.reports import Report


class MemoryReportRepository:
    def __init__(self, store: MemoryStore, organization_id: uuid.UUID | None) -> None:
        self._store, self._org = store, organization_id

    async def add(self, report: Report) -> None:
        self._store.table("reports")[(report.organization_id, report.id)] = report

    async def get(self, report_id: uuid.UUID) -> Report | None:
        report: Report | None = self._store.table("reports").get((self._org, report_id))
        return report


class MemoryReportSource:
    """Members from the store; attendees from the ``tickets`` table the ticketing twin keeps, when present."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def header(self, kind: str) -> CsvRow:
        return REPORT_HEADERS[kind]

    async def members(self, organization_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        memberships = [m for (org, _), m in self._store.memberships.items() if org == organization_id]
        for m in sorted(memberships, key=lambda m: (m.joined_at, m.user_id)):
            user = self._store.users.get(m.user_id)
            yield (
                str(m.user_id),
                user.name if user else "",
                user.email if user else "",
                m.role.value,
                m.joined_at.isoformat(),
            )

    async def attendees(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        for ticket in list(self._store.table("tickets").values()):
            if ticket.organization_id != organization_id or ticket.event_id != event_id or ticket.voided_at:
                continue
            user = self._store.users.get(ticket.holder_id)
            yield (
                str(ticket.id),
                ticket.code,
                str(ticket.ticket_type_id),
                str(ticket.holder_id),
                user.name if user else "",
                user.email if user else "",
                ticket.checked_in_at.isoformat() if ticket.checked_in_at else "",
            )

    async def event_exists(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> bool:
        event = self._store.table("events").get(event_id) or self._store.table("events").get(
            (organization_id, event_id)
        )
        return event is not None and event.organization_id == organization_id


class MemoryFileStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        data = b"".join([chunk async for chunk in chunks])
        self.files[key] = data
        return len(data)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        if key not in self.files:
            raise NotFound("file not found")
        yield self.files[key]

    async def delete(self, key: str) -> None:
        self.files.pop(key, None)
