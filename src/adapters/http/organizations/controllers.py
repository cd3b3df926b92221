"""Routes of organizations, their members, invitations and audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

import structlog
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from msgspec import UNSET

from adapters.http.auth import bearer_token
from adapters.http.organizations.schemas import (
    AcceptedOut,
    AuditPage,
    ChangeRoleBody,
    CreateOrganizationBody,
    InvitationOut,
    InviteBody,
    MemberPage,
    MemberRoleOut,
    OrganizationList,
    OrganizationOut,
    UpdateOrganizationBody,
)
from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from application.audit import ListAuditLog, ListAuditLogQuery
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
    ListMyOrganizationsQuery,
    RemoveMember,
    RenameOrganization,
    RenameOrganizationCommand,
)
from domain.permissions import Actor, Principal, Role


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
        return to_struct(result, OrganizationOut)

    @get("", summary="Organizations I belong to")
    async def mine(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListMyOrganizations],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> OrganizationList:
        page = await use_case.execute(principal, ListMyOrganizationsQuery(limit=limit, cursor=cursor))
        items = [to_struct(v, OrganizationOut) for v in page.items]
        return OrganizationList(items=items, next_cursor=page.next_cursor)

    @get("/{org_id:uuid}", summary="Read an organization")
    async def read(self, actor: FromDishka[Actor], use_case: FromDishka[GetOrganization]) -> OrganizationOut:
        return to_struct(await use_case.execute(actor), OrganizationOut)

    @patch("/{org_id:uuid}", summary="Rename an organization (admin+)")
    async def update(
        self,
        data: JSONBody[UpdateOrganizationBody],
        actor: FromDishka[Actor],
        rename: FromDishka[RenameOrganization],
        get_org: FromDishka[GetOrganization],
    ) -> OrganizationOut:
        if data.name is UNSET:
            result = await get_org.execute(actor)
        else:
            result = await rename.execute(actor, RenameOrganizationCommand(name=data.name))
        return to_struct(result, OrganizationOut)

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
        return to_struct(page, MemberPage)

    @patch("/{org_id:uuid}/members/{user_id:uuid}", summary="Change a member's role (admin+)")
    async def change_role(
        self,
        user_id: Id,
        data: JSONBody[ChangeRoleBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[ChangeMemberRole],
    ) -> MemberRoleOut:
        result = await use_case.execute(actor, ChangeMemberRoleCommand(user_id=user_id, role=Role(data.role)))
        return to_struct(result, MemberRoleOut)

    @delete(
        "/{org_id:uuid}/members/{user_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member (admin+), or leave (self)",
    )
    async def remove(self, user_id: Id, actor: FromDishka[Actor], use_case: FromDishka[RemoveMember]) -> None:
        await use_case.execute(actor, user_id)

    @post(
        "/{org_id:uuid}/invitations",
        summary="Invite someone by email (admin+); the email goes out in the background",
    )
    async def invite(
        self, data: JSONBody[InviteBody], actor: FromDishka[Actor], use_case: FromDishka[InviteMember]
    ) -> InvitationOut:
        result = await use_case.execute(actor, InviteMemberCommand(email=data.email, role=Role(data.role)))
        return to_struct(result, InvitationOut)


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
        return to_struct(await use_case.execute(principal, token), AcceptedOut)


class AuditLogController(Controller):
    path = "/api/orgs/{org_id:uuid}/audit-log"
    tags = ["audit"]

    @get("", summary="Who did what, when: newest first (admin+)")
    async def list_entries(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListAuditLog], limit: Limit = None, cursor: Cursor = None
    ) -> AuditPage:
        return to_struct(await use_case.execute(actor, ListAuditLogQuery(limit=limit, cursor=cursor)), AuditPage)
