"""A report whose generation fails ends `failed` with words an admin can read, on the memory twin and on
PostgreSQL alike; a later successful attempt of the job still completes it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.memory.reports import MemoryFileStore
from application.ports.jobs import OutboxEvent
from application.ports.reports import CsvRow
from application.reports import GENERATION_FAILED, GenerateReport
from domain.permissions import Role
from domain.reports import REPORT_REQUESTED, Report, ReportKind, ReportStatus
from tests.fixtures.backends import Backend

INTERNALS = "connection to 10.0.0.7:5432 refused (pg_hba.conf)"


class FlakySource:
    """Members rows; the first `failures` reads break down midway, as a lost database connection would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    def header(self, kind: str) -> CsvRow:
        return ["user_id"]

    async def members(self, organization_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        yield [str(organization_id)]
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError(INTERNALS)

    async def attendees(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> AsyncIterator[CsvRow]:
        raise AssertionError("a members report reads no attendees")
        yield []

    async def event_exists(self, organization_id: uuid.UUID, event_id: uuid.UUID) -> bool:
        return False


async def requested_report(b: Backend) -> tuple[Report, OutboxEvent]:
    _, (admin,) = await b.organization(Role.OWNER)
    report = Report.request(admin, kind=ReportKind.MEMBERS, event_id=None, now=b.clock.now())
    async with b.uow(admin.organization_id, admin.user_id) as uow:
        await uow.reports.add(report)
        await uow.commit()
    event = OutboxEvent(
        id=uuid.uuid4(),
        name=REPORT_REQUESTED,
        organization_id=admin.organization_id,
        payload={"report_id": str(report.id), "kind": report.kind.value},
        actor_id=admin.user_id,
        occurred_at=b.clock.now(),
    )
    return report, event


async def stored(b: Backend, report: Report) -> Report:
    async with b.uow(report.organization_id) as uow:
        found = await uow.reports.get(report.id)
    assert found is not None
    return found


async def test_a_failed_generation_marks_the_report_failed_with_a_readable_error(backend: Backend) -> None:
    report, event = await requested_report(backend)
    generate = GenerateReport(backend.uow, FlakySource(failures=1), MemoryFileStore(), backend.clock)

    with pytest.raises(ConnectionError):  # re-raised: the job's retry runs again
        await generate.handle(event)

    failed = await stored(backend, report)
    assert failed.status == ReportStatus.FAILED and failed.completed_at is not None
    assert failed.error == GENERATION_FAILED and INTERNALS not in failed.error
    assert failed.file_key is None and failed.row_count is None


async def test_a_later_successful_attempt_still_completes_a_failed_report(backend: Backend) -> None:
    report, event = await requested_report(backend)
    files = MemoryFileStore()
    generate = GenerateReport(backend.uow, FlakySource(failures=1), files, backend.clock)
    with pytest.raises(ConnectionError):
        await generate.handle(event)

    await generate.handle(event)  # the retry

    ready = await stored(backend, report)
    assert (ready.status, ready.row_count, ready.error) == (ReportStatus.READY, 1, None)
    assert ready.file_key is not None and files.files[ready.file_key].startswith(b"user_id")
