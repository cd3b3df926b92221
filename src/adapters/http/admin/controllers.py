"""The platform operators' API. Not a tenant route: no org_id path parameter, so the token alone decides, and
a token without the platform_admin flag gets 403."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK
from msgspec import Meta, Struct

from adapters.http.schemas import Input, to_struct
from application.platform_admin import (
    ListOrganizationsForAdmin,
    ListOrganizationsQuery,
    ReactivateOrganization,
    SuspendOrganization,
    SuspendOrganizationCommand,
)
from domain.permissions import Principal

Limit = Annotated[int | None, Parameter(ge=1, le=100, required=False, description="page size (1-100)")]
Cursor = Annotated[str | None, Parameter(max_length=200, required=False)]
EntitlementValue = int | bool | None


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


class SuspendBody(Input):
    reason: Annotated[str, Meta(max_length=500)] | None = None


class SuspensionOut(Struct):
    id: uuid.UUID
    suspended_at: datetime | None


class PlatformAdminController(Controller):
    # The path parameter is deliberately not `org_id`: that name makes the authenticator resolve a membership.
    path = "/api/admin/orgs"
    tags = ["platform admin"]

    @get("", summary="Every organization with plan, subscription status, counts and usage (platform admins)")
    async def organizations(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListOrganizationsForAdmin],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> AdminOrganizationPage:
        page = await use_case.execute(principal, ListOrganizationsQuery(limit=limit, cursor=cursor))
        return to_struct(AdminOrganizationPage, page)  # type: ignore[return-value]

    @post(
        "/{organization_id:uuid}/suspend",
        status_code=HTTP_200_OK,
        summary="Suspend: its members get 403 on its routes; data kept (platform admins)",
    )
    async def suspend(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[SuspendOrganization],
        data: JSONBody[SuspendBody | None] = None,
    ) -> SuspensionOut:
        command = SuspendOrganizationCommand(organization_id=organization_id, reason=data.reason if data else None)
        return to_struct(SuspensionOut, await use_case.execute(principal, command))  # type: ignore[return-value]

    @post("/{organization_id:uuid}/reactivate", status_code=HTTP_200_OK, summary="Lift a suspension (platform admins)")
    async def reactivate(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ReactivateOrganization],
    ) -> SuspensionOut:
        return to_struct(SuspensionOut, await use_case.execute(principal, organization_id))  # type: ignore[return-value]
