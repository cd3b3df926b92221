"""Bodies of chapters, teams and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from adapters.http.schema_kit import Input, Name, Patch, Slug, Timezone

City = Annotated[str, Meta(max_length=200)]


class CreateChapterBody(Input, frozen=True):
    name: Name
    slug: Slug
    city: City | None = None
    timezone: Timezone | None = None


class UpdateChapterBody(Patch, frozen=True):
    name: Name | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    city: City | UnsetType | None = UNSET
    timezone: Timezone | UnsetType | None = UNSET


class ChapterOut(Struct):
    id: uuid.UUID
    name: str
    slug: str
    city: str | None
    timezone: str | None
    created_at: datetime


class ChapterPage(Struct):
    items: list[ChapterOut]
    next_cursor: str | None


class AddChapterMemberBody(Input, frozen=True):
    """Without user_id: the caller joins. With it: a lead or an admin adds someone."""

    user_id: uuid.UUID | None = None
    role: Annotated[str, Meta(pattern=r"^(lead|member)$")] = "member"


class GroupMemberOut(Struct):
    user_id: uuid.UUID
    name: str
    email: str
    role: str
    joined_at: datetime


class GroupMembershipOut(Struct):
    user_id: uuid.UUID
    role: str
    joined_at: datetime


class GroupMemberPage(Struct):
    items: list[GroupMemberOut]
    next_cursor: str | None


class CreateTeamBody(Input, frozen=True):
    name: Name
    chapter_id: uuid.UUID | None = None


class UpdateTeamBody(Input, frozen=True):
    name: Name


class TeamOut(Struct):
    id: uuid.UUID
    name: str
    chapter_id: uuid.UUID | None
    created_at: datetime


class TeamPage(Struct):
    items: list[TeamOut]
    next_cursor: str | None


class AddTeamMemberBody(Input, frozen=True):
    user_id: uuid.UUID | None = None
