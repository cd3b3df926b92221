"""Billing over HTTP: the public plan catalog and the organization's subscription."""

from __future__ import annotations

import uuid

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from adapters.http.billing_schemas import ChangePlanBody, PlanList, PlanOut, SubscriptionOut
from adapters.http.schemas import to_struct
from application.billing import ChangePlanCommand, ChangeSubscription, GetSubscription, ListPlans
from domain.permissions import Actor


class PlanController(Controller):
    path = "/api/plans"
    tags = ["billing"]

    @get("", summary="The plan catalog with entitlements (public)", security=[])
    async def catalog(self, use_case: FromDishka[ListPlans]) -> PlanList:
        plans = await use_case.execute()
        return PlanList(items=[to_struct(PlanOut, plan) for plan in plans])  # type: ignore[misc]


class SubscriptionController(Controller):
    path = "/api/orgs/{org_id:uuid}/billing/subscription"
    tags = ["billing"]

    @get("", summary="The organization's plan, subscription status, usage and entitlements (billing readers)")
    async def read(
        self, org_id: FromPath[uuid.UUID], actor: FromDishka[Actor], use_case: FromDishka[GetSubscription]
    ) -> SubscriptionOut:
        return to_struct(SubscriptionOut, await use_case.execute(actor))  # type: ignore[return-value]

    @post(
        "",
        status_code=HTTP_200_OK,
        summary="Start or change the plan (owner, billing_manager); a plan without a price ends the paid one",
    )
    async def change(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[ChangePlanBody],
        actor: FromDishka[Actor],
        use_case: FromDishka[ChangeSubscription],
    ) -> SubscriptionOut:
        result = await use_case.execute(actor, ChangePlanCommand(plan=data.plan, payment_method=data.payment_method))
        return to_struct(SubscriptionOut, result)  # type: ignore[return-value]
