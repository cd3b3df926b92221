"""Bodies of the platform operators' API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from adapters.http.schema_kit import EntitlementValue, Input


class UsageOut(Struct):
    used: int
    limit: EntitlementValue


class AdminOrganizationOut(Struct):
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    suspended_at: datetime | None
    plan: str
    subscription_status: str
    effective_plan: str
    member_count: int
    entitlements: dict[str, EntitlementValue]
    usage: dict[str, UsageOut]
    over_limits: list[str]


class AdminOrganizationPage(Struct):
    items: list[AdminOrganizationOut]
    next_cursor: str | None


class SuspendBody(Input, frozen=True):
    reason: Annotated[str, Meta(max_length=500)] | None = None


class SuspensionOut(Struct):
    id: uuid.UUID
    suspended_at: datetime | None
