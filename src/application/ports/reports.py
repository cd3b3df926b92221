"""Ports of reports: their repository, the rows they export, and where the files go."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Protocol

from application.ports.persistence import UnitOfWork
from domain.reports import Report

CsvRow = Sequence[str]

# The header row of each kind of report, shared by every row source.
REPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "members": ("user_id", "name", "email", "role", "joined_at"),
    "attendees": (
        "ticket_id",
        "code",
        "ticket_type_id",
        "holder_user_id",
        "holder_name",
        "holder_email",
        "checked_in_at",
    ),
}


class ReportRepository(Protocol):
    """Reports of the unit of work's organization only."""

    async def add(self, report: Report) -> None: ...

    async def get(self, report_id: uuid.UUID) -> Report | None: ...


class ReportsUnitOfWork(UnitOfWork, Protocol):
    reports: ReportRepository


class ReportsUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> ReportsUnitOfWork: ...


class ReportSource(Protocol):
    """Streams the rows of a report in one organization (bounded memory, whatever its size)."""

    def header(self, kind: str) -> CsvRow: ...

    def members(self, organization_id: uuid.UUID) -> AsyncIterator[CsvRow]: ...

    def attendees(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> AsyncIterator[CsvRow]: ...

    async def event_exists(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> bool: ...


class FileStore(Protocol):
    """Opaque keys to byte streams; a write becomes visible whole or not at all."""

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Stores the stream under ``key`` and returns its size in bytes."""
        ...

    def read(self, key: str) -> AsyncIterator[bytes]:
        """Raises domain.errors.NotFound when there is no such file."""
        ...

    async def delete(self, key: str) -> None: ...
