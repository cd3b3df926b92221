"""Bodies of organizations, members, invitations and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.identity.schemas import Email
from adapters.http.schema_kit import Input, Name, Slug

RoleName = Annotated[str, Meta(pattern=r"^(owner|admin|billing_manager|member|check_in_staff)$")]


class CreateOrganizationBody(Input, frozen=True):
    name: Name
    slug: Slug


class UpdateOrganizationBody(Input, frozen=True):
    name: Name | UnsetType = UNSET


class ChangeRoleBody(Input, frozen=True):
    role: RoleName


class InviteBody(Input, frozen=True):
    email: Email
    role: RoleName = "member"


class OrganizationOut(Struct):
    id: uuid.UUID
    name: str
    slug: str
    created_at: datetime
    role: str


class OrganizationList(Struct):
    items: list[OrganizationOut]
    next_cursor: str | None = None


class MemberOut(Struct):
    user_id: uuid.UUID
    name: str
    email: str
    role: str
    joined_at: datetime


class MemberPage(Struct):
    items: list[MemberOut]
    next_cursor: str | None


class MemberRoleOut(Struct):
    user_id: uuid.UUID
    role: str
    joined_at: datetime


class InvitationOut(Struct):
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime


class AcceptedOut(Struct):
    organization_id: uuid.UUID
    role: str


class AuditEntryOut(Struct):
    id: uuid.UUID
    actor_id: uuid.UUID | None
    action: str
    target: dict[str, Any]
    occurred_at: datetime


class AuditPage(Struct):
    items: list[AuditEntryOut]
    next_cursor: str | None
