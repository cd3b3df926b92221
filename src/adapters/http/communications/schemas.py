"""Bodies of announcements."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from msgspec import Meta, Struct

from adapters.http.schema_kit import Input
from domain.announcements import MAX_BODY, MAX_SUBJECT


class AnnouncementBody(Input, frozen=True):
    audience: Literal["org", "chapter", "team", "event"]
    subject: Annotated[str, Meta(min_length=1, max_length=MAX_SUBJECT)]
    body: Annotated[str, Meta(min_length=1, max_length=MAX_BODY)]
    target_id: uuid.UUID | None = None


class AnnouncementAcceptedOut(Struct):
    id: uuid.UUID
    audience: str
    target_id: uuid.UUID | None
    status: str = "queued"
