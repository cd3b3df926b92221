"""Request and response bodies at the HTTP edge: msgspec Structs, validated before any use case runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

Email = Annotated[str, Meta(min_length=3, max_length=254, examples=["ada@example.com"])]
Password = Annotated[str, Meta(min_length=8, max_length=256)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Slug = Annotated[str, Meta(min_length=1, max_length=63, pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
RoleName = Annotated[str, Meta(pattern=r"^(owner|admin|billing_manager|member|check_in_staff)$")]


class Input(Struct, forbid_unknown_fields=True, frozen=True):
    """Base of request bodies: an unknown field is a client's mistake worth a 400."""


class RegisterBody(Input):
    email: Email
    password: Password
    name: Name


class LoginBody(Input):
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(max_length=256)]


class CreateOrganizationBody(Input):
    name: Name
    slug: Slug


class UpdateOrganizationBody(Input):
    name: Name | UnsetType = UNSET


class ChangeRoleBody(Input):
    role: RoleName


class InviteBody(Input):
    email: Email
    role: RoleName = "member"


class UserOut(Struct):
    id: uuid.UUID
    email: str
    name: str
    created_at: datetime


class TokenOut(Struct):
    access_token: str
    expires_in: int
    token_type: str = "bearer"


class MembershipOut(Struct):
    organization_id: uuid.UUID
    role: str


class MeOut(Struct):
    id: uuid.UUID
    email: str
    name: str
    platform_admin: bool
    memberships: list[MembershipOut]


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


def to_struct(struct: type[msgspec.Struct], value: object) -> msgspec.Struct:
    """Copy a use case's result (a dataclass) into the response Struct."""
    return msgspec.convert(value, struct, from_attributes=True)
