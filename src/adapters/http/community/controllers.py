"""Routes of chapters, teams and their members."""

from __future__ import annotations

import uuid
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec.structs import asdict

from adapters.http.community.schemas import (
    AddChapterMemberBody,
    AddTeamMemberBody,
    ChapterOut,
    ChapterPage,
    CreateChapterBody,
    CreateTeamBody,
    GroupMemberPage,
    GroupMembershipOut,
    TeamOut,
    TeamPage,
    UpdateChapterBody,
    UpdateTeamBody,
)
from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from application.community import (
    AddChapterMember,
    AddChapterMemberCommand,
    AddTeamMember,
    ChapterCommand,
    CreateChapter,
    CreateTeam,
    CreateTeamCommand,
    DeleteChapter,
    DeleteTeam,
    GetChapter,
    GetTeam,
    ListChapterMembers,
    ListChapters,
    ListTeamMembers,
    ListTeams,
    ListTeamsQuery,
    PageQuery,
    RemoveTeamMember,
    RenameTeam,
    RenameTeamCommand,
    TeamMemberCommand,
    UpdateChapter,
    UpdateChapterCommand,
)
from domain.permissions import Actor, ChapterRole


class ChapterController(Controller):
    path = "/api/orgs/{org_id:uuid}/chapters"
    tags = ["chapters and teams"]

    @get("", summary="Chapters, by cursor")
    async def list_chapters(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListChapters], limit: Limit = None, cursor: Cursor = None
    ) -> ChapterPage:
        return to_struct(await use_case.execute(actor, PageQuery(limit, cursor)), ChapterPage)

    @post("", summary="Create a chapter (admin+)")
    async def create(
        self, data: JSONBody[CreateChapterBody], actor: FromDishka[Actor], use_case: FromDishka[CreateChapter]
    ) -> ChapterOut:
        return to_struct(await use_case.execute(actor, ChapterCommand(**asdict(data))), ChapterOut)

    @get("/{chapter_id:uuid}", summary="Read a chapter")
    async def read(self, chapter_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetChapter]) -> ChapterOut:
        return to_struct(await use_case.execute(actor, chapter_id), ChapterOut)

    @patch("/{chapter_id:uuid}", summary="Edit a chapter (admins and its leads)")
    async def update(
        self,
        chapter_id: Id,
        data: JSONBody[UpdateChapterBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateChapter],
    ) -> ChapterOut:
        result = await use_case.execute(actor, UpdateChapterCommand(chapter_id=chapter_id, changes=data.changes()))
        return to_struct(result, ChapterOut)

    @delete("/{chapter_id:uuid}", status_code=HTTP_204_NO_CONTENT, summary="Delete a chapter without events (admin+)")
    async def remove(self, chapter_id: Id, actor: FromDishka[Actor], use_case: FromDishka[DeleteChapter]) -> None:
        await use_case.execute(actor, chapter_id)

    @get("/{chapter_id:uuid}/members", summary="The chapter's members and leads")
    async def members(
        self,
        chapter_id: Id,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListChapterMembers],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> GroupMemberPage:
        return to_struct(await use_case.execute(actor, chapter_id, PageQuery(limit, cursor)), GroupMemberPage)

    @post("/{chapter_id:uuid}/members", summary="Join (no user_id) or add someone (leads and admins)")
    async def add_member(
        self,
        chapter_id: Id,
        data: JSONBody[AddChapterMemberBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[AddChapterMember],
    ) -> GroupMembershipOut:
        command = AddChapterMemberCommand(chapter_id=chapter_id, user_id=data.user_id, role=ChapterRole(data.role))
        return to_struct(await use_case.execute(actor, command), GroupMembershipOut)


class TeamController(Controller):
    path = "/api/orgs/{org_id:uuid}/teams"
    tags = ["chapters and teams"]

    @get("", summary="Teams, by cursor (optionally of one chapter)")
    async def list_teams(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListTeams],
        chapter_id: Annotated[uuid.UUID | None, Parameter(required=False)] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> TeamPage:
        page = await use_case.execute(actor, ListTeamsQuery(chapter_id=chapter_id, limit=limit, cursor=cursor))
        return to_struct(page, TeamPage)

    @post("", summary="Create a team (admins; a chapter's leads under their chapter)")
    async def create(
        self, data: JSONBody[CreateTeamBody], actor: FromDishka[Actor], use_case: FromDishka[CreateTeam]
    ) -> TeamOut:
        result = await use_case.execute(actor, CreateTeamCommand(name=data.name, chapter_id=data.chapter_id))
        return to_struct(result, TeamOut)

    @get("/{team_id:uuid}", summary="Read a team")
    async def read(self, team_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetTeam]) -> TeamOut:
        return to_struct(await use_case.execute(actor, team_id), TeamOut)

    @patch("/{team_id:uuid}", summary="Rename a team")
    async def update(
        self, team_id: Id, data: JSONBody[UpdateTeamBody], actor: FromDishka[Actor], use_case: FromDishka[RenameTeam]
    ) -> TeamOut:
        result = await use_case.execute(actor, RenameTeamCommand(team_id=team_id, name=data.name))
        return to_struct(result, TeamOut)

    @delete("/{team_id:uuid}", status_code=HTTP_204_NO_CONTENT, summary="Delete a team")
    async def remove(self, team_id: Id, actor: FromDishka[Actor], use_case: FromDishka[DeleteTeam]) -> None:
        await use_case.execute(actor, team_id)

    @get("/{team_id:uuid}/members", summary="The team's members")
    async def members(
        self,
        team_id: Id,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListTeamMembers],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> GroupMemberPage:
        return to_struct(await use_case.execute(actor, team_id, PageQuery(limit, cursor)), GroupMemberPage)

    @post("/{team_id:uuid}/members", summary="Join (no user_id) or add someone (team managers)")
    async def add_member(
        self,
        team_id: Id,
        data: JSONBody[AddTeamMemberBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[AddTeamMember],
    ) -> GroupMembershipOut:
        result = await use_case.execute(actor, TeamMemberCommand(team_id=team_id, user_id=data.user_id))
        return to_struct(result, GroupMembershipOut)

    @delete(
        "/{team_id:uuid}/members/{user_id:uuid}", status_code=HTTP_204_NO_CONTENT, summary="Leave, or remove someone"
    )
    async def remove_member(
        self, team_id: Id, user_id: Id, actor: FromDishka[Actor], use_case: FromDishka[RemoveTeamMember]
    ) -> None:
        await use_case.execute(actor, TeamMemberCommand(team_id=team_id, user_id=user_id))
