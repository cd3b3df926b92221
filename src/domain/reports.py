"""Reports: CSV exports an organization's admins request and download (members, an event's attendees)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import Conflict, InvalidInput
from domain.events import Aggregate, DomainEvent
from domain.ids import new_id
from domain.permissions import Actor, Permission

REPORT_REQUESTED = "report.requested"


class ReportKind(StrEnum):
    MEMBERS = "members"
    ATTENDEES = "attendees"


class ReportStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


@dataclass(eq=False)
class Report(Aggregate):
    organization_id: uuid.UUID
    kind: ReportKind
    requested_by: uuid.UUID
    requested_at: datetime
    event_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
    status: ReportStatus = ReportStatus.PENDING
    completed_at: datetime | None = None
    file_key: str | None = None
    row_count: int | None = None
    error: str | None = None

    @classmethod
    def request(cls, actor: Actor, *, kind: ReportKind, event_id: uuid.UUID | None, now: datetime) -> Report:
        # Exports hold every member's email address: admins (and owners) only.
        actor.require(Permission.MEMBERS_MANAGE)
        if kind == ReportKind.ATTENDEES and event_id is None:
            raise InvalidInput("an attendees report needs an event_id")
        if kind == ReportKind.MEMBERS and event_id is not None:
            raise InvalidInput("a members report takes no event_id")
        report = cls(
            organization_id=actor.organization_id,
            kind=kind,
            requested_by=actor.user_id,
            requested_at=now,
            event_id=event_id,
        )
        report.record(
            DomainEvent.of(
                REPORT_REQUESTED,
                actor.organization_id,
                {"report_id": str(report.id), "kind": kind.value},
                actor.user_id,
            )
        )
        return report

    def file_key_for(self) -> str:
        return f"reports/{self.organization_id}/{self.id}.csv"

    @property
    def to_generate(self) -> bool:
        """Pending, or failed: a retry of its job (or a replay) may still complete a failed report."""
        return self.status != ReportStatus.READY

    def complete(self, *, file_key: str, row_count: int, now: datetime) -> None:
        if not self.to_generate:
            raise Conflict("this report is ready already")
        self.status, self.file_key, self.row_count, self.completed_at = ReportStatus.READY, file_key, row_count, now
        self.error = None

    def fail(self, *, error: str, now: datetime) -> None:
        """`error` is shown to the organization's admins: plain words, never the exception's internals."""
        if not self.to_generate:
            raise Conflict("this report is ready already")
        self.status, self.error, self.completed_at = ReportStatus.FAILED, error[:500], now
