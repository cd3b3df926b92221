from __future__ import annotations

import uuid
from typing import Annotated

import structlog
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter, PathParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec import UNSET

from adapters.http.auth import bearer_token
from adapters.http.schemas import (
    AcceptedOut,
    ChangeRoleBody,
    CreateOrganizationBody,
    InvitationOut,
    InviteBody,
    MemberPage,
    MemberRoleOut,
    OrganizationList,
    OrganizationOut,
    UpdateOrganizationBody,
    to_struct,
)
from application.identity import hash_token
from application.invitations import AcceptInvitation, InviteMember, InviteMemberCommand
from application.member_list import ListMembersByToken
from application.organizations import (
    ChangeMemberRole,
    ChangeMemberRoleCommand,
    CreateOrganization,
    CreateOrganizationCommand,
    GetOrganization,
    ListMembersQuery,
    ListMyOrganizations,
    RemoveMember,
    RenameOrganization,
    RenameOrganizationCommand,
)
from domain.permissions import Actor, Principal, Role

Limit = Annotated[int | None, Parameter(ge=1, le=100, required=False, description="page size (1-100)")]
Cursor = Annotated[str | None, Parameter(max_length=200, required=False)]


class OrganizationController(Controller):
    path = "/api/orgs"
    tags = ["organizations"]

    @post("", summary="Create an organization; the caller becomes its owner")
    async def create(
        self,
        data: JSONBody[CreateOrganizationBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[CreateOrganization],
    ) -> OrganizationOut:
        result = await use_case.execute(principal, CreateOrganizationCommand(name=data.name, slug=data.slug))
        return to_struct(OrganizationOut, result)  # type: ignore[return-value]

    @get("", summary="Organizations I belong to")
    async def mine(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListMyOrganizations]
    ) -> OrganizationList:
        views = await use_case.execute(principal)
        return OrganizationList(items=[to_struct(OrganizationOut, v) for v in views])  # type: ignore[misc]

    @get("/{org_id:uuid}", summary="Read an organization")
    async def read(
        self, org_id: FromPath[uuid.UUID], actor: FromDishka[Actor], use_case: FromDishka[GetOrganization]
    ) -> OrganizationOut:
        return to_struct(OrganizationOut, await use_case.execute(actor))  # type: ignore[return-value]

    @patch("/{org_id:uuid}", summary="Rename an organization (admin+)")
    async def update(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[UpdateOrganizationBody],
        actor: FromDishka[Actor],
        rename: FromDishka[RenameOrganization],
        get_org: FromDishka[GetOrganization],
    ) -> OrganizationOut:
        if data.name is UNSET:
            actor_result = await get_org.execute(actor)
        else:
            actor_result = await rename.execute(actor, RenameOrganizationCommand(name=data.name))
        return to_struct(OrganizationOut, actor_result)  # type: ignore[return-value]

    @get("/{org_id:uuid}/members", summary="Members, by cursor")
    async def members(
        self,
        request: Request,  # type: ignore[type-arg]
        org_id: FromPath[uuid.UUID],
        use_case: FromDishka[ListMembersByToken],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> MemberPage:
        # The hot read: the token is checked in the same round trip that reads the page (member_list.py).
        token_hash = hash_token(bearer_token(request))
        actor, page = await use_case.execute(token_hash, org_id, ListMembersQuery(limit=limit, cursor=cursor))
        structlog.contextvars.bind_contextvars(user_id=str(actor.user_id), organization_id=str(org_id))
        return to_struct(MemberPage, page)  # type: ignore[return-value]

    @patch("/{org_id:uuid}/members/{user_id:uuid}", summary="Change a member's role (admin+)")
    async def change_role(
        self,
        org_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[ChangeRoleBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[ChangeMemberRole],
    ) -> MemberRoleOut:
        result = await use_case.execute(actor, ChangeMemberRoleCommand(user_id=user_id, role=Role(data.role)))
        return to_struct(MemberRoleOut, result)  # type: ignore[return-value]

    @delete(
        "/{org_id:uuid}/members/{user_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member (admin+), or leave (self)",
    )
    async def remove(
        self,
        org_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[RemoveMember],
    ) -> None:
        await use_case.execute(actor, user_id)

    @post(
        "/{org_id:uuid}/invitations",
        summary="Invite someone by email (admin+); the email goes out in the background",
    )
    async def invite(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[InviteBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[InviteMember],
    ) -> InvitationOut:
        result = await use_case.execute(actor, InviteMemberCommand(email=data.email, role=Role(data.role)))
        return to_struct(InvitationOut, result)  # type: ignore[return-value]


class InvitationController(Controller):
    path = "/api/invitations"
    tags = ["organizations"]

    @post("/{token:str}/accept", status_code=200, summary="Join the organization with the invited role")
    async def accept(
        self,
        token: Annotated[str, PathParameter(max_length=200)],
        principal: FromDishka[Principal],
        use_case: FromDishka[AcceptInvitation],
    ) -> AcceptedOut:
        return to_struct(AcceptedOut, await use_case.execute(principal, token))  # type: ignore[return-value]
