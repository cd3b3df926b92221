"""Bodies of reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from adapters.http.schema_kit import Input


class ReportBody(Input, frozen=True):
    kind: Annotated[Literal["members", "attendees"], Meta(description="members, or an event's attendees")]
    event_id: uuid.UUID | None = None


class ReportAccepted(Struct):
    report_id: uuid.UUID
    status: str


class ReportOut(Struct):
    id: uuid.UUID
    kind: str
    status: str
    event_id: uuid.UUID | None
    requested_at: datetime
    completed_at: datetime | None
    row_count: int | None
    download_url: str | None
