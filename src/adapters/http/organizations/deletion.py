"""Routes of an organization's end: schedule its deletion (owners), restore it during the grace period."""

from __future__ import annotations

import uuid
from datetime import datetime

from dishka.integrations.litestar import FromDishka
from litestar import Controller, delete, post
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from msgspec import Struct

from adapters.http.auth import ActorEvenIfDeleting
from adapters.http.schema_kit import to_struct
from application.organization_deletion import DeleteOrganization, RestoreOrganization
from domain.permissions import Actor


class DeletionStateOut(Struct):
    id: uuid.UUID
    deleting: bool
    deleting_at: datetime | None
    purge_after: datetime | None


class OrganizationDeletionController(Controller):
    path = "/api/orgs/{org_id:uuid}"
    tags = ["organizations"]

    @delete(
        "",
        status_code=HTTP_202_ACCEPTED,
        summary="Schedule the organization's deletion (owner): 403 on its routes for 30 days, then purged",
    )
    async def schedule_deletion(
        self, actor: FromDishka[Actor], use_case: FromDishka[DeleteOrganization]
    ) -> DeletionStateOut:
        return to_struct(await use_case.execute(actor), DeletionStateOut)

    @post("/restore", status_code=HTTP_200_OK, summary="Cancel a scheduled deletion (owner)")
    async def restore(
        self, actor: FromDishka[ActorEvenIfDeleting], use_case: FromDishka[RestoreOrganization]
    ) -> DeletionStateOut:
        return to_struct(await use_case.execute(actor), DeletionStateOut)
