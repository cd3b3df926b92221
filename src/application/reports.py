"""Reports: requested over HTTP (202), written by a job as a streamed CSV, downloaded by the org's admins."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from application.ports.clock import Clock
from application.ports.jobs import OutboxEvent
from application.ports.reports import CsvRow, FileStore, ReportSource, ReportsUnitOfWorkFactory
from domain.errors import Conflict, NotFound
from domain.permissions import Actor, Permission
from domain.reports import REPORT_REQUESTED, Report, ReportKind, ReportStatus

_FLUSH_BYTES = 64 * 1024
# Spreadsheet apps run cells starting with these as formulas (CSV injection): quote them as text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RequestReportCommand:
    kind: ReportKind
    event_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ReportView:
    id: uuid.UUID
    kind: str
    status: str
    event_id: uuid.UUID | None
    requested_at: datetime
    completed_at: datetime | None
    row_count: int | None
    error: str | None


def _view(report: Report) -> ReportView:
    return ReportView(
        id=report.id,
        kind=report.kind.value,
        status=report.status.value,
        event_id=report.event_id,
        requested_at=report.requested_at,
        completed_at=report.completed_at,
        row_count=report.row_count,
        error=report.error,
    )


class RequestReport:
    """Stores a pending report; its event (outbox) makes a worker generate it."""

    def __init__(self, uow: ReportsUnitOfWorkFactory, source: ReportSource, clock: Clock) -> None:
        self._uow, self._source, self._clock = uow, source, clock

    async def execute(self, actor: Actor, command: RequestReportCommand) -> ReportView:
        report = Report.request(actor, kind=command.kind, event_id=command.event_id, now=self._clock.now())
        if report.event_id is not None and not await self._source.event_exists(actor.organization_id, report.event_id):
            raise NotFound("event not found")
        async with self._uow(actor.organization_id, actor.user_id) as uow:
            await uow.reports.add(report)
            uow.collect(report)
            await uow.commit()
        return _view(report)


async def _report_for_admins(uow: ReportsUnitOfWorkFactory, actor: Actor, report_id: uuid.UUID) -> Report:
    """Reports hold members' email addresses: the organization's admins only."""
    actor.require(Permission.MEMBERS_MANAGE)
    async with uow(actor.organization_id, actor.user_id) as reports:
        report = await reports.reports.get(report_id)
    if report is None:
        raise NotFound("report not found")
    return report


class GetReport:
    def __init__(self, uow: ReportsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor, report_id: uuid.UUID) -> ReportView:
        report = await _report_for_admins(self._uow, actor, report_id)
        return _view(report)


@dataclass(frozen=True)
class ReportDownload:
    filename: str
    chunks: AsyncIterator[bytes]


class DownloadReport:
    """The CSV, streamed; only the organization's admins (the file holds members' email addresses)."""

    def __init__(self, uow: ReportsUnitOfWorkFactory, files: FileStore) -> None:
        self._uow, self._files = uow, files

    async def execute(self, actor: Actor, report_id: uuid.UUID) -> ReportDownload:
        report = await _report_for_admins(self._uow, actor, report_id)
        if report.status != ReportStatus.READY or report.file_key is None:
            raise Conflict(f"this report is {report.status.value}, not ready")
        filename = f"{report.kind.value}-{report.requested_at:%Y%m%d-%H%M%S}.csv"
        chunks = self._files.read(report.file_key)
        # Open the file now: a missing one is a 404 before the response starts, not a stream broken after a 200.
        try:
            first = await anext(chunks)
        except StopAsyncIteration:
            first = b""
        return ReportDownload(filename=filename, chunks=_starting_with(first, chunks))


async def _starting_with(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


def _safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value


async def csv_chunks(header: CsvRow, rows: AsyncIterable[CsvRow], counter: list[int]) -> AsyncIterator[bytes]:
    """CSV in ~64 KiB chunks: memory stays constant however many rows there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    async for row in rows:
        writer.writerow([_safe_cell(cell) for cell in row])
        counter[0] += 1
        if buffer.tell() >= _FLUSH_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


# What the organization's admins read when generation fails; the cause itself goes to the log only.
GENERATION_FAILED = (
    "The report could not be generated. It is retried automatically; if it stays failed, request it again."
)


class GenerateReport:
    """On ``report.requested``: stream the rows into the file store, then mark the report ready.

    Idempotent by state: a ready report is left alone, and the file key is the report's own, so a repeated
    run overwrites the same file with the same content.

    When generation raises, the report is marked failed at once (so nobody waits on a report stuck in
    pending), and the error re-raised so the job's retries run it again: a later successful attempt, or a
    replay of the dead letter, still completes it. The handler does not know which attempt is the last, and
    need not: `failed` is only final once the job's retries are spent.
    """

    name = "reports.generate"
    event_names = frozenset({REPORT_REQUESTED})
    claims_in_transaction = False

    def __init__(self, uow: ReportsUnitOfWorkFactory, source: ReportSource, files: FileStore, clock: Clock) -> None:
        self._uow, self._source, self._files, self._clock = uow, source, files, clock

    async def handle(self, event: OutboxEvent) -> None:
        if event.organization_id is None:
            return
        organization_id = event.organization_id
        report_id = uuid.UUID(str(event.payload["report_id"]))
        async with self._uow(organization_id) as uow:
            report = await uow.reports.get(report_id)
        if report is None or not report.to_generate:
            return
        try:
            key, row_count = await self._write(report)
        except Exception:
            await self._settle(
                organization_id, report_id, lambda r: r.fail(error=GENERATION_FAILED, now=self._clock.now())
            )
            raise
        await self._settle(
            organization_id, report_id, lambda r: r.complete(file_key=key, row_count=row_count, now=self._clock.now())
        )

    async def _write(self, report: Report) -> tuple[str, int]:
        if report.kind == ReportKind.ATTENDEES and report.event_id is not None:
            rows = self._source.attendees(report.organization_id, report.event_id)
        else:
            rows = self._source.members(report.organization_id)
        counter = [0]
        key = report.file_key_for()
        await self._files.write(key, csv_chunks(self._source.header(report.kind.value), rows, counter))
        return key, counter[0]

    async def _settle(self, organization_id: uuid.UUID, report_id: uuid.UUID, change: Callable[[Report], None]) -> None:
        async with self._uow(organization_id) as uow:
            report = await uow.reports.get(report_id)
            if report is None or not report.to_generate:
                return  # completed meanwhile by a concurrent run
            change(report)
            await uow.reports.add(report)
            await uow.commit()
