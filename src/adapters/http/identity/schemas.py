"""Bodies of sign-up, log-in and the caller."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from adapters.http.schema_kit import Input, Name

Email = Annotated[str, Meta(min_length=3, max_length=254, examples=["ada@example.com"])]
Password = Annotated[str, Meta(min_length=8, max_length=256)]


class RegisterBody(Input, frozen=True):
    email: Email
    password: Password
    name: Name


class LoginBody(Input, frozen=True):
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(max_length=256)]


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
    email_verified: bool


class ProfileBody(Input, frozen=True):
    name: Name


class ChangePasswordBody(Input, frozen=True):
    current_password: Annotated[str, Meta(max_length=256)]
    new_password: Password


class PasswordResetBody(Input, frozen=True):
    email: Annotated[str, Meta(max_length=254)]


# Account tokens are 43 base64url characters; anything longer is refused before decoding.
AccountTokenText = Annotated[str, Meta(min_length=1, max_length=64)]


class PasswordResetConfirmBody(Input, frozen=True):
    token: AccountTokenText
    password: Password


class VerifyEmailBody(Input, frozen=True):
    token: AccountTokenText
