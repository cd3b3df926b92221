"""The platform operators' API. Not a tenant route: no org_id path parameter, so the token alone decides, and
a token without the platform_admin flag gets 403."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from adapters.http.admin.schemas import AdminOrganizationPage, SuspendBody, SuspensionOut
from adapters.http.schema_kit import Cursor, Id, Limit, to_struct
from application.platform_admin import (
    ListOrganizationsForAdmin,
    ListOrganizationsQuery,
    ReactivateOrganization,
    SuspendOrganization,
    SuspendOrganizationCommand,
)
from domain.permissions import Principal


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
        return to_struct(page, AdminOrganizationPage)

    @post(
        "/{organization_id:uuid}/suspend",
        status_code=HTTP_200_OK,
        summary="Suspend: its members get 403 on its routes; data kept (platform admins)",
    )
    async def suspend(
        self,
        organization_id: Id,
        principal: FromDishka[Principal],
        use_case: FromDishka[SuspendOrganization],
        data: JSONBody[SuspendBody | None] = None,
    ) -> SuspensionOut:
        command = SuspendOrganizationCommand(organization_id=organization_id, reason=data.reason if data else None)
        return to_struct(await use_case.execute(principal, command), SuspensionOut)

    @post("/{organization_id:uuid}/reactivate", status_code=HTTP_200_OK, summary="Lift a suspension (platform admins)")
    async def reactivate(
        self, organization_id: Id, principal: FromDishka[Principal], use_case: FromDishka[ReactivateOrganization]
    ) -> SuspensionOut:
        return to_struct(await use_case.execute(principal, organization_id), SuspensionOut)
